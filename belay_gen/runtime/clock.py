"""The board's clock on the host: Belay's ``sync_time``, ``time_offset`` and ``return_time``.

A board counts milliseconds in ticks that wrap (every 2**30 ms, ~12.4 days, on MicroPython;
2**29 on CircuitPython). :class:`BoardClock` pairs one tick value with the host time it was
read at, estimated from several round trips (the one with the shortest round trip anchors it;
every sample within 2 ms of that one is averaged, weighted by 1/RTT). A later tick converts to
host time by its wrapped distance from that anchor, valid for ±6 days around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from belay_gen.runtime.board_helpers import run_with_helpers
from belay_gen.runtime.codec import RESULT_FUNCTION
from belay_gen.runtime.session import Session

#: A sample: the board's ``(ticks_ms(), TICKS_MAX)``.
Sample = Callable[[], tuple[int, int]]
_STABLE_RTT = 0.002  # samples this close to the best round trip are as good as it


class BoardClock:
    """Board ticks ↔ host time, for one connection of a board."""

    def __init__(self) -> None:
        self._anchor: tuple[int, float] | None = None  # (board ticks, host time.time())
        self._period = 1 << 30

    @property
    def synced(self) -> bool:
        return self._anchor is not None

    def sync(self, sample: Sample, samples: int = 10) -> float:
        """Measure with ``samples`` round trips (fewer once the round trip is stable);
        return :attr:`offset`."""
        measured: list[tuple[int, float, float]] = []  # (ticks, host middle, rtt)
        for i in range(max(1, samples)):
            before = time.time()
            ticks, ticks_max = sample()
            after = time.time()
            self._period = ticks_max + 1
            measured.append((ticks, (before + after) / 2, after - before))
            best_rtt = min(rtt for _, _, rtt in measured)
            stable = sum(1 for _, _, rtt in measured[-3:] if rtt <= best_rtt + _STABLE_RTT)
            if i >= 4 and stable == 3:
                break
        best_ticks, _, best_rtt = min(measured, key=lambda m: m[2])
        good = [m for m in measured if m[2] <= best_rtt + _STABLE_RTT]
        weights = [1.0 / max(rtt, 1e-6) for _, _, rtt in good]
        # Each sample says where best_ticks was on the host clock; average what they say.
        anchor_host = sum(
            w * (middle - self.ticks_between(ticks, best_ticks) / 1000)
            for w, (ticks, middle, _) in zip(weights, good, strict=True)
        ) / sum(weights)
        self._anchor = (best_ticks, anchor_host)
        return self.offset

    def forget(self) -> None:
        """Drop the measurement (the board restarted: its ticks began again)."""
        self._anchor = None

    @property
    def offset(self) -> float:
        """Board time minus host time, in seconds (Belay's ``time_offset``)."""
        ticks, host = self._require_anchor()
        return ticks / 1000 - host

    def host_time(self, ticks: int) -> datetime:
        """The host's local time at which the board's clock read ``ticks``."""
        anchor_ticks, anchor_host = self._require_anchor()
        return datetime.fromtimestamp(anchor_host + self.ticks_between(ticks, anchor_ticks) / 1000)

    def ticks_between(self, later: int, earlier: int) -> int:
        """``later - earlier`` in ms across a wrap (``time.ticks_diff``)."""
        half = self._period // 2
        return (later - earlier + half) % self._period - half

    def _require_anchor(self) -> tuple[int, float]:
        if self._anchor is None:
            raise ValueError(
                "the board's clock is not synchronized: call device.sync_time() first "
                "(or create the Device with auto_sync_time=True)"
            )
        return self._anchor


class DeviceClock:
    """The clock of one ``Device``'s board: measured on demand, measured again after the board
    restarted (a new link), with ``auto`` (Belay's ``auto_sync_time``) when first needed.

    ``ready`` brings the device up to date before a measurement (a pending reconnect).
    """

    def __init__(self, session: Session, ready: Callable[[], None], *, auto: bool) -> None:
        self.auto = auto
        self._session = session
        self._ready = ready
        self._clock = BoardClock()
        self._measured_on: object = None  # the RawRepl the clock was measured on

    def sync(self, samples: int = 10) -> float:
        """Measure now (up to ``samples`` round trips); return the offset in seconds."""

        def sample() -> tuple[int, int]:
            ticks, ticks_max = run_with_helpers(
                self._session, f"{RESULT_FUNCTION}((__belay_ms(),__belay_tadd(0,-1)))"
            )
            return int(ticks), int(ticks_max)

        self._ready()
        offset = self._clock.sync(sample, samples)
        self._measured_on = self._session.repl
        return offset

    def current(self) -> BoardClock:
        """The clock, measured now if it never was or the board restarted (with ``auto``;
        else ``ValueError`` until :meth:`sync`)."""
        if self._measured_on is not self._session.repl:
            self._clock.forget()
            if self.auto:
                self.sync()
        return self._clock
