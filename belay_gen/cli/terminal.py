"""``belay-gen terminal``: the board's friendly REPL in the host terminal, until Ctrl-].

The keys go to the board as typed (Ctrl-C interrupts the board, Ctrl-D soft-resets it at
the prompt); the board's output is passed through as it comes, since the friendly REPL's line
editing needs its control sequences. The host terminal's settings are restored on every way
out: Ctrl-], the end of input, an error, and SIGTERM or SIGHUP (turned into an exit so the
restoring ``finally`` runs).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType

import click

from belay_gen.cli.options import PORT_ARGUMENT, PORT_HELP, password_for, password_options
from belay_gen.cli.ports import resolve_port

#: The key that leaves the terminal: Ctrl-], as in Belay's Miniterm and mpremote.
EXIT_CHAR = chr(0x1D)
#: Signals that end the terminal through Python (so the terminal settings get restored).
_ENDING_SIGNALS = (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_exit() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`SystemExit` while the terminal runs."""
    saved = {number: signal.signal(number, _exit_on_signal) for number in _ENDING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


@click.command("terminal", epilog=PORT_HELP)
@PORT_ARGUMENT
@password_options
def terminal_command(port: str | None, password: str | None) -> None:
    """Open the board's friendly REPL at PORT in this terminal; Ctrl-] leaves.

    Keys reach the board as typed: Ctrl-C interrupts the board's code, Ctrl-D soft-resets
    it at the >>> prompt. The board is asked for its prompt (Ctrl-B, which also leaves a raw
    REPL that another tool left behind). This terminal's settings are restored however the
    command ends.
    """
    from belay_gen.runtime.terminal import raw_keys, run_terminal
    from belay_gen.runtime.transport import open_transport

    port = resolve_port(port)
    with open_transport(port, password=password_for(port, password)) as transport:
        click.echo(f"connected to {port}; Ctrl-] leaves", err=True)
        # Raw before the board is asked for its prompt, so no key typed at once is echoed
        # here or held for a whole line.
        with _signals_exit(), raw_keys(sys.stdin.fileno()):
            transport.write(b"\x02")  # the friendly prompt (and its banner)
            run_terminal(transport, EXIT_CHAR)
    click.echo("", err=True)  # the board's prompt line is left open
