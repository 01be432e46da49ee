"""Task calls and connect time on one virtual board: belay-gen vs Belay 0.30.1 vs bare exec."""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

from benchmarks.common import board_process, interleaved_medians_ms, print_table


def _connect_ms(make: object, repeat: int = 15) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        device = make()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
        device.close()
    return statistics.median(samples) * 1000


def task_calls(device: Any) -> list[Callable[[], object]]:
    """The three measured calls, as tasks of ``device`` (belay-gen's or Belay's)."""

    @device.task
    def noop():  # type: ignore[no-untyped-def]
        return None

    @device.task
    def add(a, b):  # type: ignore[no-untyped-def]
        return a + b

    @device.task
    def kilobyte():  # type: ignore[no-untyped-def]
        return "x" * 1024

    return [noop, lambda: add(12345, 678), kilobyte]


def run(repeat: int = 300) -> None:
    import belay

    import belay_gen

    with board_process() as path:
        ours = belay_gen.Device(path)
        calls = task_calls(ours)
        repl = ours.session.repl  # the same link, without the task layer
        # The floor for each call: a bare raw exec that prints the same value's repr (any
        # result channel has to), on the same link without the task layer.
        floors = [
            lambda: repl.exec("print(repr(None))"),
            lambda: repl.exec("print(repr(12345 + 678))"),
            lambda: repl.exec("print(repr('x' * 1024))"),
        ]
        results = interleaved_medians_ms([lambda: repl.exec("x = 1"), *floors, *calls], repeat)
        bare, floor_values, mine = results[0], results[1:4], results[4:]
        ours.close()

        with redirect_stdout(io.StringIO()):
            theirs_device = belay.Device(path)
            theirs = interleaved_medians_ms(task_calls(theirs_device), repeat)
            theirs_device.close()
            belay_connect = _connect_ms(lambda: belay.Device(path))
        our_connect = _connect_ms(lambda: belay_gen.Device(path))

    cases = ["no args", "small args", "1 KB result"]
    print_table(
        f"Task call round trip, one virtual board, median of {repeat} calls (ms)",
        [
            "call",
            "bare exec, no output",
            "bare exec printing the same repr",
            "belay-gen",
            "Belay 0.30.1",
            "ours / bare (same repr)",
            "Belay / ours",
        ],
        [
            (case, bare, floor, m, t, f"{m / floor:.2f}x", f"{t / m:.1f}x")
            for case, floor, m, t in zip(cases, floor_values, mine, theirs, strict=True)
        ],
    )
    print_table(
        "Device() connect, median of 15 (ms)",
        ["client", "median ms", "ratio to ours"],
        [
            ("belay-gen", our_connect, "1.00x"),
            ("Belay 0.30.1", belay_connect, f"{belay_connect / our_connect:.2f}x"),
        ],
    )
