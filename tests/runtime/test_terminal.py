"""device.terminal(): keys to the board, board output to the host, Ctrl-] leaves."""

from __future__ import annotations

import io
import os
import time

from belay_gen.runtime.terminal import run_terminal
from tests.support.scripted_transport import ScriptedTransport


class _Echo(ScriptedTransport):
    def read(self, timeout: float | None) -> bytes:
        data = super().read(timeout)
        if not data:
            time.sleep(0.005)  # a real link blocks; do not spin
        return data


def test_keys_go_to_the_board_until_ctrl_right_bracket() -> None:
    board = _Echo(lambda data: b">>> " + data)
    read_end, write_end = os.pipe()
    os.write(write_end, b"1+1\n\x1dnever sent")
    os.close(write_end)
    shown = io.BytesIO()
    try:
        run_terminal(board, keys=read_end, output=shown)
    finally:
        os.close(read_end)
    assert board.written == [b"1+1\r"]  # Enter is a carriage return, as a terminal sends
    assert shown.getvalue() == b">>> 1+1\r"
