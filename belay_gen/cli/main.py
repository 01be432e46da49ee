"""The ``belay-gen`` command group: registers the commands of the modules beside this one.

Each command module parses, calls the library, prints; :class:`ReportingGroup` turns the
errors belay-gen expects into one ``error: ...`` line and an exit code for every command.
The command modules import the library inside the commands, so ``belay-gen --help`` starts fast.
"""

from __future__ import annotations

import click

from belay_gen._version import __version__
from belay_gen.cli.board import exec_command, info_command, run_command
from belay_gen.cli.build import build_command
from belay_gen.cli.cache import cache_command
from belay_gen.cli.dependencies import add_command, remove_command
from belay_gen.cli.emulate import emulate_command
from belay_gen.cli.latency import latency_command
from belay_gen.cli.options import PORT_HELP
from belay_gen.cli.packages import (
    clean_command,
    init_command,
    install_command,
    new_command,
    update_command,
)
from belay_gen.cli.report import DEBUG_ENV, EXIT_HELP, ReportingGroup
from belay_gen.cli.select import select_command
from belay_gen.cli.sync import sync_command
from belay_gen.cli.terminal import terminal_command

#: ``-h`` everywhere, and help text as wide as the terminal allows (up to 100 columns), so
#: descriptions in the command list are not cut short on a wide terminal.
HELP_OPTION_NAMES = ["-h", "--help"]
CONTEXT_SETTINGS = {"help_option_names": HELP_OPTION_NAMES, "max_content_width": 100}


class BelayGroup(ReportingGroup):
    """The top-level group: its command list shows each command's whole first sentence,
    wrapped, where click would cut it at the terminal's width with "..."."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = command.short_help or first_sentence(command.help or "")
            rows.append((name, text))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def first_sentence(text: str) -> str:
    """The first sentence of ``text``'s first paragraph, on one line."""
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[: end + 1]


@click.group(
    cls=BelayGroup,
    context_settings=CONTEXT_SETTINGS,
    help="Drive MicroPython and CircuitPython boards from desktop Python.",
    epilog=PORT_HELP + "\n" + EXIT_HELP,
)
@click.version_option(__version__, "-v", "--version", prog_name="belay-gen")
@click.option(
    "--debug",
    is_flag=True,
    envvar=DEBUG_ENV,
    help=f"Show the host traceback of an error, not only its one line (or set {DEBUG_ENV}=1).",
)
def main(debug: bool) -> None:
    """The ``belay-gen`` command group."""


for command in (
    exec_command,
    run_command,
    terminal_command,
    info_command,
    latency_command,
    select_command,
    sync_command,
    emulate_command,
    build_command,
    update_command,
    clean_command,
    add_command,
    remove_command,
    install_command,
    new_command,
    init_command,
    cache_command,
):
    main.add_command(command)
