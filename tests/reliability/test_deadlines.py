"""Every wait ends within the Device's ``timeout`` (issues 11 and 12), and a damaged answer
fails fast with the documented error, leaving the board usable.

No timed assertions: each case runs under an outer deadline of three times its timeout,
which the old behaviour overran (a silent board after ``OK`` took 15 s with ``timeout=2``:
a 10 s soft reset, then a 5 s recovery; a sync 10 s; a corrupted result frame the whole
timeout). The outer deadline only catches a wait that ignores the timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import belay_gen as belay
from belay_gen.errors import BoardResetError, DeviceTimeoutError, ProtocolError
from tests.support.virtual_boards import FaultOnOutput, SilentAfterOk, profile_board

pytestmark = pytest.mark.board


def _ends_within(seconds: float, work: Callable[[], object]) -> object:
    """What ``work()`` returned or raised; fails when it is still running after ``seconds``
    (it then runs on in a daemon thread until its own deadline)."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # the outcome is what the test checks
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    return outcome[0]


def test_connect_to_a_board_silent_after_ok_ends_within_the_timeout(tmp_path: Path) -> None:
    with profile_board("esp32", tmp_path) as board:
        silent = SilentAfterOk()
        board.faults = silent
        silent.armed = True  # the soft reset's OK comes, then nothing
        result = _ends_within(6, lambda: belay.Device(board.path, timeout=2))
    assert isinstance(result, DeviceTimeoutError), result


def test_connect_to_a_stalled_board_ends_within_the_timeout(tmp_path: Path) -> None:
    with profile_board("unix", tmp_path) as board:
        board.stall(4)  # longer than the outer deadline: the old 5 s wait overran it
        result = _ends_within(3, lambda: belay.Device(board.path, timeout=1))
        board.faults.wait_stall()  # (what the stall held back may reset the board: not checked)
    assert isinstance(result, DeviceTimeoutError), result


def test_sync_to_a_board_silent_after_ok_ends_within_the_timeout(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.py").write_text("A = 1\n" * 50)
    with profile_board("esp32", tmp_path / "board") as board:
        silent = SilentAfterOk()
        board.faults = silent
        with belay.Device(board.path, timeout=2) as device:
            silent.armed = True
            result = _ends_within(6, lambda: device.sync(folder))
    assert isinstance(result, DeviceTimeoutError), result


def test_a_call_into_a_stall_ends_within_a_timeout_set_later(tmp_path: Path) -> None:
    with profile_board("unix", tmp_path) as board, belay.Device(board.path) as device:
        device.timeout = 1  # also bounds the recovery (Ctrl-C) after the call timed out

        @device.task
        def echo(n):  # type: ignore[no-untyped-def]
            print("go")
            time.sleep(0.2)
            return n

        out = FaultOnOutput("go", lambda: board.stall(4))
        result = _ends_within(3, lambda: device.call("echo", [("", 1)], stream_out=out))
        assert isinstance(result, DeviceTimeoutError), result
        board.faults.wait_stall()
        # The unanswered Ctrl-Cs may have made the board reset (as a hung board does).
        after = _ends_within(6, lambda: echo(2))
        assert after == 2 or isinstance(after, BoardResetError), after
        assert echo(3) == 3


def test_a_corrupted_result_frame_is_a_protocol_error_at_once(tmp_path: Path) -> None:
    with profile_board("unix", tmp_path) as board, belay.Device(board.path, timeout=20) as device:
        device.session.idle_stream = None

        @device.task
        def echo(n):  # type: ignore[no-untyped-def]
            print("go")
            time.sleep(0.2)
            return [n, n * 7 + 1]

        # Once "go" is out, flip a bit in the result frame's nonce (after its lead byte): the
        # frame is no frame, and the answer ends without one.
        out = FaultOnOutput("go", lambda: board.corrupt_bytes(from_board=1, after=1))
        result = _ends_within(10, lambda: device.call("echo", [("", 1)], stream_out=out))
        assert isinstance(result, ProtocolError), result
        assert "without its end mark or result frame" in str(result)
        assert out.getvalue().strip() == "go"  # nothing of the damaged frame is shown
        assert echo(2) == [2, 15]  # the board is at its raw REPL, in step
        assert device("1 + 1") == 2


def test_a_corrupted_end_mark_of_a_plain_exec_is_a_protocol_error(tmp_path: Path) -> None:
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    with profile_board("unix", tmp_path) as board, SerialTransport(board.path) as transport:
        repl = RawRepl(transport)
        repl.enter()
        shown = bytearray()

        def show(chunk: bytes) -> None:
            if b"go" not in shown and b"go" in shown + chunk:
                board.corrupt_bytes(from_board=1, after=3)  # inside the mark "_BELAYX..."
            shown.extend(chunk)

        code = "import time\nprint('go')\ntime.sleep(0.2)"
        result = _ends_within(10, lambda: repl.exec(code, timeout=20, stdout_callback=show))
        assert isinstance(result, ProtocolError), result
        assert repl.exec_or_raise("print(5)").strip() == b"5"
