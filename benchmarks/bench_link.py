"""Close to the wire: a task call, a generator and a bytes result on a slow link.

belay-gen beside Belay 0.30.1 and the floor (a bare raw-REPL exec written with pyserial: enter
the raw REPL once, then one ``print(...)`` exec per call, reading until the end of the
answer), on a virtual board at 115200 baud and with the ``esp32`` profile (115200 baud, a
260-byte receive buffer, 110 KB heap). Bytes are counted by the board's relay in both
directions. Ratios, not absolute times, are the result: the same board serves every client,
one after the other.

- task call: ``f()`` returning a small int; bytes up+down and the median time per call.
- generator: a task yielding ``i % 100`` for ``range(n)``; values per second as the host
  receives them, and bytes per value.
- bytes result: a task returning 10 KB and 100 KB of (pseudo-random) ``bytes``; bytes on the
  wire per payload byte, and payload bytes per second as a share of the link rate.

Runs standalone: ``python -m benchmarks.bench_link [--quick]``. The board runs in its own
process (``--serve DIR``), which answers ``count`` on stdin with its byte counters.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

from benchmarks.common import interleaved_medians_ms, print_table

BAUD = 115200
LINK_RATE = BAUD / 10  # bytes per second each way (8N1)
BLOB_SETUP = "blob = bytes((i * 73 + 11) & 255 for i in range({}))"
#: Bytes results measured per profile (the esp32 heap holds no 100 KB result beside its copy).
SIZES = {None: (10240, 102400), "esp32": (10240, 40960)}


# -- the board, in its own process, with byte counters ---------------------------------------


class LinkBoard:
    """A virtual board process at ``baud`` (and ``profile``); :meth:`counts` returns (bytes
    to the board, bytes from the board)."""

    def __init__(self, profile: str | None, baud: int) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="belay-gen-bench-link-"))
        command = [sys.executable, "-m", "benchmarks.bench_link", "--serve", str(self.root)]
        command += ["--baud", str(baud)] + (["--profile", profile] if profile else [])
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self.process.stdout is not None
        self.path = self.process.stdout.readline().strip()
        if not self.path.startswith("/dev/"):
            self.close()
            raise RuntimeError("the virtual board did not start")

    def counts(self) -> tuple[int, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        to_board, from_board = self.process.stdout.readline().split()
        return int(to_board), int(from_board)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _serve(root: Path, baud: int, profile: str | None) -> None:
    from belay_gen.emulator.profiles import get_profile
    from belay_gen.emulator.relay import VirtualBoard

    with VirtualBoard(root, profile=get_profile(profile, baud=baud)) as board:
        print(board.path, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(board.bytes_to_board, board.bytes_from_board, flush=True)


@contextmanager
def _board(profile: str | None) -> Iterator[LinkBoard]:
    board = LinkBoard(profile, BAUD)
    try:
        yield board
    finally:
        board.close()


# -- the clients: the same three board functions, each its own way --------------------------


class Client:
    """``call()`` runs ``f()`` (a small int), ``values(n)`` the generator's values,
    ``blob(n)`` a bytes result of ``n`` bytes."""

    name = ""

    def call(self) -> object:
        raise NotImplementedError

    def values(self, n: int) -> list[object]:
        raise NotImplementedError

    def blob(self, n: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _define(device: Any) -> tuple[Any, Any, Any]:
    @device.task
    def f():  # type: ignore[no-untyped-def]
        return 42

    @device.task
    def count(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            yield i % 100

    @device.task
    def data(n):  # type: ignore[no-untyped-def]
        return blob if n >= len(blob) else blob[:n]  # type: ignore[name-defined]  # noqa: F821

    return f, count, data


class Ours(Client):
    name = "belay-gen"

    def __init__(self, path: str, blob: int) -> None:
        import belay_gen

        self.device = belay_gen.Device(path)
        self.device(BLOB_SETUP.format(blob))
        self.f, self.count, self.data = _define(self.device)

    def call(self) -> object:
        return self.f()

    def values(self, n: int) -> list[object]:
        return list(self.count(n))

    def blob(self, n: int) -> bytes:
        return self.data(n)  # type: ignore[no-any-return]

    def close(self) -> None:
        self.device.close()


class Belay(Ours):
    name = "Belay 0.30.1"

    def __init__(self, path: str, blob: int) -> None:  # the same calls, through Belay
        import belay

        with redirect_stdout(io.StringIO()):
            self.device = belay.Device(path)
            self.device(BLOB_SETUP.format(blob))
            self.f, self.count, self.data = _define(self.device)


class Floor(Client):
    """A bare raw-REPL exec per call with pyserial: the least any result channel costs."""

    name = "floor (bare raw exec)"

    def __init__(self, path: str, blob: int) -> None:
        import serial

        self.port = serial.Serial(path, BAUD, timeout=5)
        self.port.write(b"\r\x03\x03")
        time.sleep(0.2)
        self.port.reset_input_buffer()
        self.port.write(b"\r\x01")
        self.port.read_until(b"raw REPL; CTRL-B to exit\r\n>")
        self.exec("def f():\n return 42\n")

    def exec(self, code: str) -> bytes:
        self.port.write(code.encode() + b"\x04")
        answer = self.port.read_until(b"\x04>")
        if not answer.startswith(b"OK") or not answer.endswith(b"\x04\x04>"):
            raise RuntimeError(f"the floor's exec failed: {answer[-200:]!r}")
        return bytes(answer[2:-3])

    def call(self) -> object:
        return int(self.exec("print(f())"))

    def values(self, n: int) -> list[object]:
        self.port.write(f"for i in range({n}):print(i%100)".encode() + b"\x04")
        if self.port.read(2) != b"OK":
            raise RuntimeError("the floor's exec failed")
        values: list[object] = []
        while (line := self.port.read_until(b"\n")).endswith(b"\n"):
            values.append(int(line))  # each as it arrives, as a streaming client would
            if len(values) == n:
                break
        self.port.read_until(b"\x04>")
        return values

    def blob(self, n: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        self.port.close()


class FloorRepr(Floor):
    """The floor printing the value's repr, which any result channel needs (a str)."""

    name = "floor, print(repr(f()))"

    def call(self) -> object:
        return int(self.exec("print(repr(f()))"))

    def values(self, n: int) -> list[object]:
        raise NotImplementedError


# -- measuring --------------------------------------------------------------------------------


def _per_run(board: LinkBoard, action: Callable[[], object], repeat: int) -> tuple[float, ...]:
    """Median seconds of ``action`` and its mean bytes up and down per run."""
    before = board.counts()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    time.sleep(0.05)  # the relay's counters catch up
    after = board.counts()
    up, down = ((a - b) / repeat for a, b in zip(after, before, strict=True))
    return statistics.median(samples), up, down


def _clients(board: LinkBoard, blob: int) -> Iterator[Client]:
    """Ours and the floor share the board (their calls take turns at one raw prompt); Belay,
    which soft-resets at connect, comes after them on its own."""
    shared = [Ours(board.path, blob), Floor(board.path, blob), FloorRepr(board.path, blob)]
    try:
        yield from shared
    finally:
        for client in reversed(shared):
            client.close()
    theirs = Belay(board.path, blob)
    try:
        yield theirs
    finally:
        theirs.close()


def _tables(profile: str | None, quick: bool) -> None:
    calls, count = (60, 300) if quick else (200, 2000)
    sizes = SIZES[profile][:1] if quick else SIZES[profile]
    label = f"{BAUD} baud" if profile is None else f"the {profile} profile ({BAUD} baud)"
    call_rows: dict[str, list[Any]] = {}
    gen_rows: list[list[Any]] = []
    blob_rows: list[list[Any]] = []
    times: dict[str, float] = {}
    shared: list[Client] = []
    with _board(profile) as board:
        for client in _clients(board, max(sizes)):
            client.call()  # warm: helpers defined, caches filled
            seconds, up, down = _per_run(board, client.call, calls)
            call_rows[client.name] = [client.name, up, down, f"{up + down:.0f}"]
            times[client.name] = seconds
            if not isinstance(client, Belay):
                shared.append(client)
            if isinstance(client, FloorRepr):  # the shared clients take turns: drift hits all
                paired = interleaved_medians_ms([c.call for c in shared], calls, warmup=5)
                times.update((c.name, ms / 1000) for c, ms in zip(shared, paired, strict=True))
                continue
            n = count if not isinstance(client, Belay) else max(50, count // 10)
            client.values(n)
            seconds, _, down = _per_run(board, lambda c=client, n=n: c.values(n), 3)  # type: ignore[misc]
            gen_rows.append([client.name, n / seconds, down / n])
            for size in [] if isinstance(client, Floor) else sizes:
                try:
                    seconds, _, down = _per_run(board, lambda c=client, s=size: c.blob(s), 1)  # type: ignore[misc]
                except Exception as exc:  # e.g. a MemoryError on a small heap
                    blob_rows.append([client.name, size, type(exc).__name__, "", "", ""])
                    continue
                rate = f"{size / seconds / LINK_RATE:.1%}"
                blob_rows.append(
                    [client.name, size, int(down), f"{down / size:.3f}x", seconds, rate]
                )
    rows = []
    for name, row in call_rows.items():
        ms = times[name] * 1000
        rows.append(
            [
                *row,
                ms,
                _ratio(times[name], times[Floor.name]),
                _ratio(times[name], times[Ours.name]),
            ]
        )
    print_table(
        f"Task call f() -> 42 at {label}: per call (median of {calls}; ours and the floors "
        "interleaved)",
        ["client", "bytes up", "bytes down", "bytes up+down", "ms", "/ floor", "/ ours"],
        rows,
    )
    floor_rate = next(row[1] for row in gen_rows if row[0] == Floor.name)
    print_table(
        f"Generator task streaming ints (i % 100) at {label}",
        ["client", "values/s", "bytes down per value", "of the floor's rate"],
        [[r[0], f"{r[1]:,.0f}", f"{r[2]:.2f}", f"{r[1] / floor_rate:.0%}"] for r in gen_rows],
    )
    print_table(
        f"A bytes result at {label} (link rate {LINK_RATE:,.0f} B/s)",
        ["client", "size", "bytes down", "wire / size", "s", "payload rate, % of link"],
        blob_rows,
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


def run(quick: bool = False) -> None:
    """Print the three tables for a 115200-baud board and for the esp32 profile."""
    for profile in (None, "esp32"):
        _tables(profile, quick)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_link")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baud", type=int, default=BAUD, help=argparse.SUPPRESS)
    parser.add_argument("--profile", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer calls, no 100 KB result")
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.baud, args.profile)
    else:
        run(quick=args.quick)


if __name__ == "__main__":
    main()
