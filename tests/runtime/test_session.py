"""The session under Device: the typed replay history, the one-exec connect, modules, syncs."""

from __future__ import annotations

from pathlib import Path

import pytest

import belay_gen as belay
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.runtime.history import MAX_COMMANDS, Exec, History, Sync
from belay_gen.runtime.transport.serial import SerialTransport
from tests.support.requirements import require_board

# -- the history on its own ------------------------------------------------------------------


def _codes(history: History) -> list[str]:
    return [step.code if isinstance(step, Exec) else f"sync {step.folder}" for step in history]


def test_definitions_survive_ten_thousand_commands() -> None:
    history = History()
    history.define("def first", Exec("def first(): pass"))
    for i in range(5_000):
        history.add_command(f"x = {i}")
    history.define("def second", Exec("def second(): pass"))
    for i in range(5_000, 10_000):
        history.add_command(f"x = {i}")
    codes = _codes(history)
    assert len(codes) == len(history) == 2 + MAX_COMMANDS
    assert codes[:2] == ["def first(): pass", "def second(): pass"]  # made before the commands
    assert codes[2:] == [f"x = {i}" for i in range(10_000 - MAX_COMMANDS, 10_000)]


def test_definitions_and_commands_replay_in_the_order_they_were_made() -> None:
    history = History(max_commands=3)
    history.add_command("a = 1")
    history.define("def f", Exec("def f(): return a"))
    history.add_command("b = f()")
    history.define("sync /x /", Sync(Path("/x"), {"dst": "/"}))
    history.add_command("c = 3")
    assert _codes(history) == ["a = 1", "def f(): return a", "b = f()", "sync /x", "c = 3"]
    history.add_command("d = 4")  # the oldest command goes; definitions stay
    assert _codes(history) == ["def f(): return a", "b = f()", "sync /x", "c = 3", "d = 4"]


def test_a_redefinition_replaces_the_old_one_in_its_place() -> None:
    history = History()
    history.define("def f", Exec("def f(): return 1"))
    history.add_command("y = f()")
    history.define("def f", Exec("def f(): return 2"))
    # Still before the command that calls it, so the replayed command finds f.
    assert _codes(history) == ["def f(): return 2", "y = f()"]
    assert history.definitions == ["def f"]


# -- on the virtual board ---------------------------------------------------------------------


@pytest.mark.board
def test_ten_thousand_commands_and_a_reconnect_keep_every_task(tmp_path: Path) -> None:
    require_board()
    with belay.Device(f"virtual:{tmp_path / 'fs'}", attempts=3, reconnect_delay=0.1) as dev:

        @dev.setup
        def configure(scale):  # type: ignore[no-untyped-def]
            factor = scale  # noqa: F841

        @dev.task
        def double(x):  # type: ignore[no-untyped-def]
            return x * 2

        @dev.task
        def scaled(x):  # type: ignore[no-untyped-def]
            return x * factor  # type: ignore[name-defined]  # noqa: F821

        @dev.task
        def count(n):  # type: ignore[no-untyped-def]
            yield from range(n)

        configure(10)
        for i in range(10_000):
            dev(f"x = {i}", minify=False)  # recorded
        assert len(dev.session.history) == 4 + MAX_COMMANDS
        dev.transport.close()  # the link drops: the next call reconnects and replays
        assert double(21) == 42
        assert scaled(3) == 30
        assert list(count(3)) == [0, 1, 2]
        assert dev("x") == 9_999  # the most recent commands were replayed too


@pytest.mark.board
def test_connect_is_one_exec_after_the_reset(virtual_board: VirtualBoard) -> None:
    class Counting(SerialTransport):
        """Counts the writes that end a raw-REPL program (or ask for a soft reset)."""

        ends = 0

        def write(self, data: bytes) -> None:
            self.ends += data.endswith(b"\x04")
            super().write(data)

    transport = Counting(virtual_board.path)
    with belay.Device(transport=transport) as dev:
        assert transport.ends == 2  # the soft reset, then startup and both probes in one exec
        assert dev.implementation.name == "micropython"
        assert dev.has_threads is True
        assert dev("sleep is time.sleep") is True  # the default startup ran


@pytest.mark.board
def test_ensure_module_uploads_only_a_changed_module_and_survives_a_reconnect(
    tmp_path: Path,
) -> None:
    require_board()
    root = tmp_path / "fs"

    def module(value: int, code_hash: str) -> str:
        return f'__belay_hash__ = "{code_hash}"\ndef value():\n    return {value}\n'

    with belay.Device(f"virtual:{root}", attempts=2, reconnect_delay=0.1) as dev:
        assert dev.ensure_module("gen_mod", module(1, "h1"), "h1") is True
        assert dev.ensure_module("gen_mod", module(1, "h1"), "h1") is False  # warm: no upload
        assert dev("gen_mod.value()") == 1
        assert dev.ensure_module("gen_mod", module(2, "h2"), "h2") is True
        assert dev("gen_mod.value()") == 2  # the new code, not the module imported before
        assert (root / "lib" / "gen_mod.py").read_text().startswith('__belay_hash__ = "h2"')
        dev.transport.close()
        assert dev("gen_mod.value()") == 2  # the import was replayed
        assert dev.session.history.definitions == ["module gen_mod"]


@pytest.mark.board
def test_a_sync_is_kept_once_and_a_dry_run_never(
    virtual_board: VirtualBoard, tmp_path: Path
) -> None:
    (tmp_path / "app.py").write_text("X = 1\n")
    with belay.Device(virtual_board.path) as dev:
        report = dev.sync(tmp_path, dst="/app", dry_run=True)
        assert report.dry_run and report.uploaded == ("/app/app.py",)
        assert dev.session.history.definitions == []
        assert dev.sync(tmp_path, dst="/app").uploaded == ("/app/app.py",)
        assert dev.sync(tmp_path, dst="/app").uploaded == ()
        assert dev.session.history.definitions == [f"sync {tmp_path} /app"]
