"""Edit ``[tool.belay.dependencies]`` of ``pyproject.toml`` in place, line by line.

No TOML library writes TOML back with its comments, so this editor changes only the lines
of the one entry it adds, replaces or removes, and leaves every other byte alone. It edits
the plain form only::

    [tool.belay.dependencies]
    name = "uri"            # one entry: one key, any value (several lines are fine)

A table written any other way (inline under ``[tool.belay]``, dotted keys, a dependency as its
own ``[tool.belay.dependencies.NAME]`` table) is refused with an explanation. The result is
parsed again and must equal the old data with exactly the one change, or nothing is written.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from belay_gen.errors import ConfigError
from belay_gen.files import write_atomic

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TABLE = "[tool.belay.dependencies]"
_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*belay\s*\.\s*dependencies\s*\]\s*(#.*)?$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
#: An entry longer than this many lines is not one this editor will take apart.
_MAX_ENTRY_LINES = 200


@dataclass(frozen=True)
class _Entry:
    key: str
    first: int  # line index
    last: int  # line index, inclusive
    dotted: bool


def toml_key(name: str) -> str:
    """``name`` as a TOML key: bare when it can be, else a quoted string."""
    return name if _BARE_KEY.match(name) else json.dumps(name)


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (JSON's escapes are all valid TOML)."""
    return json.dumps(value)


def add_dependency(path: Path, name: str, value_toml: str) -> bool:
    """Set dependency ``name`` to the TOML value ``value_toml`` (e.g. ``'"github:o/r"'``).

    Returns True when ``name`` was already listed (its entry replaced, its trailing comment
    kept), False when added (after the table's last entry, or in a new table at the end).
    """
    text, data = _read(path)
    new_value = tomllib.loads(f"v = {value_toml}")["v"]
    lines = text.splitlines(keepends=True)
    header = _find_header(lines, path, data)
    line = f"{toml_key(name)} = {value_toml}"
    if header is None:
        tail = "" if not text or text.endswith("\n") else "\n"
        separator = "\n" if text.strip() else ""
        new_text = f"{text}{tail}{separator}{TABLE}\n{line}\n"
        existed = False
    else:
        entries = _entries(lines, header, path)
        mine = [entry for entry in entries if entry.key == name]
        _check_editable(mine, name, path, data)
        if mine:
            entry = mine[0]
            comment = _trailing_comment(lines[entry.last]) if entry.first == entry.last else ""
            lines[entry.first : entry.last + 1] = [f"{line}{comment}\n"]
        else:
            at = entries[-1].last + 1 if entries else header + 1
            if at > 0 and not lines[at - 1].endswith("\n"):
                lines[at - 1] += "\n"
            lines.insert(at, f"{line}\n")
        new_text = "".join(lines)
        existed = bool(mine)
    expected = copy.deepcopy(data)
    _dependencies(expected, create=True)[name] = new_value
    _write_checked(path, new_text, expected)
    return existed


def remove_dependency(path: Path, name: str) -> None:
    """Delete dependency ``name``'s entry (the comments around it stay)."""
    text, data = _read(path)
    table = _dependencies(data)
    if name not in (table or {}):
        listed = ", ".join(sorted(table or {})) or "none"
        raise ConfigError(f"{path}: {name!r} is not in {TABLE} (listed: {listed})")
    lines = text.splitlines(keepends=True)
    header = _find_header(lines, path, data)
    if header is None:
        raise _unsupported(path, f"{TABLE} is not written as a table of its own")
    entries = _entries(lines, header, path)
    mine = [entry for entry in entries if entry.key == name]
    _check_editable(mine, name, path, data)
    del lines[mine[0].first : mine[0].last + 1]
    expected = copy.deepcopy(data)
    del _dependencies(expected, create=True)[name]
    _write_checked(path, "".join(lines), expected)


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no {path.name} at {path.parent}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it first") from None


def _dependencies(data: dict[str, Any], *, create: bool = False) -> Any:
    node: Any = data
    for key in ("tool", "belay", "dependencies"):
        if not isinstance(node, dict):
            return None
        if key not in node:
            if not create:
                return None
            node[key] = {}
        node = node[key]
    return node


def _unsupported(path: Path, why: str) -> ConfigError:
    return ConfigError(
        f"{path}: cannot edit the dependencies safely: {why}. Write them as a plain table"
        f" ({TABLE} followed by one `name = ...` line per dependency), or edit the file by hand"
    )


def _find_header(lines: list[str], path: Path, data: dict[str, Any]) -> int | None:
    """The line of the ``[tool.belay.dependencies]`` header; None when the table is not
    defined at all (refused when it is defined some other way)."""
    found = [index for index, line in enumerate(lines) if _HEADER.match(line)]
    if found:
        return found[0]
    if _dependencies(data) is not None:
        raise _unsupported(path, "the table is written inline or with dotted keys")
    return None


def _entries(lines: list[str], header: int, path: Path) -> list[_Entry]:
    """The key/value entries after ``header``, up to the next table.

    An entry is the fewest lines, from its first, that parse as TOML on their own: TOML
    values are self-delimiting, so this finds multi-line arrays and strings exactly.
    """
    entries = []
    index = header + 1
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith("#"):
            index += 1
            continue
        if stripped.startswith("["):
            break
        for last in range(index, min(len(lines), index + _MAX_ENTRY_LINES)):
            try:
                parsed = tomllib.loads("".join(lines[index : last + 1]))
            except tomllib.TOMLDecodeError:
                continue
            break
        else:
            raise _unsupported(path, f"line {index + 1} does not parse as one entry")
        if len(parsed) != 1:
            raise _unsupported(path, f"line {index + 1} holds more than one key")
        key = next(iter(parsed))
        raw_key = lines[index].split("=", 1)[0].strip()
        dotted = raw_key not in (key, json.dumps(key), f"'{key}'")
        entries.append(_Entry(key, index, last, dotted))
        index = last + 1
    return entries


def _check_editable(mine: list[_Entry], name: str, path: Path, data: dict[str, Any]) -> None:
    if len(mine) > 1 or any(entry.dotted for entry in mine):
        raise _unsupported(path, f"{name!r} is written with dotted keys over several lines")
    if not mine and name in (_dependencies(data) or {}):
        raise _unsupported(path, f"{name!r} is written as its own table ({TABLE[:-1]}.{name}])")


def _trailing_comment(line: str) -> str:
    """The ``  # comment`` at the end of a one-line entry ('' without one)."""
    body = line.rstrip("\r\n")
    for match in re.finditer("#", body):
        start = match.start()
        try:
            tomllib.loads(body[:start])
        except tomllib.TOMLDecodeError:
            continue  # that '#' is inside a string
        spaces = len(body[:start]) - len(body[:start].rstrip())
        return body[start - spaces :]
    return ""


def _write_checked(path: Path, text: str, expected: dict[str, Any]) -> None:
    try:
        result = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _unsupported(path, f"the edit would not parse ({exc})") from None
    if result != expected:
        raise _unsupported(path, "the edit would change more than the one dependency")
    write_atomic(path, text.encode("utf-8"))
