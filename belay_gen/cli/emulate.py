"""``belay-gen emulate``: serve a virtual board in the foreground and print its port."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("emulate")
@click.argument(
    "folder", required=False, type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
)
@click.option("--baud", type=click.IntRange(min=1), default=None, help="Throttle to a UART rate.")
@click.option("--trace", is_flag=True, help="Print pin and peripheral events as they happen.")
def emulate_command(folder: Path | None, baud: int | None, trace: bool) -> None:
    """Serve a virtual MicroPython board until Ctrl-C and print its port (a /dev/pts/N).

    FOLDER is the board's filesystem (kept after exit); without it a temporary folder is
    used. Any client can open the printed port: belay-gen, mpremote, Belay, a terminal.
    """
    from belay_gen.emulator.serve import serve

    if folder is not None and folder.exists() and not folder.is_dir():
        raise click.BadParameter(
            f"{folder} is a file; give a folder for the board's filesystem", param_hint="FOLDER"
        )

    def announce(path: str) -> None:
        click.echo(path)
        click.echo(f"virtual board ready at {path}; Ctrl-C stops it", err=True)

    def show(line: str) -> None:
        click.echo(f"trace: {line}", err=True)

    serve(folder, baud=baud, trace=show if trace else None, announce=announce)
