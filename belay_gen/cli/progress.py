"""Presentation for ``belay-gen sync``: a progress bar and the lines that say what changed."""

from __future__ import annotations

import sys
import time
from contextlib import AbstractContextManager
from typing import Any, TextIO

import click

from belay_gen.runtime.sync.folder import SyncReport

#: A transfer shorter than this shows no bar.
BAR_AFTER_S = 0.5


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
        count = len(report.unchanged)
        lines.append(f"{report.dst} is up to date ({count} file{'s' * (count != 1)} unchanged)")
        return lines
    summary = [
        f"{len(report.uploaded)} uploaded ({report.bytes_sent:,} bytes)",
        f"{len(report.deleted)} deleted",
        f"{len(report.unchanged)} unchanged",
    ]
    lines.append(("dry run: " if report.dry_run else "") + ", ".join(summary))
    return lines
