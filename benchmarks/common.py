"""Shared pieces of the benchmarks: a virtual board in its own process, timing, tables."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def board_process(
    root: Path | None = None, baud: int | None = None, profile: str | None = None
) -> Iterator[str]:
    """Start one virtual board in a separate process (so its relay does not share our GIL);
    ``profile`` names a board profile (``esp32`` ...) of :mod:`belay_gen.emulator.profiles`."""
    folder = root or Path(tempfile.mkdtemp(prefix="belay-gen-bench-"))
    command = [sys.executable, "-m", "belay_gen.emulator.serve", str(folder)]
    if baud:
        command += ["--baud", str(baud)]
    if profile:
        command += ["--profile", profile]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        assert server.stdout is not None
        path = server.stdout.readline().decode().strip()
        if not path.startswith("/dev/"):
            raise RuntimeError("the virtual board did not start")
        yield path
    finally:
        server.terminate()
        server.wait()


def median_ms(call: Callable[[], object], repeat: int = 300, warmup: int = 20) -> float:
    """Median wall time of ``call`` in milliseconds."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def interleaved_medians_ms(
    calls: Sequence[Callable[[], object]], repeat: int = 300, warmup: int = 20, block: int = 10
) -> list[float]:
    """Median wall time (ms) of each call. Calls take turns in blocks of ``block`` runs, so
    drift in machine load affects every call alike, while the after-effects of one call
    (a large output still settling) touch only the first run of the next block."""
    for call in calls:
        for _ in range(warmup):
            call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(max(1, repeat // block)):
        for index, call in enumerate(calls):
            for _ in range(block):
                started = time.perf_counter()
                call()
                samples[index].append(time.perf_counter() - started)
    return [statistics.median(times) * 1000 for times in samples]


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a Markdown table (easy to paste into a note)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        cells = [f"{cell:.3f}" if isinstance(cell, float) else str(cell) for cell in row]
        print("| " + " | ".join(cells) + " |")
