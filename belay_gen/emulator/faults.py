"""Scripted faults of a virtual board's link, deterministic given a seed.

:class:`LinkFaults` holds what the relay should do to the bytes it carries: lose the next N
bytes either way, or hold everything for a while (a stall). Garbage bytes come from a seeded
generator, so a test that fails replays exactly. :class:`FaultSchedule` injects faults at
random times (``belay-gen emulate --faults-every``).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Protocol

#: Fault kinds a :class:`FaultSchedule` can inject.
FAULT_KINDS = ("reset", "stall", "garbage", "lose")


class LinkFaults:
    """Pending faults on the link between a client and the board."""

    def __init__(self, seed: int | None = None) -> None:
        self.random = random.Random(seed)
        self._lock = threading.Lock()
        self._lose_input = 0
        self._lose_output = 0
        self._stalled_until = 0.0

    def lose(self, to_board: int = 0, from_board: int = 0) -> None:
        """Drop the next ``to_board`` bytes the client sends and ``from_board`` it would get."""
        with self._lock:
            self._lose_input += to_board
            self._lose_output += from_board

    def stall(self, seconds: float) -> None:
        """Carry nothing either way for ``seconds`` (bytes wait; nothing is lost)."""
        with self._lock:
            self._stalled_until = max(self._stalled_until, time.monotonic() + seconds)

    def garbage(self, count: int) -> bytes:
        """``count`` random bytes (line noise), from the seeded generator."""
        return bytes(self.random.getrandbits(8) for _ in range(count))

    def wait_stall(self) -> None:
        """Sleep while a stall lasts."""
        while True:
            with self._lock:
                left = self._stalled_until - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.05))

    def filter_input(self, data: bytes) -> bytes:
        """``data`` minus the input bytes due to be lost."""
        with self._lock:
            lost = min(self._lose_input, len(data))
            self._lose_input -= lost
        return data[lost:]

    def filter_output(self, data: bytes) -> bytes:
        """``data`` minus the output bytes due to be lost."""
        with self._lock:
            lost = min(self._lose_output, len(data))
            self._lose_output -= lost
        return data[lost:]


class FaultTarget(Protocol):
    """What faults are injected into: :class:`~belay_gen.emulator.relay.VirtualBoard`."""

    def inject_reset(self) -> None: ...

    def stall(self, seconds: float) -> None: ...

    def inject_garbage(self, count: int) -> bytes: ...

    def lose_bytes(self, to_board: int = 0, from_board: int = 0) -> None: ...


@dataclass(frozen=True)
class FaultSchedule:
    """Inject one of ``kinds`` about every ``every`` seconds (uniformly 0.5x to 1.5x).

    The kinds and times come from a generator seeded with ``seed``. A stall lasts
    ``stall_s``; garbage and lost bytes come 1 to 16 at a time.
    """

    every: float
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int | None = None
    stall_s: float = 2.0

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be among {', '.join(FAULT_KINDS)}")
        if self.every <= 0:
            raise ValueError("the fault interval must be positive")

    def start(self, board: FaultTarget, stop: threading.Event) -> threading.Thread:
        """Run the schedule on ``board`` in a daemon thread until ``stop`` is set."""
        thread = threading.Thread(
            target=self._run, args=(board, stop), daemon=True, name="fault-schedule"
        )
        thread.start()
        return thread

    def _run(self, board: FaultTarget, stop: threading.Event) -> None:
        rng = random.Random(self.seed)
        while not stop.wait(self.every * rng.uniform(0.5, 1.5)):
            inject(board, rng.choice(self.kinds), rng.randint(1, 16), self.stall_s)


def inject(board: FaultTarget, kind: str, count: int = 1, seconds: float = 1.0) -> None:
    """Inject one fault of ``kind`` (see :data:`FAULT_KINDS`) into ``board``."""
    if kind == "reset":
        board.inject_reset()
    elif kind == "stall":
        board.stall(seconds)
    elif kind == "garbage":
        board.inject_garbage(count)
    elif kind == "lose":
        board.lose_bytes(to_board=count)
    else:
        raise ValueError(f"unknown fault {kind!r}; known faults: {', '.join(FAULT_KINDS)}")
