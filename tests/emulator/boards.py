"""Helpers for emulator tests that boot boards with options (profiles, seeds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from belay_gen.emulator.profiles import BoardProfile
from belay_gen.emulator.relay import VirtualBoard
from tests.emulator.test_protocol import Console
from tests.support.requirements import require_board


@contextmanager
def console_on(
    root: Path, profile: BoardProfile | None = None, *, seed: int | None = None
) -> Iterator[tuple[VirtualBoard, Console]]:
    """A started board with ``profile`` and a naive client at its raw REPL."""
    require_board()
    with VirtualBoard(root, profile=profile, seed=seed) as board:
        client = Console(board.path)
        try:
            client.raw()
            yield board, client
        finally:
            client.link.close()
