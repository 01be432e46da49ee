"""Where the package manager keeps things, and the rule that no name escapes its folder."""

from __future__ import annotations

import re

from belay_gen.project import read_capped

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


__all__ = ["LIB_DIR", "LOCK_FILE", "read_capped", "unsafe_reason"]
