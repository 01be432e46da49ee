"""Fixtures shared by the emulator tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from belay_gen.emulator.relay import VirtualBoard
from tests.emulator.test_protocol import Console


@pytest.fixture
def console(virtual_board: VirtualBoard) -> Iterator[Console]:
    """A naive client on the ``virtual_board``."""
    client = Console(virtual_board.path)
    try:
        yield client
    finally:
        client.link.close()
