"""What decides the compiler's output, as one hash: for caches of compiled code to key on."""

from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path

from belay_gen._version import __version__

_PACKAGE = Path(__file__).resolve().parent
_TEMPLATES = _PACKAGE.parent / "templates"  # what compiler.emit renders


@functools.cache
def compiler_fingerprint() -> str:
    """A hash of the compiler's version, its source files and templates, and the Python
    version (minify reads Python's own tokenizer). Editing the compiler in a checkout
    changes it, so a cache keyed on it never serves what an older compiler made."""
    digest = hashlib.sha256(f"belay-gen {__version__} {sys.version_info[:2]}".encode())
    paths = sorted(_PACKAGE.rglob("*.py")) + sorted(_TEMPLATES.glob("*.j2"))
    for path in paths:
        digest.update(path.relative_to(_PACKAGE.parent).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
