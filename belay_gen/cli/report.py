"""The one way every ``belay-gen`` command reports failure: one ``error: ...`` line, an exit code.

:class:`ReportingGroup` wraps the invocation of every command of the group, so no command can
skip it. Only the errors belay-gen expects are reported this way; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from belay_gen.errors import BelayError, PyboardException

#: The code run on the board raised; its traceback is printed.
EXIT_BOARD_RAISED = 1
#: belay-gen could not do the job (port missing or busy, board silent, bad config, ...).
#: click uses the same code for usage errors.
EXIT_FAILED = 2
#: Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

EXIT_HELP = """\b
Exit codes: 0 ok; 1 the code raised on the board; 2 usage error or belay-gen
could not reach or drive the board; 130 interrupted.
"""


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def errors_reported() -> Iterator[None]:
    """Turn the errors belay-gen expects into one stderr line and an exit code."""
    try:
        yield
    except PyboardException as exc:
        click.echo(exc.board_traceback.rstrip() or str(exc), err=True)
        sys.exit(EXIT_BOARD_RAISED)
    except BelayError as exc:
        fail(str(exc))
    except OSError as exc:  # a host file or folder: permissions, disk full, not a folder
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or exc}")
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)


class ReportingGroup(click.Group):
    """A click group whose commands all report errors through :func:`errors_reported`."""

    def invoke(self, ctx: click.Context) -> Any:
        with errors_reported():
            return super().invoke(ctx)
