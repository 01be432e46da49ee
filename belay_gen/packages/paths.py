"""Where the package manager keeps things, and the rule that no name escapes its folder."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

#: Downloaded dependencies, laid out as they land in the board's ``/lib`` (commit it).
LIB_DIR = ".belay-lib"
#: Which files each dependency owns, where they came from and their sha256 (commit it).
LOCK_FILE = "belay.lock"

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_reason(path: str) -> str | None:
    """Why ``path`` may not name a file inside the lib folder, or ``None`` when it may.

    A safe path is relative, uses ``/``, and has no ``..``, empty or ``.`` components.

    >>> unsafe_reason("aiohttp/__init__.py") is None
    True
    >>> unsafe_reason("../evil.py")
    "contains '..'"
    """
    if not path:
        return "is empty"
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        return "is absolute"
    if "\\" in path or "\0" in path:
        return "contains a backslash or NUL; use '/' between folders"
    parts = path.split("/")
    if ".." in parts:
        return "contains '..'"
    if any(part in ("", ".") for part in parts):
        return "has an empty or '.' component"
    return None


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``; :class:`ValueError` when it is larger than
    ``limit`` or not a regular file (a FIFO would block, ``/dev/zero`` never ends)."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit:,} bytes")
    return data
