"""The project's ``pyproject.toml``: find it, read it, and point at the line of a bad setting.

Shared by ``belay-gen build`` and the package manager (``[tool.belay]``); the build's own table
is read here too (:func:`load_config`)::

    [tool.belay.build]
    sources = ["src"]        # files or folders (default: the project folder)
    out = "build/belay"      # default
    mpy_cross = false        # true, or the path of an mpy-cross matching the board
    march = "armv6m"         # mpy-cross -march, when the board runs native code

tomllib reports no positions, so :func:`key_line` finds a key's line in the text itself; every
:class:`ConfigError` names the file, the line and the key::

    project = load_pyproject(find_project(Path.cwd()))
    belay = project.table("tool", "belay")
    raise project.error(("tool", "belay"), "name", "must be a string")
    # -> /src/app/pyproject.toml:3: [tool.belay] name must be a string
"""

from __future__ import annotations

import os
import re
import stat
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
BUILD_TABLE = "tool.belay.build"
DEFAULT_BUILD_OUT = "build/belay"
"""Where ``belay-gen build`` writes, relative to the project, unless ``out`` says otherwise."""
_BUILD_KEYS = {"sources", "out", "mpy_cross", "march"}
#: A ``pyproject.toml`` larger than this is refused before it is read (it is read whole).
MAX_PYPROJECT_BYTES = 4 * 1024 * 1024

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


def read_capped(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``: :class:`ValueError` when it is larger than
    ``limit`` bytes or not a regular file (a FIFO would block, ``/dev/zero`` never ends),
    :class:`OSError` when it cannot be opened."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit:,} bytes")
    return data


def load_pyproject(root: Path) -> Pyproject:
    """Read ``root/pyproject.toml`` (an empty :class:`Pyproject` when there is none).

    Raises :class:`ConfigError` when the file is not valid TOML, not a regular file, larger
    than :data:`MAX_PYPROJECT_BYTES` or nested too deeply to read.
    """
    path = root.resolve() / PYPROJECT
    if not path.is_file():
        return Pyproject(path)
    try:
        raw = read_capped(path, MAX_PYPROJECT_BYTES)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}; is it the right file?") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
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
    except RecursionError:
        raise ConfigError(
            f"{path}: arrays or tables nested too deeply to read; is it the right file?"
        ) from None
    return Pyproject(path, text, data, exists=True)


@dataclass(frozen=True)
class BuildConfig:
    """What ``belay-gen build`` builds: paths are absolute; ``pyproject`` is where they came
    from, if any."""

    root: Path
    sources: tuple[Path, ...]
    out: Path
    mpy_cross: bool | str = False
    march: str | None = None
    pyproject: Path | None = None


def load_config(
    root: Path,
    *,
    sources: Sequence[str] = (),
    out: str | None = None,
    mpy_cross: bool | None = None,
) -> BuildConfig:
    """Read ``[tool.belay.build]`` of ``root/pyproject.toml``; arguments given here override
    its settings.

    Raises:
        ConfigError: the file is not TOML, a key is unknown or of the wrong type (the message
            names the file, the key and its line), or a source does not exist.
    """
    root = root.resolve()
    project = load_pyproject(root)
    table = project.table("tool", "belay", "build")

    def bad(key: str, what: str) -> ConfigError:
        return project.error(("tool", "belay", "build"), key, what)

    unknown = sorted(set(table) - _BUILD_KEYS)
    if unknown:
        known = ", ".join(sorted(_BUILD_KEYS))
        raise bad(unknown[0], f"is not a build setting (known: {known})")
    configured = table.get("sources", ["."])
    if not isinstance(configured, list) or not all(isinstance(s, str) for s in configured):
        raise bad("sources", 'must be a list of paths, e.g. sources = ["src"]')
    out_setting = table.get("out", DEFAULT_BUILD_OUT)
    if not isinstance(out_setting, str) or not out_setting:
        raise bad("out", f'must be a path, e.g. out = "{DEFAULT_BUILD_OUT}"')
    mpy_setting = table.get("mpy_cross", False)
    if not isinstance(mpy_setting, (bool, str)):
        raise bad("mpy_cross", "must be true, false or the path of an mpy-cross program")
    march = table.get("march")
    if march is not None and not isinstance(march, str):
        raise bad("march", 'must be an architecture name, e.g. march = "armv6m"')
    chosen = list(sources) or configured
    if mpy_cross and mpy_setting is False:
        mpy_setting = True
    for name in chosen:
        if not (root / name).exists():
            where = "a build argument" if sources else f"{BUILD_TABLE}.sources"
            raise ConfigError(f"{where}: source {name!r} does not exist under {root}")
    return BuildConfig(
        root=root,
        sources=tuple((root / name).resolve() for name in chosen),
        # Not resolved: a symlinked output folder must stay visible to build, which refuses it.
        out=Path(os.path.normpath(root / (out or out_setting))),
        mpy_cross=mpy_setting,
        march=march,
        pyproject=project.path if project.exists else None,
    )


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
