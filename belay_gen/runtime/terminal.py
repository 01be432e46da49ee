"""``device.terminal()``: the board's friendly REPL in the host terminal, until Ctrl-]."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import BinaryIO

from belay_gen.errors import ConnectionLost
from belay_gen.runtime.transport.base import Transport


@contextlib.contextmanager
def raw_keys(fd: int) -> Iterator[None]:
    """The terminal at ``fd`` in raw mode (keys unechoed, one by one), restored on the way
    out; not a terminal (a pipe) or no termios (Windows): left as it is."""
    try:
        import termios
        import tty

        saved = termios.tcgetattr(fd)
    except Exception:  # not a terminal (a pipe), or no termios (Windows)
        yield
        return
    try:
        tty.setraw(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def run_terminal(
    transport: Transport,
    exit_char: str = chr(0x1D),
    *,
    keys: int | None = None,
    output: BinaryIO | None = None,
) -> None:
    """Copy the board's output to ``output`` (stdout) and the bytes read from the file
    descriptor ``keys`` (stdin) to the board, until ``exit_char`` or the end of input."""
    fd = sys.stdin.fileno() if keys is None else keys
    out = sys.stdout.buffer if output is None else output
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            try:
                data = transport.read(0.1)
            except ConnectionLost:
                stop.set()
                return
            if data:
                out.write(data)
                out.flush()

    reader = threading.Thread(target=pump, daemon=True, name="belay-gen terminal")
    reader.start()
    stop_byte = exit_char.encode()
    try:
        with raw_keys(fd):
            while not stop.is_set():
                typed = os.read(fd, 64)
                if not typed:
                    break
                typed, found, _ = typed.partition(stop_byte)
                if typed:
                    transport.write(typed.replace(b"\n", b"\r"))
                if found:
                    break
    finally:
        stop.set()
        reader.join(1.0)
    with contextlib.suppress(ConnectionLost):  # the board's answer to the last keys
        out.write(transport.drain(0.05))
        out.flush()
