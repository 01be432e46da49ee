"""Soak: host threads hammer boards that misbehave, and every call checks its own answer.

``python -m benchmarks.soak [--threads 4] [--boards 2] [--calls 200] [--every 2.0] [--seed 1]``
(``make soak``; the defaults are a quick run, ``--calls 5000 --every 3`` the full one, about
ten minutes on 2 cores). Each board is a
``belay-gen emulate`` process with ``--faults-every`` (random faults from a seed: resets, link
drops, stalls, garbage, lost and corrupted bytes, a slow CPU). Each host thread makes
``--calls`` calls on each board, with arguments no other call uses, so an answer that belongs
to another call (misrouted) or none (lost) is caught. A call may fail, but only with a
documented belay-gen error. Prints the calls made, failures by class, lost or misrouted calls
(must be 0), undocumented errors (must be 0) and this process's RSS at the start, middle and
end (must stay flat). Exits 1 if a call was lost or misrouted, or an error was undocumented.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import belay_gen as belay
from belay_gen.errors import (
    BoardResetError,
    ConnectionLost,
    DeviceTimeoutError,
    ProtocolError,
    PyboardException,
    ResultNotLiteralError,
)

#: What a call may raise under faults (documented in errors.py): anything else is a bug.
DOCUMENTED = (
    BoardResetError,  # a reset or link drop during the call (LinkDroppedError included)
    ConnectionLost,  # reconnect attempts ran out
    DeviceTimeoutError,  # the board stalled or the answer was lost
    ProtocolError,  # garbage or corrupted bytes in the answer
    PyboardException,  # the board ran code that lost or corrupted bytes on the way
    ResultNotLiteralError,  # a corrupted result frame
)
#: Profiles of the boards, in turn: a UART bridge (resets keep the link), native USB.
PROFILES = ("esp32", "rp2040")
BOARD_FAULTS = {
    "esp32": "reset,stall,garbage,lose,corrupt,slow,drop",
    "rp2040": "reset,stall,garbage,lose,corrupt,slow,drop",
}


def rss_kb() -> int:
    """This process's resident set size in KB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextmanager
def emulated_board(profile: str, seed: int, every: float) -> Iterator[str]:
    """``belay-gen emulate`` with random faults in its own process; yields its port."""
    folder = Path(tempfile.mkdtemp(prefix="belay-gen-soak-"))
    command = [sys.executable, "-m", "belay_gen.cli", "emulate", str(folder)]
    command += ["--profile", profile, "--seed", str(seed), "--faults-every", str(every)]
    command += ["--faults", BOARD_FAULTS[profile], "--stall", "1.0"]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    try:
        assert server.stdout is not None
        path = server.stdout.readline().decode().strip()
        if not path.startswith("/"):
            raise RuntimeError(f"the {profile} board did not start")
        yield path
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Tally:
    """Outcomes of the calls, shared by the threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.made = 0
        self.ok = 0
        self.failed: collections.Counter[str] = collections.Counter()
        self.first: dict[str, str] = {}  # the first message of each failure class
        self.wrong: list[str] = []  # lost or misrouted
        self.undocumented: list[str] = []

    def add(self, outcome: str, detail: str = "") -> None:
        with self.lock:
            self.made += 1
            if outcome == "ok":
                self.ok += 1
            elif outcome == "wrong":
                self.wrong.append(detail)
            elif outcome == "undocumented":
                self.undocumented.append(detail)
            else:
                self.failed[outcome] += 1
                self.first.setdefault(outcome, detail)


def connect(port: str, timeout: float) -> belay.Device:
    """A Device that reconnects, retrying while the board is mid-fault."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return belay.Device(port, attempts=20, timeout=timeout, reconnect_delay=0.3)
        except (*DOCUMENTED, belay.ConnectionFailed):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def define(device: belay.Device) -> None:
    """Define the task the threads call (retried: the board misbehaves meanwhile too)."""
    device.session.idle_stream = None  # boot text after a reset is not ours to print
    deadline = time.monotonic() + 60
    while True:
        try:

            @device.task
            def answer(thread, number, text):  # type: ignore[no-untyped-def]
                return [thread, number * 7 + 1, text.upper()]

            return
        except DOCUMENTED:
            if time.monotonic() > deadline:
                raise


def one_call(device: belay.Device, thread: int, number: int, tally: Tally, board: str) -> None:
    # Short ones too (some calls): MicroPython interns string literals of <= 10 bytes for
    # good, which runtime/codec.py avoids by sending them padded; the soak keeps it honest.
    text = f"t{thread}c{number}" if number % 2 else f"thread-{thread}-call-{number}"
    expected = [thread, number * 7 + 1, text.upper()]
    try:
        got = device.task.answer(thread, number, text)  # type: ignore[attr-defined]
    except DOCUMENTED as exc:
        tally.add(f"{board}: {type(exc).__name__}", f"{exc}"[:300])
        return
    except Exception as exc:  # anything else is what the soak looks for
        tally.add("undocumented", f"{type(exc).__name__}: {exc}"[:200])
        return
    if got == expected:
        tally.add("ok")
    else:
        tally.add("wrong", f"expected {expected!r}, got {got!r}")


def worker(
    thread: int, devices: Sequence[belay.Device], calls: int, tally: Tally, progress: list[int]
) -> None:
    for index in range(calls):
        for offset, device in enumerate(devices):
            number = (index * len(devices) + offset) * 1000 + thread  # unique per call
            label = f"board {offset} ({PROFILES[offset % len(PROFILES)]})"
            one_call(device, thread, number, tally, label)
        progress[thread] = index + 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--threads", type=int, default=4, help="host threads (default 4)")
    parser.add_argument("--boards", type=int, default=2, help="virtual boards (default 2)")
    parser.add_argument("--calls", type=int, default=200, help="calls per thread and board")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between faults")
    parser.add_argument("--timeout", type=float, default=5.0, help="limit of one call, s")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    tally = Tally()
    rss: dict[str, int] = {}
    started = time.monotonic()
    with ExitStack() as stack:
        ports = [
            stack.enter_context(
                emulated_board(PROFILES[i % len(PROFILES)], args.seed + i, args.every)
            )
            for i in range(args.boards)
        ]
        devices = [connect(port, args.timeout) for port in ports]
        for device in devices:
            stack.callback(device.close)
            define(device)
        rss["start"] = rss_kb()
        progress = [0] * args.threads
        threads = [
            threading.Thread(target=worker, args=(i, devices, args.calls, tally, progress))
            for i in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        last_report = time.monotonic()
        while any(thread.is_alive() for thread in threads):
            time.sleep(1.0)
            if time.monotonic() - last_report >= 60:
                last_report = time.monotonic()
                print(f"... {tally.made} calls, RSS {rss_kb()} KB", file=sys.stderr, flush=True)
            if "middle" not in rss and min(progress) >= args.calls // 2:
                rss["middle"] = rss_kb()
        rss["end"] = rss_kb()
        rss.setdefault("middle", rss["end"])
    elapsed = time.monotonic() - started

    failed = sum(tally.failed.values())
    print(f"soak: {args.threads} threads x {args.boards} boards x {args.calls} calls", end="")
    print(f", faults about every {args.every} s per board, seed {args.seed}")
    print(f"calls made:                {tally.made} in {elapsed:.0f} s")
    print(f"succeeded:                 {tally.ok}")
    print(f"failed, documented errors: {failed}")
    for name, count in sorted(tally.failed.items()):
        print(f"  {name}: {count}  (first: {tally.first[name][:100]!r})")
    print(f"lost or misrouted:         {len(tally.wrong)}")
    for detail in tally.wrong[:10]:
        print(f"  {detail}")
    print(f"undocumented errors:       {len(tally.undocumented)}")
    for detail in collections.Counter(tally.undocumented).most_common(10):
        print(f"  {detail[1]} x {detail[0]}")
    print(f"host RSS (KB): start {rss['start']}, middle {rss['middle']}, end {rss['end']}")
    return 1 if tally.wrong or tally.undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
