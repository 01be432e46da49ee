"""The whole AOT flow: build examples/blink-aot, connect through its stub to a virtual board,
call its functions, and check that a warm start uploads nothing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from belay_gen.build import build
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import SyncTransferError
from belay_gen.project import load_config

EXAMPLE = Path(__file__).parent.parent / "examples" / "blink-aot"


def _load_stub(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("blink_aot_stub", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_example_runs_through_its_stub_and_a_warm_start_uploads_nothing(
    tmp_path: Path, board_root: Path, virtual_port: str
) -> None:
    report = build(load_config(EXAMPLE, out=str(tmp_path / "out")))
    assert report.modules == ["blink"]
    stub = _load_stub(tmp_path / "out" / "host" / "blink.py")
    port = virtual_port
    installed = board_root / "lib" / "blink.py"

    board = stub.connect(port)
    try:
        assert installed.read_text() == stub.CODE
        board.set_led(True)
        assert board.led_is_on() is True
        assert list(board.pulse(3)) == [0, 1, 0]
    finally:
        board.device.close()
    uploaded_at = installed.stat().st_mtime_ns

    warm = stub.connect(port)
    try:
        assert installed.stat().st_mtime_ns == uploaded_at, "a warm start re-uploaded the module"
        assert warm.device.ensure_module(stub.MODULE, stub.CODE, stub.CODE_HASH) is False
        warm.set_led(False)
        assert warm.led_is_on() is False
    finally:
        warm.device.close()


def test_a_stub_connect_that_fails_leaves_the_port_free(
    tmp_path: Path, board_root: Path, virtual_board: VirtualBoard
) -> None:
    build(load_config(EXAMPLE, out=str(tmp_path / "out")))
    stub = _load_stub(tmp_path / "out" / "host" / "blink.py")
    (board_root / "lib").write_text("a file where the module's folder should be\n")
    failure: BaseException | None = None
    try:
        stub.connect(virtual_board.path)
    except Exception as exc:  # the board's own error: /lib is no folder
        failure = exc  # kept, as a logged error would be: its traceback holds the Device
    assert isinstance(failure, SyncTransferError), failure
    (board_root / "lib").unlink()
    board = stub.connect(virtual_board.path)  # not PortBusyError: the failed connect closed
    try:
        assert board.led_is_on() in (True, False)
    finally:
        board.device.close()
