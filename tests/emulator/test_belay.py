"""The virtual board is a faithful board: Belay 0.30.1, which nobody here wrote, drives it."""

from __future__ import annotations

from pathlib import Path

import pytest

from belay_gen.emulator.relay import VirtualBoard

belay = pytest.importorskip("belay")


def test_belay_task_returns_a_value(virtual_board: VirtualBoard) -> None:
    device = belay.Device(virtual_board.path)
    try:

        @device.task
        def add(a, b):  # type: ignore[no-untyped-def]
            return a + b

        assert add(2, 40) == 42
        assert device("1 + 1") == 2
    finally:
        device.close()


def test_belay_task_drives_a_pin(virtual_board: VirtualBoard) -> None:
    device = belay.Device(virtual_board.path)
    try:

        @device.task
        def set_led(state):  # type: ignore[no-untyped-def]
            Pin(25, Pin.OUT).value(state)  # type: ignore[name-defined]  # noqa: F821

        set_led(True)
        set_led(False)
    finally:
        device.close()
    values = [line for line in virtual_board.trace_lines if " value " in line]
    assert values == ["pin 25 value 1", "pin 25 value 0"]


def test_belay_sync_mirrors_a_folder(
    virtual_board: VirtualBoard, board_root: Path, tmp_path: Path
) -> None:
    source = tmp_path / "project"
    (source / "pkg").mkdir(parents=True)
    (source / "main.py").write_text("print('hello')\n")
    (source / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    (source / "data.bin").write_bytes(bytes(range(256)))
    (board_root / "stale.py").write_text("old = True\n")
    device = belay.Device(virtual_board.path)
    try:
        device.sync(source)
        device("import pkg")
        assert device("pkg.VALUE") == 1
    finally:
        device.close()
    assert (board_root / "main.py").read_text() == "print('hello')\n"
    assert (board_root / "data.bin").read_bytes() == bytes(range(256))
    assert not (board_root / "stale.py").exists()
