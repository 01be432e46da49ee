"""Options shared by several commands: one definition per option name, so a name means one
thing everywhere (``--mpy-cross-binary PATH`` sends .mpy; build's ``--mpy-cross`` is a flag)."""

from __future__ import annotations

from pathlib import Path

import click

from belay_gen.runtime.transport import PASSWORD_ENV, VIRTUAL_PREFIX

PORT_HELP = f"""\b
PORT is where the board is:
  /dev/ttyACM0, /dev/ttyUSB0, COM3   a USB serial port
  /dev/pts/N                         a pseudo-terminal (e.g. from `belay-gen emulate`)
  {VIRTUAL_PREFIX}[DIR][?baud=N]             start a virtual board (files in DIR) for this command
  ws://HOST:8266                     WebREPL (--password or {PASSWORD_ENV})
"""

#: The WebREPL password of ws:// ports. A bare ``--password`` asks for it without echo, which
#: (like the environment variable) keeps it out of the process list.
PASSWORD_OPTION = click.option(
    "--password",
    envvar=PASSWORD_ENV,
    default=None,
    prompt="WebREPL password",
    prompt_required=False,
    hide_input=True,
    help=f"WebREPL password for ws:// ports; bare --password asks (or set {PASSWORD_ENV}).",
)

TIMEOUT_OPTION = click.option(
    "--timeout",
    type=float,
    default=None,
    metavar="SECONDS",
    help="Interrupt the code after SECONDS.",
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

PROJECT_OPTION = click.option(
    "--project",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (default: the one holding pyproject.toml, from here up).",
)
