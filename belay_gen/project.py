"""The project's ``pyproject.toml``: find it, read it, and point at the line of a bad setting.

Shared by ``belay-gen build`` (``[tool.belay.build]``) and the package manager
(``[tool.belay]``). tomllib reports no positions, so :func:`key_line` finds a key's line in
the text itself; every :class:`ConfigError` names the file, the line and the key::

    project = load_pyproject(find_project(Path.cwd()))
    belay = project.table("tool", "belay")
    raise project.error(("tool", "belay"), "name", "must be a string")
    # -> /src/app/pyproject.toml:3: [tool.belay] name must be a string
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from belay_gen.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPROJECT = "pyproject.toml"

_HEADER = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")
_ASSIGNMENT = re.compile(rf"\s*((?:{_PART.pattern})(?:\s*\.\s*(?:{_PART.pattern}))*)\s*=")


def find_project(start: Path) -> Path:
    """The nearest folder at or above ``start`` with a ``pyproject.toml``, else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PYPROJECT).is_file():
            return folder
    return start


@dataclass(frozen=True)
class Pyproject:
    """A parsed ``pyproject.toml`` (``exists`` is False when the folder has none)."""

    path: Path
    text: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    exists: bool = False

    @property
    def root(self) -> Path:
        """The project folder."""
        return self.path.parent

    def table(self, *keys: str) -> dict[str, Any]:
        """The table at ``keys`` (e.g. ``"tool", "belay"``); ``{}`` when it is absent.

        Raises :class:`ConfigError` when something other than a table sits there.
        """
        found: Any = self.data
        for depth, key in enumerate(keys):
            found = found.get(key, {})
            if not isinstance(found, dict):
                raise self.error(keys[:depth], key, "must be a table")
        return dict(found)

    def error(self, table: Sequence[str], key: str | None, what: str) -> ConfigError:
        """A :class:`ConfigError` ``file:line: [table] key what`` for ``key`` in ``table``."""
        path = (*table, key) if key is not None else tuple(table)
        line = key_line(self.text, path)
        where = f"[{'.'.join(table)}]" + (f" {_show_key(key)}" if key is not None else "")
        return ConfigError(f"{self.path}:{line}: {where} {what}")


def load_pyproject(root: Path) -> Pyproject:
    """Read ``root/pyproject.toml`` (an empty :class:`Pyproject` when there is none).

    Raises :class:`ConfigError` when the file is not valid TOML.
    """
    path = root.resolve() / PYPROJECT
    if not path.is_file():
        return Pyproject(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}); save it as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return Pyproject(path, text, data, exists=True)


def key_line(text: str, path: Sequence[str]) -> int:
    """The line (from 1) that sets the key at ``path``, e.g. ``("tool", "belay", "name")``.

    Understands ``[table]`` headers, dotted keys and inline tables. When the key itself is
    not written out (a default, or inside a multi-line value), the line of its nearest
    enclosing table or key; 1 when nothing matches.
    """
    wanted = tuple(path)
    lines = text.splitlines()
    header: tuple[str, ...] = ()
    best, best_depth = 1, 0
    for number, line in enumerate(lines, start=1):
        match = _HEADER.match(line)
        if match and not line.lstrip().startswith("[["):
            header = _split_key(match.group(1))
            depth = _common(header, wanted)
            if header == wanted:
                return number
            if depth == len(header) and depth > best_depth:
                best, best_depth = number, depth
            continue
        assignment = _ASSIGNMENT.match(line)
        if not assignment:
            continue
        full = header + _split_key(assignment.group(1))
        depth = _common(full, wanted)
        if depth == len(wanted):
            return number  # the key, or a dotted key below it (``foo.uri = ...``)
        if depth == len(full) and depth > best_depth:
            best, best_depth = number, depth
            # An inline table: look for the next key on this line and those that follow.
            rest = wanted[depth:]
            found = _inline_key(lines, number, rest[0]) if rest else None
            if found is not None:
                return found
    return best


def _inline_key(lines: Sequence[str], start: int, key: str) -> int | None:
    pattern = re.compile(rf"""(^|[{{,\s])["']?{re.escape(key)}["']?\s*=""")
    first = lines[start - 1].split("=", 1)[1]
    if pattern.search(first):
        return start
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if _HEADER.match(line) or (_ASSIGNMENT.match(line) and not line[:1].isspace()):
            return None
        if pattern.search(line):
            return number
    return None


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _PART.findall(dotted))


def _common(a: Sequence[str], b: Sequence[str]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _show_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'
