"""``.belay-lib`` on disk, kept in step with ``belay.lock``.

``commit`` puts one dependency's freshly fetched files in place (each written atomically,
after all of them arrived) and drops the files it no longer has; ``drop_unlisted`` removes
what no listed dependency owns; ``verify`` reads the cached files back against the lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from belay_gen.errors import LockMismatchError, PackageError
from belay_gen.files import write_atomic
from belay_gen.packages.config import Dependency
from belay_gen.packages.lock import Lock, LockedFile, LockEntry
from belay_gen.packages.paths import LIB_DIR, LOCK_FILE
from belay_gen.packages.resolve import FetchedFile


@dataclass
class Change:
    """What committing one dependency did to ``.belay-lib`` (paths relative to it)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


def check_conflicts(lock: Lock, name: str, files: Mapping[str, FetchedFile]) -> None:
    """Refuse files that another dependency already installs with other content."""
    owners = lock.owned(excluding=name)
    for dest, fetched in sorted(files.items()):
        other = owners.get(dest)
        if other is not None and lock.entries[other].files[dest].sha256 != fetched.sha256:
            raise PackageError(
                f"dependencies {other} and {name} both install {dest} with different content;"
                " remove one of them, or rename a file"
            )


def commit(lib_dir: Path, lock: Lock, dep: Dependency, files: Mapping[str, FetchedFile]) -> Change:
    """Make ``lib_dir`` hold ``files`` for ``dep`` and record them in ``lock`` (in memory).

    All or nothing: every changed file is first written beside its target, then all are
    renamed into place; an :class:`OSError` on the way (a full disk, a folder that cannot be
    written) leaves the previous copy complete and raises :class:`PackageError`.
    """
    check_root(lib_dir)
    check_conflicts(lock, dep.name, files)
    change = Change()
    pending: dict[Path, bytes] = {}
    for dest, fetched in sorted(files.items()):
        target = _target(lib_dir, dest)
        if target.is_dir() and not target.is_symlink():
            raise PackageError(f"{target} is a folder, but {dep.name} installs a file there")
        if not target.is_symlink() and target.is_file() and target.read_bytes() == fetched.data:
            change.unchanged.append(dest)
        else:
            pending[target] = fetched.data
            change.written.append(dest)
    try:
        _replace_all(lib_dir, pending)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise PackageError(
            f"cannot write {dep.name} into {LIB_DIR}: {exc.strerror or exc}{where}; its previous"
            " copy is kept: fix the cause (disk space, permissions) and run belay-gen update"
        ) from None
    previous = lock.entries.get(dep.name)
    lock.entries[dep.name] = LockEntry(
        dep.group,
        tuple(dep.lock_sources()),
        {dest: LockedFile(f.url, f.sha256) for dest, f in files.items()},
    )
    if previous is not None:
        owned = lock.owned()
        for dest in sorted(set(previous.files) - set(files)):
            try:
                if dest not in owned and _unlink(lib_dir, dest):
                    change.removed.append(dest)
            except OSError as exc:  # the new copy is complete; this file is now a stray
                raise PackageError(
                    f"{dep.name} was updated, but {LIB_DIR}/{dest}, which it no longer has,"
                    f" cannot be removed ({exc.strerror or exc}): delete it by hand"
                ) from None
    return change


def _replace_all(lib_dir: Path, pending: Mapping[Path, bytes]) -> None:
    """Write every ``pending`` file, or (after an :class:`OSError`) none of them.

    Stage all, then rename all; should a rename fail, the ones done are put back.
    """
    staged: dict[Path, Path] = {}
    created: list[Path] = []
    try:
        for target, data in pending.items():
            created.extend(_make_folders(target.parent))
            staged[target] = _stage(target, data)
        done: list[tuple[Path, bytes | None]] = []
        try:
            for target, temp in staged.items():
                plain = target.is_file() and not target.is_symlink()
                before = target.read_bytes() if plain else None
                os.replace(temp, target)
                done.append((target, before))
        except OSError:
            for target, before in reversed(done):
                with contextlib.suppress(OSError):
                    if before is None:
                        target.unlink()
                    else:
                        write_atomic(target, before)
            raise
    except OSError:
        for temp in staged.values():
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                _prune(lib_dir, folder)
        raise


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def _stage(target: Path, data: bytes) -> Path:
    """``data`` in a new temp file beside ``target``, with the permissions of a new file."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(temp, 0o666 & ~mask)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def drop_unlisted(lib_dir: Path, lock: Lock, listed: Iterable[str]) -> list[str]:
    """Forget dependencies not in ``listed`` and delete the files the lock recorded for them
    that no remaining dependency owns. Returns the deleted paths (relative to ``lib_dir``).

    Only files ``belay.lock`` recorded are ever deleted: anything else in ``lib_dir`` (a file
    copied there by hand, or the target of a symlink) is left alone; :func:`stray_files`
    lists it.
    """
    check_root(lib_dir)
    keep = set(listed)
    recorded: set[str] = set()
    for name in sorted(set(lock.entries) - keep):
        recorded.update(lock.entries.pop(name).files)
    owned = lock.owned()
    removed = []
    if lib_dir.is_dir():
        for relative in sorted(recorded - set(owned)):
            if _unlink(lib_dir, relative):
                removed.append(relative)
    return removed


def stray_files(lib_dir: Path, lock: Lock) -> list[str]:
    """Files in ``lib_dir`` that no dependency in ``lock`` owns (never deleted by belay-gen)."""
    if not lib_dir.is_dir() or lib_dir.is_symlink():
        return []
    owned = lock.owned()
    return sorted(relative for relative in _walk(lib_dir) if relative not in owned)


def check_root(lib_dir: Path) -> None:
    """Refuse a ``lib_dir`` that is a symlink or not a folder.

    A cloned repository can carry ``.belay-lib`` as a symlink to anywhere (``.``, ``~``):
    writing or deleting through it would touch files belay-gen never owned.
    """
    if lib_dir.is_symlink():
        raise PackageError(
            f"{lib_dir} is a symlink (to {os.readlink(lib_dir)}); belay-gen only writes and"
            f" deletes inside a real {LIB_DIR} folder: remove the link (the files it points to"
            f" are not touched) and run belay-gen update"
        )
    if lib_dir.exists() and not lib_dir.is_dir():
        raise PackageError(f"{lib_dir} is not a folder: move it away and run belay-gen update")


def verify(lib_dir: Path, lock: Lock, deps: Iterable[Dependency]) -> dict[str, bytes]:
    """The cached files of ``deps`` (path → content), after checking them against ``lock``.

    Raises :class:`LockMismatchError` when a dependency is missing from the lock, was edited
    in ``pyproject.toml`` since, or a file is missing or differs.
    """
    check_root(lib_dir)
    files: dict[str, bytes] = {}
    for dep in deps:
        entry = locked_entry(lock, dep)
        for dest, locked in sorted(entry.files.items()):
            path = _target(lib_dir, dest)
            try:
                data = path.read_bytes()
            except OSError:
                raise LockMismatchError(
                    f"{LIB_DIR}/{dest} of {dep.name} is missing: run belay-gen update --frozen"
                    " to download the locked version"
                ) from None
            digest = hashlib.sha256(data).hexdigest()
            if digest != locked.sha256:
                raise LockMismatchError(
                    f"{LIB_DIR}/{dest} of {dep.name} changed since {LOCK_FILE} was written:"
                    f" run belay-gen update --frozen to restore it, or belay-gen update"
                    f" {dep.name} to lock a fresh download"
                )
            files[dest] = data
    return files


def locked_entry(lock: Lock, dep: Dependency) -> LockEntry:
    """``dep``'s lock entry; :class:`LockMismatchError` when absent or out of date."""
    entry = lock.entries.get(dep.name)
    if entry is None:
        raise LockMismatchError(
            f"dependency {dep.name} is not in {LOCK_FILE}: run belay-gen update {dep.name}"
        )
    if list(entry.sources) != dep.lock_sources():
        raise LockMismatchError(
            f"dependency {dep.name} changed in pyproject.toml since {LOCK_FILE} was written:"
            f" run belay-gen update {dep.name}"
        )
    return entry


def _walk(folder: Path) -> Iterable[str]:
    for current, _dirs, names in os.walk(folder):
        for name in names:
            yield (Path(current) / name).relative_to(folder).as_posix()


def _target(lib_dir: Path, relative: str) -> Path:
    """``lib_dir/relative``, refusing a symlinked folder on the way, which could lead a write
    or a delete outside ``lib_dir`` (``unsafe_reason`` already rules out ``..``)."""
    folder = lib_dir
    for part in relative.split("/")[:-1]:
        folder = folder / part
        if folder.is_symlink():
            shown = folder.relative_to(lib_dir).as_posix()
            raise PackageError(
                f"{LIB_DIR}/{shown} is a symlink; belay-gen only writes inside {LIB_DIR}:"
                " remove the link and run belay-gen update"
            )
    return lib_dir / relative


def _unlink(lib_dir: Path, relative: str) -> bool:
    path = _target(lib_dir, relative)
    if not path.is_file() and not path.is_symlink():
        return False
    path.unlink()
    _prune(lib_dir, path.parent)
    return True


def _prune(lib_dir: Path, start: Path) -> None:
    """Remove the empty folders on the way up from ``start`` to ``lib_dir``."""
    while start != lib_dir and lib_dir in start.parents and not any(start.iterdir()):
        start.rmdir()
        start = start.parent
