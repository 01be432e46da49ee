"""``belay-gen latency``: how long one call of an empty task takes, there and back."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence

import click

from belay_gen.cli.board import open_device
from belay_gen.cli.options import PORT_ARGUMENT, PORT_HELP, password_options
from belay_gen.cli.ports import resolve_port

#: The board function timed: a task that does nothing and returns nothing.
_EMPTY_TASK = "__belay_latency"


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """min / median / p99 / max of ``seconds``, in milliseconds (p99: nearest rank)."""
    ordered = sorted(seconds)
    rank = max(1, math.ceil(0.99 * len(ordered)))
    values = {
        "min": ordered[0],
        "median": statistics.median(ordered),
        "p99": ordered[rank - 1],
        "max": ordered[-1],
    }
    return {name: value * 1000 for name, value in values.items()}


@click.command("latency", epilog=PORT_HELP)
@PORT_ARGUMENT
@click.option(
    "-n",
    "--count",
    type=click.IntRange(min=1, max=1_000_000),
    default=100,
    show_default=True,
    help="How many calls to time.",
)
@password_options
def latency_command(port: str | None, count: int, password: str | None) -> None:
    """Time COUNT calls of an empty task on the board at PORT: min, median, p99, max in ms."""
    with open_device(resolve_port(port), password, startup=False) as device:
        device(f"def {_EMPTY_TASK}():\n    pass\n", minify=False, record=False)
        device.call(_EMPTY_TASK, ())  # the first call may pay for one-time setup
        times = []
        for _ in range(count):
            start = time.perf_counter()
            device.call(_EMPTY_TASK, ())
            times.append(time.perf_counter() - start)
    stats = summary(times)
    click.echo(
        f"{count} call{'s' * (count != 1)} of an empty task on {device.port}: "
        + ", ".join(f"{name} {value:.2f} ms" for name, value in stats.items())
    )
