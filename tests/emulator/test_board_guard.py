"""The suite's board rules hold: board fixtures mark their tests, and other tests boot no VM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from belay_gen.emulator.relay import VirtualBoard
from belay_gen.emulator.vm import FORBID_VM_ENV


def test_a_test_not_marked_board_cannot_boot_one(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert request.node.get_closest_marker("board") is None
    assert request.node.nodeid in os.environ[FORBID_VM_ENV]
    with pytest.raises(RuntimeError, match=FORBID_VM_ENV):
        VirtualBoard(tmp_path / "fs").start()


def test_nor_can_a_child_process_it_starts(tmp_path: Path) -> None:
    # What a `virtual:` port or `belay-gen emulate` runs: the guard travels in the environment.
    done = subprocess.run(
        [sys.executable, "-m", "belay_gen.emulator.serve", str(tmp_path / "fs")],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert done.stdout == ""  # no port was announced
    assert "a virtual board may not start here" in done.stderr


def test_a_board_fixture_marks_its_test_and_lifts_the_guard(
    request: pytest.FixtureRequest, virtual_port: str, board_root: Path
) -> None:
    assert virtual_port == f"virtual:{board_root}"
    assert request.node.get_closest_marker("board") is not None
    assert FORBID_VM_ENV not in os.environ
