"""Import aliases, stacked devices, type aliases, board decorators and minify=False."""

from typing import Literal

import belay_gen as belay
from belay_gen import Device as Board

Level = Literal["low", "high"]
Pair = tuple[int, int]

left = Board("/dev/ttyACM0")
right = belay.Device("/dev/ttyACM1")


@left.task
@right.task
def both(level: Level) -> Pair:
    return (1, 2) if level == "high" else (0, 0)


@left.task(minify=False)
def verbose(values: list[int]) -> "int | None":
    """Kept as written: comments and annotations survive."""
    # the largest value
    return max(values) if values else None


@right.task
@micropython.native
def fast(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total
