"""Where a dependency's configured sources may lead: what ``update --frozen`` accepts from
``belay.lock``.

The lock is untrusted (a pull request can edit it), so each locked location must follow from
what ``pyproject.toml`` says about that dependency; otherwise a lock could point a dependency
at any URL, or at a local file such as ``~/.ssh/id_rsa``:

- a single file (a URL or a local path): exactly that file;
- a local folder: a file inside it;
- a package.json (``github:``, ``gitlab:``, a URL, ``mip:``): an ``http(s)`` URL on the host
  it is read from, on the ``github:``/``gitlab:``/index hosts its ``deps`` lead to, or on a
  host ``BELAY_GEN_ALLOWED_HOSTS`` names; a local package.json also a file in its folder.

Local paths are recorded relative to the project (``../shared/x.py`` for a folder next to
it), so a lock is portable between checkouts.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from belay_gen.errors import LockMismatchError
from belay_gen.packages.config import Dependency
from belay_gen.packages.locate import (
    Endpoints,
    FileRef,
    FolderRef,
    IndexRef,
    ManifestRef,
    Target,
    host_listed,
    host_of,
    is_url,
    locate,
)
from belay_gen.packages.lock import LockEntry
from belay_gen.packages.paths import LOCK_FILE


def shown_path(path: Path, root: Path) -> str:
    """``path`` as the lock records it: relative to ``root`` (with ``..`` when outside)."""
    resolved = path.resolve()
    try:
        return Path(os.path.relpath(resolved, root.resolve())).as_posix()
    except ValueError:  # another drive on Windows: no relative form exists
        return resolved.as_posix()


def check_locked_entry(
    dep: Dependency,
    entry: LockEntry,
    root: Path,
    endpoints: Endpoints,
    allowed_hosts: Collection[str] = (),
) -> None:
    """Raise :class:`LockMismatchError` when a file of ``entry`` comes from somewhere
    ``dep``'s configured sources cannot lead (see the module docstring); a source that
    cannot work at all (a missing local path) raises :class:`PackageError`."""
    targets = [locate(source.uri, root, endpoints) for source in dep.cached]
    for dest, locked in sorted(entry.files.items()):
        if not any(_leads_to(t, locked.url, root, endpoints, allowed_hosts) for t in targets):
            raise LockMismatchError(
                f"{LOCK_FILE} says {dep.name}'s {dest} comes from {locked.url!r}, which its"
                f" source in pyproject.toml does not lead to (was {LOCK_FILE} edited?): run"
                f" belay-gen update {dep.name} to lock it again"
            )


def _leads_to(
    target: Target, url: str, root: Path, endpoints: Endpoints, allowed_hosts: Collection[str]
) -> bool:
    if is_url(url):
        if isinstance(target, FileRef):
            return url == target.location
        if isinstance(target, FolderRef):
            return False
        hosts = {host_of(endpoints.github_raw), host_of(endpoints.gitlab)}
        hosts |= {host_of(endpoints.index)} | {host.lower() for host in allowed_hosts}
        if isinstance(target, ManifestRef) and is_url(target.location):
            hosts.add(host_of(target.location))
        return host_listed(url, hosts - {""})
    if "\0" in url or isinstance(target, IndexRef):
        return False
    path = Path(os.path.normpath(root / url)).resolve()
    if isinstance(target, FileRef):
        return not is_url(target.location) and path == Path(target.location).resolve()
    if isinstance(target, FolderRef):
        return _inside(path, target.path.resolve())
    return not is_url(target.location) and _inside(path, Path(target.location).resolve().parent)


def _inside(path: Path, folder: Path) -> bool:
    return path != folder and folder in path.parents
