"""The board's clock: sync_time, time_offset, auto_sync_time and return_time."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

import belay_gen as belay
from belay_gen.runtime.clock import BoardClock


def test_clock_converts_ticks_across_a_wrap() -> None:
    clock = BoardClock()
    period = 1 << 30
    start = period - 500  # 0.5 s before the board's ticks wrap
    readings = iter([(start, period - 1)] * 3)
    clock.sync(lambda: next(readings), samples=3)
    anchor = clock.host_time(start)
    assert clock.host_time(300) - anchor == timedelta(milliseconds=800)  # after the wrap
    assert clock.host_time(start - 1000) - anchor == timedelta(seconds=-1)
    assert abs(anchor.timestamp() - time.time()) < 1
    assert clock.offset == pytest.approx(start / 1000 - anchor.timestamp())


def test_unsynchronized_clock_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="sync_time"):
        BoardClock().offset  # noqa: B018


@pytest.mark.board
def test_return_time_gives_the_host_time_of_the_evaluation(virtual_port: str) -> None:
    with belay.Device(virtual_port) as device:

        @device.task(return_time=True)
        def slow_double(x):  # type: ignore[no-untyped-def]
            import time

            time.sleep_ms(200)
            return 2 * x

        before = datetime.now()
        value, when = slow_double(21)
        after = datetime.now()
        assert value == 42
        # the middle of the evaluation: ~100 ms after it began, within the host's bracket
        assert before + timedelta(milliseconds=50) < when < after - timedelta(milliseconds=50)
        value, when = device("6 * 7", return_time=True)
        assert value == 42 and abs((datetime.now() - when).total_seconds()) < 0.5
        assert isinstance(device.time_offset, float)

        @device.task(return_time=True)
        def count():  # type: ignore[no-untyped-def]
            yield 1
            yield 2

        pairs = list(count())
        assert [v for v, _ in pairs] == [1, 2]
        assert all(isinstance(t, datetime) for _, t in pairs)
        stepped = count()
        assert next(stepped)[0] == 1
        stepped.close()
        with pytest.raises(ValueError, match="times an expression"):
            device("x = 1", return_time=True)


@pytest.mark.board
def test_without_auto_sync_time_the_clock_waits_for_sync_time(virtual_port: str) -> None:
    with belay.Device(virtual_port, auto_sync_time=False) as device:
        with pytest.raises(ValueError, match="sync_time"):
            device.time_offset  # noqa: B018
        with pytest.raises(ValueError, match="sync_time"):
            device("1", return_time=True)
        offset = device.sync_time(samples=5)
        assert device.time_offset == offset
        board_seconds = device("time.ticks_ms()") / 1000
        assert board_seconds - time.time() == pytest.approx(offset, abs=0.5)
        assert device("2", return_time=True)[0] == 2
