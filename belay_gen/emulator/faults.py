"""Scripted faults of a virtual board's link, deterministic given a seed.

:class:`LinkFaults` holds what the relay should do to the bytes it carries: lose or corrupt
(one bit flipped) the next N bytes either way, or hold everything for a while (a stall).
Garbage bytes and flipped bits come from a seeded generator, so a test that fails replays
exactly. :class:`FaultSchedule` injects faults at random times (``belay-gen emulate
--faults-every``).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from dataclasses import dataclass
from typing import Protocol

#: How many times slower a ``slow`` fault makes the board by default.
SLOW_FACTOR = 10.0

#: Fault kinds a :class:`FaultSchedule` can inject.
FAULT_KINDS = ("reset", "stall", "garbage", "lose", "corrupt", "slow", "drop")
#: Kinds a schedule injects unless told otherwise: ``drop`` needs a native-USB profile or
#: Linux's ``TIOCVHANGUP``, so it is opt-in.
DEFAULT_KINDS = ("reset", "stall", "garbage", "lose", "corrupt", "slow")


class _Damage:
    """Damage due to the bytes going one way: lose or flip ``count`` bytes after ``skip``."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._due: list[list[int]] = []  # [skip, count, lose (1) or flip (0)]
        #: Each byte flipped so far: (what it was, what it became).
        self.flipped: list[tuple[int, int]] = []

    def add(self, count: int, skip: int, *, lose: bool) -> None:
        if count > 0:
            self._due.append([skip, count, int(lose)])

    def clear(self) -> None:
        self._due.clear()

    def apply(self, data: bytes) -> bytes:
        """``data`` with the damage due to its bytes done."""
        if not self._due:
            return data
        out = bytearray()
        for index, byte in enumerate(data):
            if not self._due:  # all done: the rest passes untouched
                out += data[index:]
                break
            keep = True
            for item in self._due:
                if item[0]:
                    item[0] -= 1
                elif item[1]:
                    item[1] -= 1
                    if item[2]:
                        keep = False
                    else:
                        was, byte = byte, byte ^ 1 << self._rng.randrange(8)
                        self.flipped.append((was, byte))
            if keep:
                out.append(byte)
            self._due = [item for item in self._due if item[1]]
        return bytes(out)


class LinkFaults:
    """Pending faults on the link between a client and the board."""

    def __init__(self, seed: int | None = None) -> None:
        self.random = random.Random(seed)
        self._lock = threading.Lock()
        self._input = _Damage(self.random)
        self._output = _Damage(self.random)
        self._stalled_until = 0.0

    @property
    def flipped(self) -> dict[str, list[tuple[int, int]]]:
        """The bytes corrupted so far each way (``to_board``, ``from_board``): (was, became)."""
        with self._lock:
            return {"to_board": list(self._input.flipped), "from_board": list(self._output.flipped)}

    def lose(self, to_board: int = 0, from_board: int = 0, *, after: int = 0) -> None:
        """Drop the next ``to_board`` bytes the client sends and ``from_board`` it would get,
        after letting ``after`` more bytes pass each way."""
        with self._lock:
            self._input.add(to_board, after, lose=True)
            self._output.add(from_board, after, lose=True)

    def corrupt(self, to_board: int = 0, from_board: int = 0, *, after: int = 0) -> None:
        """Flip one bit (seeded) in each of the next ``to_board`` and ``from_board`` bytes,
        after letting ``after`` more bytes pass each way."""
        with self._lock:
            self._input.add(to_board, after, lose=False)
            self._output.add(from_board, after, lose=False)

    def clear(self) -> None:
        """Cancel the lost and corrupted bytes still due (a stall runs its course)."""
        with self._lock:
            self._input.clear()
            self._output.clear()

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
        """``data`` from the client as the board gets it: bytes due lost or flipped are."""
        with self._lock:
            return self._input.apply(data)

    def filter_output(self, data: bytes) -> bytes:
        """``data`` from the board as the client gets it: bytes due lost or flipped are."""
        with self._lock:
            return self._output.apply(data)


class FaultTarget(Protocol):
    """What faults are injected into: :class:`~belay_gen.emulator.relay.VirtualBoard`."""

    def inject_reset(self) -> None: ...

    def stall(self, seconds: float) -> None: ...

    def inject_garbage(self, count: int) -> bytes: ...

    def lose_bytes(self, to_board: int = 0, from_board: int = 0, *, after: int = 0) -> None: ...

    def corrupt_bytes(self, to_board: int = 0, from_board: int = 0, *, after: int = 0) -> None: ...

    def slow_cpu(self, factor: float, seconds: float | None = None) -> None: ...

    def drop_link(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class FaultSchedule:
    """Inject one of ``kinds`` about every ``every`` seconds (uniformly 0.5x to 1.5x).

    The kinds and times come from a generator seeded with ``seed``. A stall, a slow CPU
    (``slow_factor`` times slower) and a dropped link last ``stall_s``; garbage, lost and
    corrupted bytes come 1 to 16 at a time.
    """

    every: float
    kinds: tuple[str, ...] = DEFAULT_KINDS
    seed: int | None = None
    stall_s: float = 2.0
    slow_factor: float = SLOW_FACTOR

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be among {', '.join(FAULT_KINDS)}")
        if self.every <= 0:
            raise ValueError("the fault interval must be positive")
        if self.slow_factor < 1:
            raise ValueError("a slow CPU's factor must be at least 1")

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
            kind = rng.choice(self.kinds)
            count = rng.randint(1, 16)
            to_board = rng.random() < 0.5
            # OSError: a link drop this machine does not allow (TIOCVHANGUP): no fault.
            with contextlib.suppress(OSError):
                inject(board, kind, count, self.stall_s, to_board=to_board, factor=self.slow_factor)


def inject(
    board: FaultTarget,
    kind: str,
    count: int = 1,
    seconds: float = 1.0,
    *,
    to_board: bool = True,
    factor: float = SLOW_FACTOR,
) -> None:
    """Inject one fault of ``kind`` (see :data:`FAULT_KINDS`) into ``board``.

    ``count`` bytes of garbage, lost or corrupted (``to_board``: on the way to the board,
    else from it); a stall, a slow CPU (``factor`` times slower) or a dropped link lasts
    ``seconds``.
    """
    either_way = {"to_board": count} if to_board else {"from_board": count}
    if kind == "reset":
        board.inject_reset()
    elif kind == "stall":
        board.stall(seconds)
    elif kind == "garbage":
        board.inject_garbage(count)
    elif kind == "lose":
        board.lose_bytes(**either_way)
    elif kind == "corrupt":
        board.corrupt_bytes(**either_way)
    elif kind == "slow":
        board.slow_cpu(factor, seconds)
    elif kind == "drop":
        board.drop_link(seconds)
    else:
        raise ValueError(f"unknown fault {kind!r}; known faults: {', '.join(FAULT_KINDS)}")
