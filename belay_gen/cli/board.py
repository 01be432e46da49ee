"""``belay-gen exec``, ``run`` and ``info``: run code on a board, show what it runs.

Board output reaches the terminal with its control sequences made visible
(:mod:`belay_gen.cli.visible`); a board cannot drive the host terminal.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from belay_gen.cli.options import (
    NO_MINIFY_OPTION,
    NO_STARTUP_OPTION,
    PORT_ARGUMENT,
    PORT_HELP,
    TIMEOUT_OPTION,
    password_for,
    password_options,
)
from belay_gen.cli.ports import resolve_port, shift_port
from belay_gen.cli.visible import VisibleDecoder

if TYPE_CHECKING:
    from belay_gen.runtime.device import Device
    from belay_gen.runtime.repl import RawRepl

#: Code sent to a board from a file or stdin: more than this is no program (a board has
#: kilobytes of RAM) and reading on would only fill the host's memory.
MAX_CODE_BYTES = 4 * 1024 * 1024

#: The board-side name that holds the value of ``exec``'s trailing expression.
_VALUE = "__belay_v"


@contextlib.contextmanager
def connect(port: str, password: str | None = None) -> Iterator[RawRepl]:
    """Open ``port``, enter the raw REPL; leave the board at its friendly prompt afterwards."""
    from belay_gen.errors import BelayError
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport import open_transport

    with open_transport(port, password=password_for(port, password)) as transport:
        repl = RawRepl(transport)
        repl.enter()
        try:
            yield repl
        finally:
            with contextlib.suppress(BelayError):
                repl.exit_raw()


@contextlib.contextmanager
def open_device(port: str, password: str | None, *, startup: bool = True) -> Iterator[Device]:
    """A :class:`Device` on ``port`` (``startup``: Belay's imports), left at the friendly
    prompt when the command ends, even after Ctrl-C."""
    from belay_gen.errors import BelayError
    from belay_gen.runtime.device import Device

    startup_code = None if startup else ""
    with Device(port, password=password_for(port, password), startup=startup_code) as device:
        try:
            yield device
        finally:
            with contextlib.suppress(BelayError, OSError):
                device.session.repl.exit_raw()


def run_code(
    port: str, password: str | None, code: str, *, startup: bool, timeout: float | None
) -> None:
    """Run ``code`` at the raw REPL of ``port`` (after Belay's startup imports), its output
    shown as it arrives with control sequences made visible. No soft reset: like mpremote,
    this works on any raw REPL and leaves what earlier commands defined."""
    from belay_gen.runtime.snippets import snippet

    decoder = VisibleDecoder()

    def show(chunk: bytes) -> None:
        sys.stdout.write(decoder.decode(chunk))
        sys.stdout.flush()

    with connect(port, password) as repl:
        if startup:
            repl.exec_or_raise(snippet("startup.py"), timeout=10.0)
        try:
            repl.exec_or_raise(code, timeout=timeout, stdout_callback=show)
        finally:  # a last partial character, shown as U+FFFD
            sys.stdout.write(decoder.decode(b"", final=True))


def print_trailing_value(code: str) -> str:
    """``code`` with a final expression statement's value printed as the REPL does
    (``repr``, nothing for ``None``); line numbers are kept.

    >>> print_trailing_value("x = 2\\nx * 3")
    'x = 2\\n__belay_v=(x * 3)\\nif __belay_v is not None:print(repr(__belay_v))\\n'
    """
    from belay_gen.runtime.codec import wrap_trailing_expression

    wrapped = wrap_trailing_expression(code, f"{_VALUE}={{}}")
    if wrapped is None:
        return code  # no trailing expression, or MicroPython-only syntax: run it as it is
    return wrapped + f"if {_VALUE} is not None:print(repr({_VALUE}))\n"


@click.command("exec", epilog=PORT_HELP)
@PORT_ARGUMENT
@click.argument("code", required=False, metavar="CODE")
@NO_STARTUP_OPTION
@TIMEOUT_OPTION
@password_options
def exec_command(
    port: str | None,
    code: str | None,
    no_startup: bool,
    timeout: float | None,
    password: str | None,
) -> None:
    """Run CODE on the board at PORT, streaming what it prints ("-" reads CODE from stdin).

    As in Belay, the board first runs the startup imports (Pin, sleep, os, ...), and the
    value of a final expression is printed: `exec PORT "1+1"` prints 2. Exits 1 with the
    board's traceback if the code raises.
    """
    port, code = shift_port(port, code, "CODE")
    if code == "-":
        code = _decode(sys.stdin.buffer.read(MAX_CODE_BYTES + 1), "the code on stdin")
    code = print_trailing_value(code)
    run_code(resolve_port(port), password, code, startup=not no_startup, timeout=timeout)


def read_code(path: Path) -> str:
    """The text of a host file to run on a board: a regular file (not a FIFO or a device)
    of at most :data:`MAX_CODE_BYTES`, in UTF-8."""
    from belay_gen.errors import BelayError
    from belay_gen.project import read_capped

    try:
        data = read_capped(path, MAX_CODE_BYTES)
    except ValueError as exc:
        raise BelayError(f"cannot run {path}: {exc}") from None
    return _decode(data, str(path))


def _decode(data: bytes, what: str) -> str:
    from belay_gen.errors import BelayError

    if len(data) > MAX_CODE_BYTES:
        raise BelayError(f"cannot run {what}: larger than {MAX_CODE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BelayError(f"cannot run {what}: it is not UTF-8 text") from None


@click.command("run", epilog=PORT_HELP)
@PORT_ARGUMENT
@click.argument(
    "file", required=False, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path)
)
@NO_STARTUP_OPTION
@NO_MINIFY_OPTION
@TIMEOUT_OPTION
@password_options
def run_command(
    port: str | None,
    file: Path | None,
    no_startup: bool,
    no_minify: bool,
    timeout: float | None,
    password: str | None,
) -> None:
    """Run the host file FILE on the board at PORT without installing it.

    What it prints is shown as it comes; Ctrl-C interrupts the board (exit 130) and leaves
    it usable. Exits 1 with the board's traceback if the code raises.
    """
    from belay_gen.errors import PyboardException

    port, name = shift_port(port, None if file is None else str(file), "FILE")
    path = Path(name)
    code = read_code(path)
    if not no_minify:
        from belay_gen import minify

        code = minify(code)
    try:
        run_code(resolve_port(port), password, code, startup=not no_startup, timeout=timeout)
    except PyboardException as exc:  # the minified code keeps the file's line numbers
        exc.board_traceback = exc.board_traceback.replace('File "<stdin>"', f'File "{path}"')
        raise


@click.command("info", epilog=PORT_HELP)
@PORT_ARGUMENT
@password_options
def info_command(port: str | None, password: str | None) -> None:
    """Show what the board at PORT runs: firmware, version, platform, emitters."""
    from belay_gen.runtime.implementation import probe

    with connect(resolve_port(port), password) as repl:
        impl = probe(repl)
    click.echo(f"name:     {impl.name}")
    click.echo(f"version:  {'.'.join(map(str, impl.version))}")
    click.echo(f"platform: {impl.platform}")
    click.echo(f"emitters: {', '.join(impl.emitters) or 'none'}")
    if impl.mpy_version is not None:
        click.echo(f"mpy:      v{impl.mpy_version} ({impl.arch or 'no native code'})")
