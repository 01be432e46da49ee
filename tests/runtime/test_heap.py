"""The board heap belay-gen keeps for itself (issue 13), on the ``esp32`` profile.

``gc.mem_free()`` after ``gc.collect()`` on the unix port is deterministic: the same programs
leave the same heap in use, so these are exact measurements, not timings
(``benchmarks/bench_heap.py`` compares them with Belay).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import belay_gen as belay
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.transport.serial import SerialTransport
from tests.support.virtual_boards import profile_board

pytestmark = pytest.mark.board

#: What the connect adds to the board's globals: the frame helpers and the startup imports.
HELPERS = {"_belay", "_belayE", "_belayM", "_belayP", "_belayW"}
STARTUP = {"binascii", "errno", "hashlib", "machine", "os", "time", "sleep", "const"}
STARTUP |= {"ADC", "I2C", "Pin", "PWM", "SPI", "Timer"}


def _mem_free(path: str) -> int:
    """Free heap after a collection, through a bare raw REPL (nothing of belay-gen's)."""
    transport = SerialTransport(path)
    try:
        repl = RawRepl(transport)
        repl.enter()
        return int(repl.exec_or_raise("import gc\ngc.collect()\nprint(gc.mem_free())"))
    finally:
        transport.close()


def test_connect_and_three_tasks_leave_at_most_2_kb_in_use(tmp_path: Path) -> None:
    with profile_board("esp32", tmp_path / "board") as board:
        before = _mem_free(board.path)
        with belay.Device(board.path) as device:

            @device.task
            def noop():  # type: ignore[no-untyped-def]
                return None

            @device.task
            def add(a, b):  # type: ignore[no-untyped-def]
                return a + b

            @device.task
            def kilobyte():  # type: ignore[no-untyped-def]
                return "x" * 1024

            assert (noop(), add(1, 2), len(kilobyte())) == (None, 3, 1024)
        used = before - _mem_free(board.path)
    # 2112 B before the frame helpers were compiled apart and made smaller; 1600 B after
    # (Belay 0.30.1: 1632 B). The bound leaves room for a changed MicroPython.
    assert used <= 2048


def test_the_connect_adds_only_its_helpers_and_the_startup_names(tmp_path: Path) -> None:
    with profile_board("esp32", tmp_path / "board") as board, belay.Device(board.path) as device:
        added = set(device("list(globals())")) - {"__name__", "__file__", "sys", "_vboard"}
    assert added == HELPERS | STARTUP
