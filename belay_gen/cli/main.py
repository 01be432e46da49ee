"""The ``belay-gen`` command group: registers the commands of the modules beside this one.

Each command module parses, calls the library, prints; :class:`ReportingGroup` turns the
errors belay-gen expects into one ``error: ...`` line and an exit code for every command.
The command modules import the library inside the commands, so ``belay-gen --help`` starts fast.
"""

from __future__ import annotations

import click

from belay_gen._version import __version__
from belay_gen.cli.board import exec_command, info_command
from belay_gen.cli.build import build_command
from belay_gen.cli.emulate import emulate_command
from belay_gen.cli.options import PORT_HELP
from belay_gen.cli.packages import clean_command, install_command, new_command, update_command
from belay_gen.cli.report import EXIT_HELP, ReportingGroup
from belay_gen.cli.sync import sync_command


@click.group(
    cls=ReportingGroup,
    help="Drive MicroPython and CircuitPython boards from desktop Python.",
    epilog=PORT_HELP + "\n" + EXIT_HELP,
)
@click.version_option(__version__, prog_name="belay-gen")
def main() -> None:
    """The ``belay-gen`` command group."""


for command in (
    exec_command,
    info_command,
    sync_command,
    emulate_command,
    build_command,
    update_command,
    clean_command,
    install_command,
    new_command,
):
    main.add_command(command)
