"""``belay-gen update`` and ``belay-gen clean``: download dependencies into ``.belay-lib``.

``update`` fetches each dependency completely before touching its files, so a failed or
partial download keeps the previous copy; it writes ``belay.lock`` and then cleans.
``frozen=True`` changes nothing that the lock does not already say: it downloads the locked
URLs again, refuses content whose sha256 differs, and restores ``.belay-lib`` from them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from belay_gen.errors import DownloadError, LockMismatchError, PackageError
from belay_gen.packages.config import Dependency, ProjectConfig
from belay_gen.packages.fetch import Fetcher
from belay_gen.packages.locate import Endpoints
from belay_gen.packages.lock import Lock
from belay_gen.packages.origin import check_locked_entry
from belay_gen.packages.paths import LIB_DIR, LOCK_FILE
from belay_gen.packages.resolve import FetchedFile, Resolver
from belay_gen.packages.store import commit, drop_unlisted, locked_entry, stray_files

#: Receives one line of progress, e.g. ``"ssd1306: updated (1 file)"``.
Log = Callable[[str], None]


@dataclass
class UpdateReport:
    """What ``update`` did, by dependency name; ``removed`` are files ``clean`` deleted."""

    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    develop: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


def update(
    config: ProjectConfig,
    names: Sequence[str] = (),
    *,
    frozen: bool = False,
    fetcher: Fetcher | None = None,
    endpoints: Endpoints | None = None,
    log: Log | None = None,
) -> UpdateReport:
    """Download ``names`` (default: every dependency of every group), lock, then clean.

    Raises :class:`PackageError` (after updating the others) when a dependency failed,
    naming it, the URL and the reason; with ``frozen``, :class:`LockMismatchError` when
    pyproject.toml or the downloaded content differ from ``belay.lock`` (nothing written).
    """
    say = log or (lambda line: None)
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher.from_env()
    resolver = Resolver(config.root, fetcher, endpoints or Endpoints.from_env())
    lock = Lock.read(config.lock_path)
    deps = config.select(names) if names else config.dependencies()
    report = UpdateReport()
    try:
        if frozen:
            _frozen(config, lock, deps, resolver, report, say)
        else:
            _fresh(config, lock, deps, resolver, report, say)
    finally:
        if own_fetcher:
            fetcher.close()
    report.removed = clean(config, lock, log=say)
    if report.failed:
        kind = (
            DownloadError if all("GET " in why for why in report.failed.values()) else PackageError
        )
        details = "; ".join(f"{name}: {why}" for name, why in report.failed.items())
        raise kind(
            f"could not update {len(report.failed)} dependenc"
            f"{'y' if len(report.failed) == 1 else 'ies'} (previous copies kept): {details}"
        )
    return report


def clean(config: ProjectConfig, lock: Lock | None = None, *, log: Log | None = None) -> list[str]:
    """Remove dependencies no longer listed in ``pyproject.toml`` from ``.belay-lib`` and
    ``belay.lock``. Returns the deleted paths: only files the lock recorded are deleted;
    other files in ``.belay-lib`` are named in the log and left alone."""
    say = log or (lambda line: None)
    lock = Lock.read(config.lock_path) if lock is None else lock
    before = set(lock.entries)
    removed = drop_unlisted(config.lib_dir, lock, (dep.name for dep in config.dependencies()))
    for name in sorted(before - set(lock.entries)):
        say(f"{name}: removed (no longer in pyproject.toml)")
    for relative in stray_files(config.lib_dir, lock):
        say(f"{LIB_DIR}/{relative}: not recorded in {LOCK_FILE}, left alone")
    if lock.entries or config.lock_path.exists():
        lock.write(config.lock_path)
    return removed


def _fresh(
    config: ProjectConfig,
    lock: Lock,
    deps: Sequence[Dependency],
    resolver: Resolver,
    report: UpdateReport,
    say: Log,
) -> None:
    for dep in deps:
        try:
            files = resolver.fetch(dep)
            change = commit(config.lib_dir, lock, dep, files)
        except PackageError as exc:
            report.failed[dep.name] = str(exc)
            say(f"{dep.name}: FAILED: {exc}")
            continue
        finally:
            lock.write(config.lock_path)
        if not dep.cached:
            report.develop.append(dep.name)
            say(f"{dep.name}: develop (read from its source at install time)")
        elif change.changed:
            report.updated.append(dep.name)
            say(
                f"{dep.name}: updated ({_files(len(change.written) + len(change.removed))} changed)"
            )
        else:
            report.unchanged.append(dep.name)
            say(f"{dep.name}: unchanged")


def _frozen(
    config: ProjectConfig,
    lock: Lock,
    deps: Sequence[Dependency],
    resolver: Resolver,
    report: UpdateReport,
    say: Log,
) -> None:
    stray = sorted(set(lock.entries) - {dep.name for dep in config.dependencies()})
    if stray:
        raise LockMismatchError(
            f"{LOCK_FILE} lists {', '.join(stray)}, which pyproject.toml no longer has:"
            " run belay-gen update (without --frozen)"
        )
    entries = [(dep, locked_entry(lock, dep)) for dep in deps]  # all checked before fetching
    for dep, entry in entries:
        check_locked_entry(
            dep, entry, config.root, resolver.endpoints, resolver.fetcher.allowed_hosts
        )
    fetched: list[tuple[Dependency, dict[str, FetchedFile]]] = []
    for dep, entry in entries:
        files = {}
        for dest, locked in sorted(entry.files.items()):
            got = resolver.refetch(dest, locked.url)
            if got.sha256 != locked.sha256:
                raise LockMismatchError(
                    f"{locked.url} changed since {LOCK_FILE} was written: run belay-gen update"
                    f" {dep.name} to accept the new content"
                )
            files[dest] = got
        fetched.append((dep, files))
    for dep, files in fetched:  # everything matched: now restore .belay-lib
        change = commit(config.lib_dir, lock, dep, files)
        (report.updated if change.changed else report.unchanged).append(dep.name)
        say(f"{dep.name}: {'restored' if change.changed else 'verified'} ({_files(len(files))})")


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"
