"""The CLI reference (``docs/cli.md``), rendered from the click commands themselves.

Regenerate it with ``python -m belay_gen.cli.reference docs/cli.md``; ``tests/cli/
test_reference.py`` fails while the file differs from what this renders.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

#: Rendered at a fixed width, so the file does not depend on the terminal it was made in.
WIDTH = 88
REGENERATE = "python -m belay_gen.cli.reference docs/cli.md"

_INTRO = f"""\
# CLI reference

Every `belay-gen` command's `--help` (`-h` works too), generated from the commands
themselves. Regenerate it with `{REGENERATE}`;
a test fails while this file is out of date.
Run any command with `--debug` (before the command: `belay-gen --debug exec ...`) to see
the host traceback behind an `error:` line.
"""


def _commands(ctx: click.Context) -> Iterator[click.Context]:
    """``ctx`` and the contexts of every command below it, depth first, by name."""
    yield ctx
    command = ctx.command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _commands(click.Context(sub, info_name=name, parent=ctx))


def render_reference() -> str:
    """The whole reference as Markdown: one section per command with its help text."""
    from belay_gen.cli.main import HELP_OPTION_NAMES, main

    root = click.Context(
        main,
        info_name="belay-gen",
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        help_option_names=HELP_OPTION_NAMES,
    )
    parts = [_INTRO]
    for ctx in _commands(root):
        help_text = ctx.command.get_help(ctx).rstrip()
        parts.append(f"## {ctx.command_path}\n\n```text\n{help_text}\n```\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    """Write the reference to the file named in ``argv`` (stdout without one)."""
    args = sys.argv[1:] if argv is None else argv
    text = render_reference()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
