"""Task calls and connect time on one virtual board: belay-gen vs Belay 0.30.1 vs bare exec."""

from __future__ import annotations

import io
import statistics
import time
from contextlib import redirect_stdout

from benchmarks.common import board_process, median_ms, print_table


def _connect_ms(make: object, repeat: int = 15) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        device = make()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
        device.close()
    return statistics.median(samples) * 1000


def run(repeat: int = 300) -> None:
    import belay

    import belay_gen
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    with board_process() as path:
        with SerialTransport(path) as transport:
            repl = RawRepl(transport)
            repl.enter()
            bare = median_ms(lambda: repl.exec("x = 1"), repeat)
            repl.exit_raw()

        ours = belay_gen.Device(path)

        @ours.task
        def noop():  # type: ignore[no-untyped-def]
            return None

        @ours.task
        def add(a, b):  # type: ignore[no-untyped-def]
            return a + b

        @ours.task
        def kilobyte():  # type: ignore[no-untyped-def]
            return "x" * 1024

        mine = [
            median_ms(noop, repeat),
            median_ms(lambda: add(12345, 678), repeat),
            median_ms(kilobyte, repeat),
        ]
        ours.close()

        with redirect_stdout(io.StringIO()):
            theirs_device = belay.Device(path)

            @theirs_device.task
            def noop_b():  # type: ignore[no-untyped-def]
                return None

            @theirs_device.task
            def add_b(a, b):  # type: ignore[no-untyped-def]
                return a + b

            @theirs_device.task
            def kilobyte_b():  # type: ignore[no-untyped-def]
                return "x" * 1024

            theirs = [
                median_ms(noop_b, repeat),
                median_ms(lambda: add_b(12345, 678), repeat),
                median_ms(kilobyte_b, repeat),
            ]
            theirs_device.close()
            belay_connect = _connect_ms(lambda: belay.Device(path))
        our_connect = _connect_ms(lambda: belay_gen.Device(path))

    cases = ["no args", "small args", "1 KB result"]
    print_table(
        f"Task call round trip, one virtual board, median of {repeat} calls (ms)",
        ["call", "bare raw exec", "belay-gen", "Belay 0.30.1", "ours / bare", "Belay / ours"],
        [
            (case, bare, m, t, f"{m / bare:.2f}x", f"{t / m:.1f}x")
            for case, m, t in zip(cases, mine, theirs, strict=True)
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
