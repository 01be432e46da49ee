"""Mirror a local folder onto the board: the engine behind ``Device.sync`` and ``belay-gen sync``.

One exec lists and hashes every file under ``dst`` on the board; the host compares that with
the local files (minified or compiled first), and, when something differs, one more exec
streams all uploads and deletions as binary batches (see :mod:`belay_gen.runtime.sync.wire`).
An unchanged project costs a single round trip.

Example::

    repl = RawRepl(open_transport("/dev/ttyACM0"))
    repl.enter()
    report = sync_folder(repl, Path("board"), dst="/")
    print(report.uploaded, report.deleted)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from belay_gen.errors import SyncInputError
from belay_gen.runtime.implementation import probe
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.snippets import define_once, snippet
from belay_gen.runtime.sync.hashes import HEX_DIGITS
from belay_gen.runtime.sync.listing import LineProgress
from belay_gen.runtime.sync.local import BoardMpyCross, Preparer, TransformCache, local_tree
from belay_gen.runtime.sync.operations import DEFAULT_BATCH, Batch, Content, content_bytes
from belay_gen.runtime.sync.plan import (
    Plan,
    RemoteTree,
    board_path,
    make_plan,
    normalize_dst,
    parse_listing,
    resolve_keep,
)
from belay_gen.runtime.sync.wire import send_operations

__all__ = [
    "SyncReport",
    "fetch_remote",
    "sync_folder",
]

#: Called like ``rich.progress.Progress.update(task_id, ...)`` (as in Belay) with keyword
#: arguments ``description``, ``total`` (files to upload), ``completed`` and ``advance``
#: (files; fractions while a large file is on its way).
ProgressUpdate = Callable[..., object]

_LIST_TIMEOUT = 300.0  # hashing every file of a large filesystem on a slow board
#: The longest sync's listing may go without completing a line (see sync_hashes.py).
LISTING_STALL = 5.0


@dataclass(frozen=True)
class SyncReport:
    """What a sync changed (or, with ``dry_run``, would change), as absolute board paths.

    ``deleted`` lists removed files, then removed folders (ending in ``/``); ``bytes_sent``
    counts file contents uploaded, ``wire_bytes`` the binary stream including its framing.
    """

    dst: str
    uploaded: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    created: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    bytes_sent: int = 0
    wire_bytes: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """True when the sync changed (or would change) something on the board."""
        return bool(self.uploaded or self.deleted or self.created)


def sync_folder(
    repl: RawRepl,
    folder: str | Path,
    dst: str = "/",
    keep: bool | str | Sequence[str] | None = None,
    ignore: str | Sequence[str] | None = None,
    minify: bool = True,
    mpy_cross_binary: str | Path | None = None,
    progress_update: ProgressUpdate | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    cache: TransformCache | None = None,
) -> SyncReport:
    """Make the board's ``dst`` folder mirror ``folder`` (a folder, or a single file).

    Only files whose hash differs are sent; board files under ``dst`` that are not in
    ``folder`` are deleted unless kept (``keep``: ``None`` keeps ``boot.py``,
    ``webrepl_cfg.py`` and ``lib`` when ``dst`` is ``/``; ``True`` deletes nothing; ``False``
    or ``[]`` deletes every unsynced file). ``ignore`` takes git-wildmatch patterns. ``.py``
    files are minified, or compiled with ``mpy_cross_binary`` for the board's ``.mpy``
    version. ``dry_run`` only reports. Every file is written to a temp name and renamed, so
    an interrupted sync leaves no half-written file and a re-run completes it.

    Raises :class:`SyncInputError` for bad arguments, ``CompileError`` (``file:line:col``)
    for a ``.py`` file that does not parse, :class:`SyncTransferError` when the board cannot
    write, ``DeviceTimeoutError`` when it stops answering.
    """
    folder = Path(folder)
    dst = normalize_dst(dst)
    tree = local_tree(folder, ignore)
    keep_all, kept = resolve_keep(keep, dst, tree.single_file)
    if not 64 <= batch_size <= 0xFFFF:
        raise SyncInputError(f"batch_size must be 64..65535 bytes, not {batch_size}")
    mpy = None
    if mpy_cross_binary is not None:
        impl = probe(repl)
        mpy = BoardMpyCross.check(mpy_cross_binary, mpy_version=impl.mpy_version, arch=impl.arch)
    # Minifying runs in a worker thread while the board lists its files (and compiling while
    # earlier files are on the wire); a file that does not parse stops the sync before the
    # board changes.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="belay-gen-sync")
    try:
        preparer = Preparer(
            minify=minify, mpy_cross=mpy, cache=cache or TransformCache(), executor=pool
        )
        files: dict[str, Content] = {}
        targets = [(rel, board_path(dst, rel)[1:]) for rel in tree.files]
        for prepared in preparer.prepare_all(tree.base, targets):
            if prepared.name in files:
                raise SyncInputError(
                    f"{folder} has both {prepared.name} and a .py that compiles to it; remove one"
                )
            files[prepared.name] = prepared.content
        _progress(progress_update, description="Fetching remote hashes...")
        remote = fetch_remote(repl, dst)
        if not dry_run and any(name not in remote.files for name in files):
            # Something will be sent: define the receiver while the last files are minified.
            define_once(repl, "sync_receiver.py")
        preparer.wait_checked()  # every file parses: only now may the board change
        plan = make_plan(dst, remote, files, set(tree.dirs), keep_all=keep_all, keep=kept)
        report = _apply(repl, plan, dst, progress_update, dry_run=dry_run, batch_size=batch_size)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)  # the cache writes, which overlapped the transfer
    return report


def _apply(
    repl: RawRepl,
    plan: Plan,
    dst: str,
    progress_update: ProgressUpdate | None,
    *,
    dry_run: bool,
    batch_size: int,
) -> SyncReport:
    report = SyncReport(
        dst=dst,
        uploaded=tuple(path for path, _ in plan.uploads),
        deleted=plan.removes + tuple(path + "/" for path in plan.rmdirs),
        created=plan.mkdirs,
        unchanged=plan.unchanged,
        dry_run=dry_run,
    )
    if dry_run or plan.empty:
        _progress(progress_update, description="Up to date" if plan.empty else "Dry run")
        return replace(report, bytes_sent=sum(len(content_bytes(c)) for _, c in plan.uploads))
    _progress(progress_update, description="Pushing...", total=len(plan.uploads), completed=0)

    def on_batch(batch: Batch) -> None:
        where = batch.paths[-1] if batch.paths else "..."
        _progress(progress_update, description=f"Pushing: {where}", advance=batch.progress)

    wire = send_operations(repl, plan.operations(), batch_size=batch_size, on_batch=on_batch)
    _progress(progress_update, description="Synced")
    sent = sum(len(content_bytes(content)) for _, content in plan.uploads)
    return replace(report, bytes_sent=sent, wire_bytes=wire)


def fetch_remote(repl: RawRepl, dst: str) -> RemoteTree:
    """List and hash every file under ``dst`` on the board, in one exec."""
    call = f"__belay_sync_hashes({dst!r},{HEX_DIGITS})\n"
    code = call if "sync_hashes.py" in repl.defined else snippet("sync_hashes.py") + call
    # The listing completes a line (a blank one while it hashes a large file) every second
    # or so: a board silent, or trickling bytes, for LISTING_STALL s has stopped answering.
    listing = LineProgress(LISTING_STALL, repl.transport.description)
    saved, repl.silence = repl.silence, LISTING_STALL
    try:
        repl.exec_or_raise(code, timeout=_LIST_TIMEOUT, stdout_callback=listing.feed)
    finally:
        repl.silence = saved
    repl.defined.add("sync_hashes.py")  # defined and run in one exec: one round trip
    return parse_listing(listing.text())


def _progress(callback: ProgressUpdate | None, **fields: object) -> None:
    if callback is not None:
        callback(**fields)
