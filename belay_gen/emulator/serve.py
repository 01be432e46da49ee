"""Run a virtual board in the foreground: ``belay-gen emulate`` and the ``virtual:`` port use this.

``python -m belay_gen.emulator.serve [DIR] [--baud N] [--trace]`` prints the pty path on the
first line of stdout once the board is ready, then serves until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import EmulatorUnavailable


def serve(
    root: Path | None,
    *,
    baud: int | None = None,
    trace: Callable[[str], None] | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve a virtual board until SIGTERM/SIGINT; ``root=None`` uses a temporary folder."""
    owned = root is None
    folder = Path(tempfile.mkdtemp(prefix="belay-gen-board-")) if root is None else root
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        board = VirtualBoard(folder, baud=baud, trace=trace)
        try:
            _start(board)
            announce(board.path)
            while not stop.wait(1.0):
                pass
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m belay_gen.emulator.serve")
    parser.add_argument("root", nargs="?", type=Path)
    parser.add_argument("--baud", type=int, default=None)
    parser.add_argument("--trace-file", type=Path, default=None)
    args = parser.parse_args(argv)
    trace_file = None if args.trace_file is None else args.trace_file.open("a", buffering=1)

    def trace(line: str) -> None:
        if trace_file is not None:
            trace_file.write(line + "\n")

    def announce(path: str) -> None:
        sys.stdout.write(path + "\n")
        sys.stdout.flush()

    try:
        serve(args.root, baud=args.baud, trace=trace, announce=announce)
    except (OSError, RuntimeError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    finally:
        if trace_file is not None:
            trace_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
