"""``belay-gen exec`` and ``info``: talk to a board over its raw REPL."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from belay_gen.cli.options import PASSWORD_OPTION, PORT_HELP, TIMEOUT_OPTION

if TYPE_CHECKING:
    from belay_gen.runtime.repl import RawRepl


@contextlib.contextmanager
def connect(port: str, password: str | None = None) -> Iterator[RawRepl]:
    """Open ``port``, enter the raw REPL; leave the board at its friendly prompt afterwards."""
    from belay_gen.errors import BelayError
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport import open_transport

    with open_transport(port, password=password) as transport:
        repl = RawRepl(transport)
        repl.enter()
        try:
            yield repl
        finally:
            with contextlib.suppress(BelayError):
                repl.exit_raw()


@click.command("exec", epilog=PORT_HELP)
@click.argument("port")
@click.argument("code")
@TIMEOUT_OPTION
@PASSWORD_OPTION
def exec_command(port: str, code: str, timeout: float | None, password: str | None) -> None:
    """Run CODE on the board at PORT, streaming what it prints ("-" reads CODE from stdin).

    Exits 1 with the board's traceback if the code raises.
    """
    if code == "-":
        code = sys.stdin.read()
    out = sys.stdout.buffer

    def show(chunk: bytes) -> None:
        out.write(chunk)
        out.flush()

    with connect(port, password) as repl:
        repl.exec_or_raise(code, timeout=timeout, stdout_callback=show)


@click.command("info", epilog=PORT_HELP)
@click.argument("port")
@PASSWORD_OPTION
def info_command(port: str, password: str | None) -> None:
    """Show what the board at PORT runs: firmware, version, platform, emitters."""
    from belay_gen.runtime.implementation import probe

    with connect(port, password) as repl:
        impl = probe(repl)
    click.echo(f"name:     {impl.name}")
    click.echo(f"version:  {'.'.join(map(str, impl.version))}")
    click.echo(f"platform: {impl.platform}")
    click.echo(f"emitters: {', '.join(impl.emitters) or 'none'}")
    if impl.mpy_version is not None:
        click.echo(f"mpy:      v{impl.mpy_version} ({impl.arch or 'no native code'})")
