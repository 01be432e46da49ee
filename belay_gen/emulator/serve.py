"""Run a virtual board in the foreground: ``belay-gen emulate`` and the ``virtual:`` port use this.

``python -m belay_gen.emulator.serve [DIR] [--profile NAME] [--heap N] [--baud N] [--rxbuf N]
[--seed N] [--slow-cpu FACTOR] [--watch-stdin] [--owned-dir DIR]`` prints the port on the
first line of stdout once the board is ready, then serves until SIGTERM or Ctrl-C, or
(``--watch-stdin``) until its stdin reaches end of file: the pipe from the process that
started it, which closes when that process ends however it ends, so a board never outlives
its user. ``--owned-dir`` is removed on exit (the ``virtual:`` port's state folder).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from belay_gen.emulator.faults import FaultSchedule
from belay_gen.emulator.profiles import BoardProfile, get_profile, parse_size
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import EmulatorUnavailable


def serve(
    root: Path | None,
    *,
    profile: BoardProfile | None = None,
    baud: int | None = None,
    trace: Callable[[str], None] | None = None,
    announce: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    seed: int | None = None,
    schedule: FaultSchedule | None = None,
    slow_cpu: float | None = None,
    attach: Callable[[VirtualBoard], Callable[[], None]] | None = None,
) -> None:
    """Serve a virtual board until SIGTERM/SIGINT or ``stop``; ``root=None``: a temp folder.

    ``schedule`` injects faults at random times (deterministic given ``seed``); ``slow_cpu``
    makes the board that many times slower throughout. ``attach(board)``, called once the
    board is up and before ``announce``, starts servers in front of it (``emulate --listen``,
    ``--webrepl``) and returns the function that stops them.
    """
    owned = root is None
    folder = Path(tempfile.mkdtemp(prefix="belay-gen-board-")) if root is None else root
    stop = stop or threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        board = VirtualBoard(
            folder, profile=profile, baud=baud, trace=trace, seed=seed, die_with_parent=True
        )
        try:
            _start(board)
            if slow_cpu is not None:
                board.slow_cpu(slow_cpu)
            detach = None if attach is None else attach(board)
            try:
                announce(board.path)
                if schedule is not None:
                    schedule.start(board, stop)
                while not stop.wait(1.0):
                    pass
            finally:
                if detach is not None:
                    detach()
        finally:
            board.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if owned:
            shutil.rmtree(folder, ignore_errors=True)


def _start(board: VirtualBoard) -> None:
    """Boot ``board``; a board that cannot boot is an :class:`EmulatorUnavailable`, not a bug."""
    try:
        board.start()
    except EmulatorUnavailable:
        raise
    except RuntimeError as exc:  # the VM did not boot in time, or may not start here
        raise EmulatorUnavailable(str(exc)) from exc


def _watch_stdin(stop: threading.Event) -> None:
    """Set ``stop`` when stdin ends: the process at the other end of the pipe is gone."""

    def watch() -> None:
        try:
            while os.read(0, 512):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m belay_gen.emulator.serve")
    parser.add_argument("root", nargs="?", type=Path)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--heap", type=parse_size, default=None)
    parser.add_argument("--baud", type=int, default=None)
    parser.add_argument("--rxbuf", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--slow-cpu", type=float, default=None)
    parser.add_argument("--trace-file", type=Path, default=None)
    parser.add_argument("--watch-stdin", action="store_true")
    parser.add_argument("--owned-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    stop = threading.Event()
    if args.watch_stdin:
        _watch_stdin(stop)
    trace_file = None if args.trace_file is None else args.trace_file.open("a", buffering=1)

    def trace(line: str) -> None:
        if trace_file is not None:
            trace_file.write(line + "\n")

    def announce(path: str) -> None:
        sys.stdout.write(path + "\n")
        sys.stdout.flush()

    try:
        profile = get_profile(args.profile, heap=args.heap, baud=args.baud, rxbuf=args.rxbuf)
        serve(
            args.root,
            profile=profile,
            trace=trace,
            announce=announce,
            stop=stop,
            seed=args.seed,
            slow_cpu=args.slow_cpu,
        )
    except (OSError, RuntimeError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    finally:
        if trace_file is not None:
            trace_file.close()
        if args.owned_dir is not None:
            shutil.rmtree(args.owned_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
