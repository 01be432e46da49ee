"""The one way every ``belay-gen`` command reports failure: one ``error: ...`` line, an exit code.

:class:`ReportingGroup` wraps the invocation of every command of the group, so no command can
skip it. Only the errors belay-gen expects are reported this way (``--debug`` adds their
traceback); anything else is a bug and keeps its traceback. Text that may come from a board
is shown with its control sequences made visible.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from belay_gen.cli.visible import visible
from belay_gen.errors import BelayError, PyboardException

#: The code run on the board raised; its traceback is printed.
EXIT_BOARD_RAISED = 1
#: belay-gen could not do the job (port missing or busy, board silent, bad config, ...).
#: click uses the same code for usage errors.
EXIT_FAILED = 2
#: Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

#: Environment variable that turns on ``--debug``.
DEBUG_ENV = "BELAY_GEN_DEBUG"

EXIT_HELP = """\b
Exit codes: 0 ok; 1 the code raised on the board; 2 usage error or belay-gen
could not reach or drive the board; 130 interrupted.
"""


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    click.echo(f"error: {visible(message)}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def errors_reported(*, debug: bool = False) -> Iterator[None]:
    """Turn the errors belay-gen expects into one stderr line and an exit code; ``debug``
    prints the host traceback first."""
    try:
        yield
    except (BelayError, OSError, KeyboardInterrupt) as exc:
        if debug:
            click.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
        _report(exc)


def _report(exc: BaseException) -> NoReturn:
    if isinstance(exc, PyboardException):
        click.echo(visible(exc.board_traceback.rstrip() or str(exc)), err=True)
        sys.exit(EXIT_BOARD_RAISED)
    if isinstance(exc, OSError) and not isinstance(exc, BelayError):
        # a host file or folder: permissions, disk full, not a folder
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or exc}")
    if isinstance(exc, KeyboardInterrupt):
        fail("interrupted", EXIT_INTERRUPTED)
    fail(str(exc))


class ReportingGroup(click.Group):
    """A click group whose commands all report errors through :func:`errors_reported`;
    the group's ``debug`` parameter (``--debug``) adds host tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        with errors_reported(debug=bool(ctx.params.get("debug"))):
            return super().invoke(ctx)
