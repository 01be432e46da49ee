"""Turn a dependency into the files it installs: ``lib``-relative path → (origin, bytes).

Layout, as the board's ``/lib`` will hold it:

- a single file goes into the dependency's folder: ``NAME/file.py``, or ``NAME/__init__.py``
  with ``rename_to_init`` (the default for a plain string), or ``NAME/<rename>``;
- a local folder is copied into ``NAME/``;
- a ``package.json`` (and each of its ``deps``, recursively) installs its ``urls``/``hashes``
  at the destinations it names, relative to ``/lib`` (as ``mip`` does);
  a ``deps`` entry that is a single file lands in ``/lib`` under its own name.

Nothing is written here: the caller commits the result only when every file arrived.
"""

from __future__ import annotations

import ast
import hashlib
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from belay_gen.errors import PackageError
from belay_gen.files import discover, resolve_ignore
from belay_gen.packages.config import Dependency, Source
from belay_gen.packages.fetch import Fetcher
from belay_gen.packages.locate import (
    FILE_SUFFIXES,
    Endpoints,
    FileRef,
    FolderRef,
    IndexRef,
    ManifestRef,
    Target,
    index_file,
    index_manifest,
    is_url,
    join_remote,
    locate,
    manifest_entry,
)
from belay_gen.packages.origin import shown_path
from belay_gen.packages.paths import unsafe_reason

#: package.json ``deps`` deeper than this are taken for a cycle.
MAX_DEPTH = 16
_HASH = re.compile(r"[0-9a-f]{8,64}")


@dataclass(frozen=True)
class FetchedFile:
    """A file ready to go into ``.belay-lib``: ``dest`` relative to it, ``url`` its origin (a
    URL, or a local path relative to the project when it lies inside)."""

    dest: str
    url: str
    data: bytes

    @property
    def sha256(self) -> str:
        """Hex sha256 of the content."""
        return hashlib.sha256(self.data).hexdigest()


class Resolver:
    """Resolves and fetches dependencies of the project at ``root``."""

    def __init__(self, root: Path, fetcher: Fetcher, endpoints: Endpoints) -> None:
        self.root = root
        self.fetcher = fetcher
        self.endpoints = endpoints

    def fetch(
        self, dep: Dependency, sources: tuple[Source, ...] | None = None
    ) -> dict[str, FetchedFile]:
        """Fetch every file of ``dep`` (of ``sources``, default: its cached ones)."""
        files: dict[str, FetchedFile] = {}
        for source in dep.cached if sources is None else sources:
            for fetched in self._source(dep.name, source):
                _add(files, fetched, dep.name)
        return files

    def refetch(self, dest: str, url: str) -> FetchedFile:
        """Fetch ``url`` again as ``dest`` (what ``update --frozen`` does with a locked file)."""
        location = url if is_url(url) else str(self.root / url)
        return FetchedFile(dest, url, self.fetcher.get(location))

    # -- one source --------------------------------------------------------------------------
    def _source(self, name: str, source: Source) -> Iterator[FetchedFile]:
        target = locate(source.uri, self.root, self.endpoints)
        if isinstance(target, FileRef):
            base = target.basename
            if source.rename is not None:
                base = source.rename
            elif source.rename_to_init and base.endswith(FILE_SUFFIXES):
                base = "__init__" + posixpath.splitext(base)[1]
            yield self._file(target.location, f"{name}/{base}")
        elif isinstance(target, FolderRef):
            if source.rename is not None:
                raise PackageError(f"{source.uri}: rename applies to a single file, not a folder")
            tree = discover(target.path, [*resolve_ignore(None), ".*"])  # no .git etc.
            for relative in tree.files:
                yield self._file(str(target.path / relative), f"{name}/{relative}")
        else:
            if source.rename is not None:
                raise PackageError(f"{source.uri}: rename applies to a single file, not a package")
            yield from self._package(target, set(), 0)

    def _file(self, location: str, dest: str, short_hash: str | None = None) -> FetchedFile:
        reason = unsafe_reason(dest)
        if reason is not None:
            raise PackageError(f"{location}: destination {dest!r} {reason}; refusing to install it")
        data = self.fetcher.get(location)
        if short_hash is not None and not hashlib.sha256(data).hexdigest().startswith(short_hash):
            raise PackageError(f"{location}: content does not match its index hash {short_hash}")
        if dest.endswith(".py"):
            _check_python(location, data)
        return FetchedFile(dest, self._shown(location), data)

    def _shown(self, location: str) -> str:
        return location if is_url(location) else shown_path(Path(location), self.root)

    # -- package.json ------------------------------------------------------------------------
    def _package(self, target: Target, seen: set[str], depth: int) -> Iterator[FetchedFile]:
        if depth > MAX_DEPTH:
            raise PackageError(f"package.json deps nest deeper than {MAX_DEPTH} levels (a cycle?)")
        if isinstance(target, IndexRef):
            manifest = index_manifest(target, self.endpoints)
        elif isinstance(target, ManifestRef):
            manifest = target
        elif isinstance(target, FileRef):  # a deps entry naming one file: /lib/<its name>
            yield self._file(target.location, target.basename)
            return
        else:
            raise PackageError(f"{target.path}: a package.json dependency cannot be a local folder")
        if manifest.location in seen:
            return
        seen.add(manifest.location)
        document = _manifest(manifest.location, self.fetcher.get(manifest.location))
        for dest, short_hash in document.get("hashes", ()):
            if not _HASH.fullmatch(short_hash):
                raise PackageError(f"{manifest.location}: {short_hash!r} is not a sha256 prefix")
            yield self._file(index_file(short_hash, self.endpoints), dest, short_hash)
        for dest, source in document.get("urls", ()):
            yield self._file(manifest_entry(source, manifest, self.endpoints), dest)
        for dep_name, version in document.get("deps", ()):
            yield from self._package(self._dep(dep_name, version, manifest), seen, depth + 1)

    def _dep(self, name: str, version: str, parent: ManifestRef) -> Target:
        if name.startswith(("github:", "gitlab:")) or is_url(name):
            return locate(name, self.root, self.endpoints, ref=version or None)
        if "/" in name or name.endswith((".json", *FILE_SUFFIXES)):  # relative to the parent
            if is_url(parent.location):
                joined = join_remote(parent.location, name, "deps")
                return locate(joined, self.root, self.endpoints)
            return locate(name, Path(parent.location).parent, self.endpoints)
        return IndexRef(name, version or "latest")


def _manifest(location: str, data: bytes) -> dict[str, list[tuple[str, str]]]:
    """Parse and check a package.json: ``urls``/``hashes``/``deps`` are lists of string pairs."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageError(f"{location}: not a valid package.json ({exc})") from None
    except RecursionError:  # json nests arrays with the C stack: a hostile file can be deep
        raise PackageError(f"{location}: not a valid package.json (nested too deeply)") from None
    if not isinstance(document, dict):
        raise PackageError(f"{location}: a package.json must be a JSON object")
    checked: dict[str, list[tuple[str, str]]] = {}
    for key in ("hashes", "urls", "deps"):
        entries = document.get(key, [])
        pairs = []
        for entry in entries if isinstance(entries, list) else [entries]:
            if not (
                isinstance(entry, list)
                and len(entry) == 2
                and all(isinstance(x, str) for x in entry)
            ):
                raise PackageError(
                    f"{location}: {key} entries must be [string, string] pairs, not {entry!r}"
                )
            pairs.append((entry[0], entry[1]))
        checked[key] = pairs
    return checked


def _check_python(location: str, data: bytes) -> None:
    """Refuse a ``.py`` that is not Python (typically an HTML page from a wrong URL)."""
    try:
        ast.parse(data)
    except SyntaxError as exc:
        hint = ""
        if data.lstrip()[:1] == b"<":
            hint = " (it looks like HTML: use the file's raw URL or a GitHub blob URL)"
        raise PackageError(
            f"{location}: not Python source: {exc.msg}, line {exc.lineno}{hint}"
        ) from None
    except ValueError as exc:
        raise PackageError(f"{location}: not Python source: {exc}") from None


def _add(files: dict[str, FetchedFile], fetched: FetchedFile, name: str) -> None:
    known = files.get(fetched.dest)
    if known is not None and known.data != fetched.data:
        raise PackageError(
            f"dependency {name}: {known.url} and {fetched.url} both install {fetched.dest};"
            " give one a different name (rename = ...)"
        )
    files.setdefault(fetched.dest, fetched)
