"""Shared fixtures: the virtual board, and the rules around it.

- A test that uses a board fixture (``virtual_board``, ``virtual_port``, ``unix_port``, or any
  fixture built on them) is marked ``board`` automatically, so ``pytest -m "not board"`` runs
  without a VM.
- A test that starts a board some other way (``VirtualBoard(...)``, ``Device("virtual:...")``,
  a ``virtual:`` port handed to a subprocess) must be marked ``board`` itself, or use one of
  these fixtures. Every other test runs with ``BELAY_GEN_FORBID_VM`` set, so a VM it starts,
  in this process or a child, fails the test loudly instead of slipping past ``-m "not board"``.
- The board may not be silently skipped: under ``BELAY_GEN_REQUIRE_BOARD=1`` a missing emulator
  fails (tests/support/requirements.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from belay_gen.emulator.relay import VirtualBoard
from belay_gen.emulator.vm import FORBID_VM_ENV
from tests.support.requirements import require_board, require_micropython
from tests.support.unix_port_pty import UnixPortPty

#: Fixtures that start a board; a test that uses one, even indirectly, is marked ``board``.
BOARD_FIXTURES = frozenset({"virtual_board", "virtual_port", "unix_port"})


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


@pytest.fixture
def virtual_port(board_root: Path) -> str:
    """``virtual:DIR``: a port string whose opener (Device, CLI, subprocess) boots the board.

    The board keeps its files in ``board_root``, so a test can look at them afterwards.
    """
    require_board()
    return f"virtual:{board_root}"


@pytest.fixture
def unix_port() -> Iterator[UnixPortPty]:
    """``micropython -i`` behind a plain relay; ``unix_port.path`` is the port to open.

    MicroPython's own C raw REPL, with nothing added: the reference for test_repl and the CLI.
    """
    with UnixPortPty(require_micropython()) as board:
        yield board


@pytest.fixture(autouse=True, scope="session")
def _private_caches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Caches (compiled tasks, minified sync files) go to a temp folder, not the user's."""
    saved = os.environ.get("BELAY_GEN_CACHE")
    os.environ["BELAY_GEN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("BELAY_GEN_CACHE", None)
    else:
        os.environ["BELAY_GEN_CACHE"] = saved


@pytest.fixture(autouse=True)
def _no_vm_unless_marked_board(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forbid starting a VM (here or in a child process) in a test not marked ``board``."""
    if request.node.get_closest_marker("board") is None:
        monkeypatch.setenv(
            FORBID_VM_ENV, f"{request.node.nodeid} is not marked board; see tests/conftest.py"
        )
    else:
        monkeypatch.delenv(FORBID_VM_ENV, raising=False)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BOARD_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.board)
    if os.environ.get("BELAY_GEN_PORT"):
        return
    skip = pytest.mark.skip(reason="needs a physical board: set BELAY_GEN_PORT=/dev/ttyXXX")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)
