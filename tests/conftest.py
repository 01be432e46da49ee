"""Shared fixtures: the virtual board, and the rule that it may not be silently skipped."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from belay_gen.emulator.relay import VirtualBoard
from tests.support.requirements import require_board, require_micropython
from tests.support.unix_port_pty import UnixPortPty


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


@pytest.fixture
def unix_port() -> Iterator[UnixPortPty]:
    """``micropython -i`` behind a plain relay; ``unix_port.path`` is the port to open."""
    with UnixPortPty(require_micropython()) as board:
        yield board
