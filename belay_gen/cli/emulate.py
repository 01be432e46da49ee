"""``belay-gen emulate``: serve a virtual board in the foreground and print its port."""

from __future__ import annotations

from pathlib import Path

import click

from belay_gen.cli.emulate_network import WEBREPL_PASSWORD_ENV, NetworkOptions
from belay_gen.cli.options import FiniteFloat
from belay_gen.emulator.faults import DEFAULT_KINDS, FAULT_KINDS
from belay_gen.emulator.profiles import PROFILES


def _size(value: str | None) -> int | None:
    from belay_gen.emulator.profiles import parse_size

    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--heap") from None


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(kind.strip() for kind in text.split(",") if kind.strip())
    unknown = [kind for kind in kinds if kind not in FAULT_KINDS]
    if unknown or not kinds:
        what = f"unknown fault kind {unknown[0]!r}" if unknown else "no fault kind given"
        raise click.BadParameter(
            f"{what}: fault kinds must be among {', '.join(FAULT_KINDS)}", param_hint="--faults"
        )
    return kinds


@click.command("emulate")
@click.argument(
    "folder", required=False, type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
)
@click.option(
    "--profile",
    type=click.Choice(sorted(PROFILES)),
    default=None,
    help="Model a real board: its heap, UART rate, input ring and firmware.",
)
@click.option("--heap", default=None, help="Heap free to Python after boot, e.g. 64K.")
@click.option("--baud", type=click.IntRange(min=1), default=None, help="Throttle to a UART rate.")
@click.option(
    "--rxbuf",
    type=click.IntRange(min=1),
    default=None,
    help="Input ring size in bytes; input that does not fit is dropped.",
)
@click.option("--trace", is_flag=True, help="Print pin and peripheral events as they happen.")
@click.option(
    "--listen",
    "listen",
    default=None,
    metavar="[HOST:]PORT",
    help="Also serve the board over TCP: rfc2217://HOST:PORT and socket://HOST:PORT"
    " (one client at a time; HOST defaults to 127.0.0.1, PORT 0 picks a free one).",
)
@click.option(
    "--webrepl",
    "webrepl",
    default=None,
    metavar="[HOST:]PORT",
    help=f"Also serve MicroPython's WebREPL at ws://HOST:PORT; the password comes from"
    f" {WEBREPL_PASSWORD_ENV} or is asked.",
)
@click.option(
    "--faults-every",
    type=FiniteFloat(min=0.01, limit=86400),
    default=None,
    help="Inject a random fault about every N seconds.",
)
@click.option(
    "--faults",
    "fault_kinds",
    default=",".join(DEFAULT_KINDS),
    show_default=True,
    help=f"Fault kinds for --faults-every, comma-separated, among {','.join(FAULT_KINDS)}.",
)
@click.option(
    "--stall",
    "stall_s",
    type=FiniteFloat(min=0, min_open=True, limit=3600),
    default=2.0,
    show_default=True,
    help="How long a 'stall', 'slow' or 'drop' fault lasts, in seconds.",
)
@click.option(
    "--slow-cpu",
    type=FiniteFloat(min=1, limit=1000),
    default=None,
    metavar="FACTOR",
    help="Run the board FACTOR times slower throughout (a slow CPU).",
)
@click.option("--seed", type=int, default=None, help="Seed for faults (same seed, same faults).")
def emulate_command(
    folder: Path | None,
    profile: str | None,
    heap: str | None,
    baud: int | None,
    rxbuf: int | None,
    trace: bool,
    listen: str | None,
    webrepl: str | None,
    faults_every: float | None,
    fault_kinds: str,
    stall_s: float,
    slow_cpu: float | None,
    seed: int | None,
) -> None:
    """Serve a virtual MicroPython board until Ctrl-C and print its port (a /dev/pts/N).

    FOLDER is the board's filesystem (kept after exit); without it a temporary folder is
    used. Any client can open the printed port: belay-gen, mpremote, Belay, a terminal.
    With --listen or --webrepl the board is also served on the network, and the URLs to
    open are printed after the port. A development tool, not a sandbox: board code runs as
    you, and so does code from anyone who reaches a --listen address (or knows the
    --webrepl password).
    """
    from belay_gen.emulator.faults import FaultSchedule
    from belay_gen.emulator.profiles import get_profile
    from belay_gen.emulator.serve import serve

    if folder is not None and folder.exists() and not folder.is_dir():
        raise click.BadParameter(
            f"{folder} is a file; give a folder for the board's filesystem", param_hint="FOLDER"
        )
    try:
        board = get_profile(profile, heap=_size(heap), baud=baud, rxbuf=rxbuf)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--heap") from None
    schedule = None
    kinds = _kinds(fault_kinds)  # checked even without --faults-every: a typo is told at once
    if faults_every is not None:
        try:
            schedule = FaultSchedule(faults_every, kinds, seed=seed, stall_s=stall_s)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--faults") from None

    network = NetworkOptions(listen, webrepl, board)
    network.check()

    def announce(path: str) -> None:
        click.echo(path)
        for url in network.urls:
            click.echo(url)
        where = ", ".join([path, *network.urls])
        click.echo(f"virtual board ready at {where}; Ctrl-C stops it", err=True)

    def show(line: str) -> None:
        click.echo(f"trace: {line}", err=True)

    try:
        serve(
            folder,
            profile=board,
            trace=show if trace else None,
            announce=announce,
            seed=seed,
            schedule=schedule,
            attach=network.attach if network.wanted else None,
            slow_cpu=slow_cpu,
        )
    finally:
        network.release()
