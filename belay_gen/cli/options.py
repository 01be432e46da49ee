"""Options shared by several commands: one definition per option name, so a name means one
thing everywhere (``--mpy-cross-binary PATH`` sends .mpy; build's ``--mpy-cross`` is a flag)."""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from belay_gen.project import read_capped
from belay_gen.runtime.transport import PASSWORD_ENV, VIRTUAL_PREFIX

F = TypeVar("F", bound=Callable[..., Any])

PORT_HELP = f"""\b
PORT is where the board is:
  /dev/ttyACM0, /dev/ttyUSB0, COM3   a USB serial port
  /dev/pts/N                         a pseudo-terminal (e.g. from `belay-gen emulate`)
  {VIRTUAL_PREFIX}[DIR][?OPTIONS]            a virtual board (files in DIR) for this command;
                                     OPTIONS: profile=esp32|esp8266|rp2040|circuitpython,
                                     heap=64K, baud=115200, rxbuf=260, seed=N (joined by &)
  ws://HOST:8266                     WebREPL ({PASSWORD_ENV}, --password-file, or asked)
  rfc2217://HOST:PORT                a serial port over RFC 2217 (ser2net, labgrid,
                                     `belay-gen emulate --listen`)
  socket://HOST:PORT                 a serial port as raw TCP (ser2net raw, Wokwi)
Without PORT: BELAY_GEN_PORT, then the port saved by `belay-gen select`, then the
one board found on USB.
"""

#: PORT, which may be left out (see :mod:`belay_gen.cli.ports` for what is used then).
PORT_ARGUMENT = click.argument("port", required=False, metavar="[PORT]")

#: The largest password file read (a password is a line, not a file's worth).
MAX_PASSWORD_FILE = 4096


def _warn_visible_password(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None and ctx.get_parameter_source("password") == ParameterSource.COMMANDLINE:
        click.echo(
            "warning: a password given as --password VALUE can be read by other users of this"
            f" machine (ps); use --password-file FILE, {PASSWORD_ENV}, or a bare --password"
            " (it asks)",
            err=True,
        )
    return value


#: The WebREPL password of ws:// ports. A bare ``--password`` asks for it without echo, which
#: (like the environment variable) keeps it out of the process list.
PASSWORD_OPTION = click.option(
    "--password",
    envvar=PASSWORD_ENV,
    default=None,
    prompt="WebREPL password",
    prompt_required=False,
    hide_input=True,
    callback=_warn_visible_password,
    help=f"WebREPL password for ws:// ports; bare --password asks (or set {PASSWORD_ENV}).",
)

PASSWORD_FILE_OPTION = click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Read the WebREPL password from the first line of FILE.",
)


def read_password_file(path: Path) -> str:
    """The first line of ``path`` (read with a size cap), without its line ending."""
    try:
        data = read_capped(path, MAX_PASSWORD_FILE)
    except ValueError as exc:
        raise click.BadParameter(
            f"{path}: {exc}; it should be a file holding one line",
            param_hint="'--password-file'",
        ) from None
    except OSError as exc:
        raise click.BadParameter(
            f"{path}: {exc.strerror or exc}", param_hint="'--password-file'"
        ) from None
    line = data.decode("utf-8", "replace").splitlines()[0] if data.strip() else ""
    if not line:
        raise click.BadParameter(f"{path} is empty", param_hint="'--password-file'")
    return line


def password_options(command: F) -> F:
    """Add ``--password`` and ``--password-file`` to ``command``, which gets one ``password``
    (the file's, when given)."""

    @functools.wraps(command)
    def merged(*args: Any, password_file: Path | None = None, **kwargs: Any) -> Any:
        if password_file is not None:
            kwargs["password"] = read_password_file(password_file)
        return command(*args, **kwargs)

    return PASSWORD_OPTION(PASSWORD_FILE_OPTION(merged))  # type: ignore[return-value]


def password_for(port: str, password: str | None) -> str | None:
    """``password``, or for a ws:// port without one, asked at the terminal (when there is
    one and ``BELAY_GEN_PASSWORD`` is unset)."""
    needs = port.startswith(("ws://", "wss://"))
    if password is not None or not needs or os.environ.get(PASSWORD_ENV) is not None:
        return password
    if not sys.stdin.isatty():
        return None  # the transport's error says how to give one
    value: str = click.prompt(f"WebREPL password for {port}", hide_input=True)
    return value


class FiniteFloat(click.FloatRange):
    """A :class:`click.FloatRange` that also refuses ``nan``, ``inf`` (which it lets by) and
    numbers above ``limit`` (a sleep that long overflows)."""

    def __init__(self, *, limit: float, **bounds: Any) -> None:
        super().__init__(**bounds)
        self.limit = limit

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not (math.isfinite(number) and number <= self.limit):
            self.fail(f"{value!r} is not a finite number up to {self.limit:g}", param, ctx)
        return number


TIMEOUT_OPTION = click.option(
    "--timeout",
    type=FiniteFloat(min=0, min_open=True, limit=30 * 86400),
    default=None,
    metavar="SECONDS",
    help="Interrupt a program on the board that runs longer than SECONDS.",
)

#: The keyword of Belay's ``sync(mpy_cross_binary=...)``.
MPY_CROSS_BINARY_OPTION = click.option(
    "--mpy-cross-binary",
    type=click.Path(path_type=Path),
    default=None,
    metavar="PATH",
    help="Compile .py to .mpy with this mpy-cross binary.",
)

NO_MINIFY_OPTION = click.option("--no-minify", is_flag=True, help="Send .py files as they are.")

#: Skip Belay's startup imports when connecting.
NO_STARTUP_OPTION = click.option(
    "--no-startup", is_flag=True, help="Skip Belay's startup imports (machine, os, time, ...)."
)

PROJECT_OPTION = click.option(
    "--project",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (default: the one holding pyproject.toml, from here up).",
)
