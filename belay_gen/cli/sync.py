"""``belay-gen sync``: mirror a folder onto a board, with a progress bar and a line per change."""

from __future__ import annotations

import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from belay_gen.cli.board import connect
from belay_gen.cli.options import (
    MPY_CROSS_BINARY_OPTION,
    NO_MINIFY_OPTION,
    PORT_ARGUMENT,
    PORT_HELP,
    TIMEOUT_OPTION,
    password_options,
)
from belay_gen.cli.ports import resolve_port, shift_port

if TYPE_CHECKING:
    from belay_gen.runtime.sync.folder import SyncReport

#: A transfer shorter than this shows no bar.
BAR_AFTER_S = 0.5


@click.command("sync", epilog=PORT_HELP)
@PORT_ARGUMENT
@click.argument("folder", required=False, metavar="FOLDER", type=click.Path(path_type=Path))
@click.option("--dst", default="/", show_default=True, help="Board folder to mirror into.")
@click.option(
    "--keep",
    multiple=True,
    help="Board path (relative to --dst) never deleted, in addition to the defaults.",
)
@click.option("--keep-all", is_flag=True, help="Delete nothing on the board.")
@click.option(
    "--keep-none",
    is_flag=True,
    help="Drop the default keep list (boot.py too): keep only what --keep names.",
)
@click.option("--ignore", multiple=True, help="Git-wildmatch pattern of files not to sync.")
@NO_MINIFY_OPTION
@MPY_CROSS_BINARY_OPTION
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@TIMEOUT_OPTION
@password_options
def sync_command(
    port: str | None,
    folder: Path | None,
    dst: str,
    keep: tuple[str, ...],
    keep_all: bool,
    keep_none: bool,
    ignore: tuple[str, ...],
    no_minify: bool,
    mpy_cross_binary: Path | None,
    dry_run: bool,
    timeout: float | None,
    password: str | None,
) -> None:
    """Mirror FOLDER (or one file) onto the board at PORT: send changed files, delete the rest.

    When --dst is /, boot.py, webrepl_cfg.py and lib/ are always kept (--keep adds to them;
    only --keep-none drops them). Every deletion is named. --timeout bounds each program the
    sync runs on the board (the listing, each batch of files) and each wait for an answer;
    without it the listing may take 300 s.
    """
    from belay_gen.errors import BelayError
    from belay_gen.runtime.sync.folder import sync_folder

    port, name = shift_port(port, None if folder is None else str(folder), "FOLDER")
    folder = Path(name)
    if keep_all and keep_none:
        raise click.UsageError("--keep-all and --keep-none contradict each other; pick one")
    if not folder.exists():  # before the port is opened
        raise BelayError(f"cannot sync {folder}: it does not exist")
    keep_arg = _keep_argument(dst, keep, keep_all=keep_all, keep_none=keep_none)
    bar = SyncProgressBar()
    try:
        with connect(resolve_port(port), password) as repl, repl.programs_within(timeout):
            repl.limit = timeout
            report = sync_folder(
                repl,
                folder,
                dst=dst,
                keep=keep_arg,
                ignore=list(ignore) or None,
                minify=not no_minify,
                mpy_cross_binary=mpy_cross_binary,
                progress_update=bar,
                dry_run=dry_run,
            )
    finally:
        bar.close()
    for line in report_lines(report):
        click.echo(line)


def _keep_argument(
    dst: str, keep: tuple[str, ...], *, keep_all: bool, keep_none: bool
) -> bool | list[str] | None:
    """``sync_folder``'s ``keep`` for the CLI's options: a named path adds to the default
    keep list (the library's ``keep=[...]`` replaces it, as Belay's does); the defaults go
    only with ``--keep-none``."""
    from belay_gen.runtime.sync.plan import DEFAULT_KEEP

    if keep_all:
        return True
    if keep_none:
        return list(keep)  # [] deletes every unsynced file
    if keep:
        return [*(DEFAULT_KEEP if dst == "/" else ()), *keep]
    return None


class SyncProgressBar:
    """A ``progress_update`` callback that draws a click progress bar of files on ``file``.

    The bar appears only once an upload has run for :data:`BAR_AFTER_S`; call :meth:`close`
    when the sync ends.
    """

    _STEPS = 1000  # bar steps per file: sync reports fractions of a file as it goes

    def __init__(self, file: TextIO | None = None) -> None:
        self._file = file if file is not None else sys.stderr
        self._total = 0
        self._done = 0.0
        self._drawn = 0
        self._started: float | None = None
        self._bar: AbstractContextManager[Any] | None = None
        self._shown: Any = None

    def __call__(
        self,
        *,
        description: str | None = None,
        total: float | None = None,
        completed: float | None = None,
        advance: float | None = None,
        **_: object,
    ) -> None:
        if total is not None:
            self._total = round(total * self._STEPS)
            self._done = (completed or 0) * self._STEPS
            self._started = time.monotonic()
        if advance:
            self._done += advance * self._STEPS
        if self._shown is None and self._due():
            self._bar = click.progressbar(length=self._total, label="uploading", file=self._file)
            self._shown = self._bar.__enter__()
        if self._shown is not None:
            step = min(self._total, round(self._done)) - self._drawn
            if step > 0:
                self._shown.update(step)
                self._drawn += step

    def _due(self) -> bool:
        return (
            self._started is not None
            and 0 < self._done < self._total
            and time.monotonic() - self._started >= BAR_AFTER_S
        )

    def close(self) -> None:
        """Finish the bar, if one was drawn."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = self._shown = None


def report_lines(report: SyncReport) -> list[str]:
    """One line per change, then a summary, e.g. ``uploaded /main.py`` ... ``2 uploaded``."""
    if report.dry_run:
        delete, create, upload = "would delete", "would create", "would upload"
    else:
        delete, create, upload = "deleted", "created", "uploaded"
    lines = [f"{delete} {path}" for path in report.deleted]
    lines += [f"{create} {path}/" for path in report.created]
    lines += [f"{upload} {path}" for path in report.uploaded]
    if not report.changed:
        lines.append(
            f"{report.dst} is up to date ({plural(len(report.unchanged), 'file')} unchanged)"
        )
        return lines
    sent = plural(report.bytes_sent, "byte")
    if report.dry_run:
        lines.append(
            f"dry run: would upload {plural(len(report.uploaded), 'file')} ({sent}) and delete"
            f" {len(report.deleted)}; {len(report.unchanged)} unchanged"
        )
    else:
        lines.append(
            f"{len(report.uploaded)} uploaded ({sent}), {len(report.deleted)} deleted,"
            f" {len(report.unchanged)} unchanged"
        )
    return lines


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``, ``1,024 bytes``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
