"""``[tool.belay]`` in ``pyproject.toml``: the project package, its dependencies and groups.

::

    [tool.belay]
    name = "app"                        # the project package, synced to /app
    ignore = ["*.md"]                   # git-wildmatch patterns not synced from app/

    [tool.belay.dependencies]
    ssd1306 = "https://github.com/org/repo/blob/main/ssd1306.py"   # -> ssd1306/__init__.py
    sensor = "github:org/sensor"        # a package.json (mip) manifest, deps and all
    tools = ["lib/a.py", "lib/b.py"]    # several files -> tools/a.py, tools/b.py
    local = {uri = "../shared", develop = true}   # read at install time, never cached
    aiohttp = "*"                       # the MicroPython index ("1.0.0" pins a version)

    [tool.belay.group.dev]
    optional = true                     # installed only with --with dev
    [tool.belay.group.dev.dependencies]
    fakes = "tests/fakes.py"

Every error names the file, the line and the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from belay_gen.errors import ConfigError
from belay_gen.packages.paths import LIB_DIR, LOCK_FILE, unsafe_reason
from belay_gen.project import MAX_PYPROJECT_BYTES, PYPROJECT, Pyproject, load_pyproject

MAIN = "main"
TABLE = ("tool", "belay")
#: ``[tool.belay]`` keys; ``build`` belongs to ``belay-gen build``.
KNOWN_KEYS = ("build", "dependencies", "group", "ignore", "name")
_SOURCE_KEYS = ("develop", "rename", "rename_to_init", "uri")
_GROUP_KEYS = ("dependencies", "optional")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
#: What a dependency or group name may hold (it names a folder and is printed).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
#: Makes the ConfigError for the dependency being read, from what is wrong with it.
Bad = Callable[[str], ConfigError]


@dataclass(frozen=True)
class Source:
    """One place a dependency's files come from (a URL, ``github:`` path or local path).

    ``rename_to_init`` stores a single ``.py``/``.mpy`` file as ``__init__`` of the
    dependency's folder, ``rename`` under the given name; ``develop`` (local paths only)
    reads the source at install time instead of caching it in ``.belay-lib``.
    """

    uri: str
    develop: bool = False
    rename_to_init: bool = False
    rename: str | None = None

    def as_lock(self) -> dict[str, object]:
        """This source as recorded in ``belay.lock`` (defaults left out)."""
        out: dict[str, object] = {"uri": self.uri}
        if self.rename_to_init:
            out["rename_to_init"] = True
        if self.rename is not None:
            out["rename"] = self.rename
        if self.develop:
            out["develop"] = True
        return out


@dataclass(frozen=True)
class Dependency:
    """A named dependency: its files land in ``.belay-lib`` and then in the board's ``/lib``."""

    name: str
    group: str
    sources: tuple[Source, ...]

    @property
    def cached(self) -> tuple[Source, ...]:
        """The sources that ``update`` downloads into ``.belay-lib`` (all but develop ones)."""
        return tuple(source for source in self.sources if not source.develop)

    def lock_sources(self) -> list[dict[str, object]]:
        """The sources as ``belay.lock`` records them (to notice edits of pyproject.toml)."""
        return [source.as_lock() for source in self.sources]


@dataclass(frozen=True)
class Group:
    """A dependency group: ``main`` (``[tool.belay.dependencies]``) or ``[tool.belay.group.X]``."""

    name: str
    optional: bool
    dependencies: tuple[Dependency, ...]


@dataclass(frozen=True)
class ProjectConfig:
    """The package manager's view of a project."""

    pyproject: Pyproject
    name: str | None
    ignore: tuple[str, ...]
    groups: tuple[Group, ...]

    @property
    def root(self) -> Path:
        """The project folder (where ``pyproject.toml`` is)."""
        return self.pyproject.root

    @property
    def lib_dir(self) -> Path:
        """``.belay-lib`` of this project."""
        return self.root / LIB_DIR

    @property
    def lock_path(self) -> Path:
        """``belay.lock`` of this project."""
        return self.root / LOCK_FILE

    def dependencies(self) -> list[Dependency]:
        """Every dependency of every group."""
        return [dep for group in self.groups for dep in group.dependencies]

    def select(self, names: Iterable[str]) -> list[Dependency]:
        """The dependencies called ``names``; raises :class:`ConfigError` for an unknown one."""
        known = {dep.name: dep for dep in self.dependencies()}
        chosen = []
        for name in names:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                raise ConfigError(
                    f"no dependency named {name!r} in {self.pyproject.path} (listed: {listed})"
                )
            chosen.append(known[name])
        return chosen

    def installed_with(self, with_groups: Sequence[str] = ()) -> list[Dependency]:
        """What ``install`` sends: ``main``, every non-optional group and ``with_groups``."""
        names = {group.name for group in self.groups}
        for wanted in with_groups:
            if wanted not in names:
                listed = ", ".join(sorted(names - {MAIN})) or "none"
                raise ConfigError(
                    f"no dependency group {wanted!r} in {self.pyproject.path} (groups: {listed})"
                )
        return [
            dep
            for group in self.groups
            if not group.optional or group.name in with_groups
            for dep in group.dependencies
        ]


def load_project(start: Path) -> ProjectConfig:
    """Read ``[tool.belay]`` of the project at or above ``start``.

    Raises :class:`ConfigError` when there is no ``pyproject.toml`` or a setting is wrong.
    """
    from belay_gen.project import find_project

    root = find_project(start)
    _check_size(root / PYPROJECT)
    try:
        pyproject = load_pyproject(root)
    except RecursionError:  # tomllib parses nested arrays recursively
        raise ConfigError(f"{root / PYPROJECT}: not valid TOML: nested too deeply") from None
    if not pyproject.exists:
        raise ConfigError(
            f"no {PYPROJECT} in {start.resolve()} or its parents: run belay-gen new NAME to"
            " start a project, or add a [tool.belay] table to your pyproject.toml"
        )
    return parse_project(pyproject)


def _check_size(path: Path) -> None:
    """Refuse a ``pyproject.toml`` too large to be one (it is read whole into memory)."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # missing: load_pyproject says so
    if size > MAX_PYPROJECT_BYTES:
        raise ConfigError(
            f"{path}: {size:,} bytes is over the {MAX_PYPROJECT_BYTES:,}-byte limit for a"
            f" {PYPROJECT}; is it the right file?"
        )


def parse_project(pyproject: Pyproject) -> ProjectConfig:
    """The :class:`ProjectConfig` of a parsed ``pyproject.toml``."""
    table = pyproject.table(*TABLE)
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise pyproject.error(
            TABLE, unknown[0], f"is not a belay-gen setting (known: {', '.join(KNOWN_KEYS)})"
        )
    name = table.get("name")
    if name is not None and (not isinstance(name, str) or not name.isidentifier()):
        raise pyproject.error(
            TABLE, "name", "must be the project package's name, a Python identifier like 'app'"
        )
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(p, str) for p in ignore):
        raise pyproject.error(TABLE, "ignore", 'must be a list of patterns, e.g. ["*.md"]')
    groups = [Group(MAIN, False, _dependencies(pyproject, TABLE, MAIN))]
    for group_name, group in pyproject.table(*TABLE, "group").items():
        groups.append(_group(pyproject, group_name, group))
    _check_unique(pyproject, groups)
    return ProjectConfig(pyproject, name, tuple(ignore), tuple(groups))


def _group(pyproject: Pyproject, name: str, group: Any) -> Group:
    where = (*TABLE, "group")
    if name == MAIN:
        raise pyproject.error(
            where, name, "is reserved: list main dependencies under [tool.belay.dependencies]"
        )
    if unsafe_reason(name) is not None or not _PLAIN_NAME.fullmatch(name):
        raise pyproject.error(where, name, "is not a valid group name; use a plain word")
    if not isinstance(group, dict):
        raise pyproject.error(where, name, "must be a table with optional and dependencies")
    unknown = sorted(set(group) - set(_GROUP_KEYS))
    if unknown:
        raise pyproject.error(
            (*where, name), unknown[0], f"is not a group setting (known: {', '.join(_GROUP_KEYS)})"
        )
    optional = group.get("optional", False)
    if not isinstance(optional, bool):
        raise pyproject.error((*where, name), "optional", "must be true or false")
    return Group(name, optional, _dependencies(pyproject, (*where, name), name))


def _dependencies(
    pyproject: Pyproject, parent: tuple[str, ...], group: str
) -> tuple[Dependency, ...]:
    where = (*parent, "dependencies")
    deps = []
    for name, value in pyproject.table(*where).items():
        _check_name(pyproject, where, name)
        deps.append(Dependency(name, group, _sources(pyproject, where, name, value)))
    return tuple(deps)


def _check_name(pyproject: Pyproject, where: tuple[str, ...], name: str) -> None:
    reason = unsafe_reason(name)
    if reason is None and ("/" in name or name.startswith(".")):
        reason = "is a path"
    if reason is None and not _PLAIN_NAME.fullmatch(name):
        # it is printed ("NAME: updated"): no spaces, no control sequences for the terminal
        reason = "has characters other than letters, digits, '_', '-' and '.'"
    if reason is not None:
        raise pyproject.error(
            where,
            name,
            f"{reason}: a dependency name becomes a folder in {LIB_DIR} and /lib, so it must be"
            " a plain name such as 'ssd1306'",
        )


def _sources(
    pyproject: Pyproject, where: tuple[str, ...], name: str, value: object
) -> tuple[Source, ...]:
    def bad(what: str) -> ConfigError:
        return pyproject.error(where, name, what)

    if isinstance(value, str):
        sources: tuple[Source, ...] = (Source(_index_uri(name, value, bad), rename_to_init=True),)
    elif isinstance(value, dict):
        sources = (_table_source(value, bad, default_init=True, name=name),)
    elif isinstance(value, list):
        if not value:
            raise bad("is an empty list: give at least one URL or path, or remove it")
        items = []
        for item in value:
            if isinstance(item, str):
                items.append(Source(_checked_uri(item, bad)))
            elif isinstance(item, dict):
                items.append(_table_source(item, bad, default_init=False, name=name))
            else:
                raise bad("lists may hold URLs, paths and {uri = ...} tables only")
        sources = tuple(items)
    else:
        raise bad('must be a URL or path, a list of them, or a table {uri = "..."}')
    if sum(source.rename_to_init for source in sources) > 1:
        raise bad("has more than one source with rename_to_init = true; keep one")
    return sources


def _table_source(table: dict[str, Any], bad: Bad, *, default_init: bool, name: str) -> Source:
    unknown = sorted(set(table) - set(_SOURCE_KEYS))
    if unknown:
        raise bad(f"has unknown setting {unknown[0]!r} (known: {', '.join(_SOURCE_KEYS)})")
    uri = table.get("uri")
    if not isinstance(uri, str):
        raise bad('needs uri = "<URL or path>"')
    develop = table.get("develop", False)
    rename_to_init = table.get("rename_to_init", default_init and "rename" not in table)
    rename = table.get("rename")
    if not isinstance(develop, bool) or not isinstance(rename_to_init, bool):
        raise bad("develop and rename_to_init must be true or false")
    if rename is not None:
        if not isinstance(rename, str):
            raise bad('rename must be a file name, e.g. rename = "driver.py"')
        reason = unsafe_reason(rename)
        if reason is not None:
            raise bad(f"rename {rename!r} {reason}: give a path inside the dependency's folder")
        if rename_to_init:
            raise bad("sets both rename and rename_to_init; keep one")
    uri = _index_uri(name, uri, bad) if default_init else _checked_uri(uri, bad)
    if develop and ("://" in uri or uri.startswith(("github:", "gitlab:", "mip:"))):
        raise bad("develop = true needs a local path (develop files are read at install time)")
    return Source(uri, develop=develop, rename_to_init=rename_to_init, rename=rename)


def _index_uri(name: str, value: str, bad: Bad) -> str:
    """Belay's shorthands: ``"*"``/``"latest"`` and ``"1.2.3"`` mean the MicroPython index."""
    if value in ("*", "latest"):
        return f"mip:{name}"
    if _VERSION.match(value):
        return f"mip:{name}@{value}"
    if value[:1] in tuple("^~><=!"):
        raise bad(f'{value!r}: version ranges are not supported; use "*" or an exact version')
    return _checked_uri(value, bad)


def _checked_uri(value: str, bad: Bad) -> str:
    if not value.strip():
        raise bad("has an empty URL or path")
    return value.strip()


def _check_unique(pyproject: Pyproject, groups: Sequence[Group]) -> None:
    seen: dict[str, str] = {}
    for group in groups:
        for dep in group.dependencies:
            if dep.name in seen:
                table = (*TABLE, "group", group.name, "dependencies")
                raise pyproject.error(
                    table,
                    dep.name,
                    f"is also in group {seen[dep.name]!r}: groups share the board's /lib,"
                    " so each name may appear once",
                )
            seen[dep.name] = group.name
