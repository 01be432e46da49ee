"""Issue 11's table of reproduced failures, redone: each row and the tests that prove it
fixed. Most rows were fixed with tests next to the code; this module adds only the rows (or
the parts of rows) no test covered on a board with real limits. R: tests/runtime/, E:
tests/emulator/, F: tests/reliability/.

1. A reset with the link kept, ``attempts=5``: ``ProtocolError``, then ``NameError``.
   R/test_robust.py: test_a_reset_inside_a_call_raises_board_reset_and_the_session_comes_back,
   test_a_reset_between_calls_is_replayed_before_the_next_call;
   F/test_faults.py: test_a_reset_with_the_link_kept (esp32, with ``attempts``).
2. A print without trailing newline loses the result. R/test_robust.py:
   test_a_result_survives_a_print_without_newline,
   test_a_generator_after_a_partial_line_yields_everything,
   test_forged_frame_text_in_a_line_is_output.
3. Printed ``\\x04`` forges an error or breaks the next call. R/test_robust.py:
   test_printed_ctrl_d_neither_ends_nor_breaks_a_task,
   test_printed_ctrl_d_before_an_exception_raises_the_real_one.
4. A board thread printing or raising while the host is idle fails later calls.
   R/test_robust.py: test_a_thread_printing_and_raising_between_calls_fails_no_call;
   F/test_session_faults.py: test_board_threads_printing_through_raw_paste_fail_no_call;
   here, on an esp32 (UART rate, small input ring).
5. A board ``MemoryError`` or ``UnicodeError`` arrives as ``TypeError``. R/test_robust.py:
   test_board_exceptions_arrive_as_their_host_class; here, a real heap exhaustion (esp8266).
6. A script without ``close()`` leaves the board running forever. E/test_lifecycle.py:
   test_a_virtual_board_ends_with_the_process_that_started_it,
   test_a_killed_server_leaves_no_vm_behind.
7. A looping ``main.py`` locks every later connect out. E/test_lifecycle.py:
   test_a_looping_main_py_is_interrupted_by_a_connecting_client.
8. A board silent after ``OK`` hangs connect and ``sync``. R/test_robust.py:
   test_connect_to_a_board_silent_after_ok_times_out (a scripted board);
   F/test_deadlines.py: connect and ``sync`` on the virtual board end within the Device's
   timeout.
9. 300 MB of output or one 32 MB line: host memory without bound. R/test_robust.py:
   test_a_call_streaming_megabytes_keeps_no_copy, test_an_endless_line_is_passed_on_in_pieces,
   test_a_long_result_line_still_comes_back.
10. ``COM3`` on Windows: ``select()`` on a descriptor. R/test_serial_transport.py:
    test_the_portable_pyserial_api_alone_carries_the_link.

Found on the way (``make soak``) and fixed: unique short string arguments exhausted a small
board (MicroPython interns short literals for good; runtime/codec.py now sends them padded and
sliced back): the last test.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

import belay_gen as belay
from belay_gen.emulator.profiles import get_profile
from belay_gen.emulator.relay import VirtualBoard
from tests.support.requirements import require_board
from tests.support.virtual_boards import profile_board

pytestmark = pytest.mark.board


def test_row_4_a_thread_printing_on_a_uart_board_fails_no_call(tmp_path: Path) -> None:
    with (
        profile_board("esp32", tmp_path) as board,
        belay.Device(board.path, timeout=20) as device,
    ):
        idle = io.StringIO()
        device.session.idle_stream = idle

        @device.thread
        def chatter(n):  # type: ignore[no-untyped-def]
            for i in range(n):
                print("tick", i, end="" if i % 2 else "\\n")
                time.sleep_ms(2)  # type: ignore[attr-defined]
            raise ValueError("thread done")

        @device.task
        def add(a, b):  # type: ignore[no-untyped-def]
            return a + b

        chatter(60)
        for i in range(20):
            assert add(i, 1000) == i + 1000
        deadline = time.monotonic() + 10
        while "thread done" not in idle.getvalue() and time.monotonic() < deadline:
            assert add(1, 1) == 2
        assert "ValueError: thread done" in idle.getvalue()


def test_row_5_a_real_heap_exhaustion_arrives_as_memory_error(tmp_path: Path) -> None:
    with (
        profile_board("esp8266", tmp_path) as board,
        belay.Device(board.path, timeout=20) as device,
    ):
        with pytest.raises(MemoryError):
            device("x = bytearray(64 * 1024)")  # more than a 36K board has
        assert device("len(bytearray(1024))") == 1024  # and the board goes on


def test_found_unique_short_string_arguments_do_not_exhaust_a_small_board(
    tmp_path: Path,
) -> None:
    require_board()
    with (
        VirtualBoard(tmp_path, profile=get_profile(heap=36 * 1024)) as board,
        belay.Device(board.path, timeout=20) as device,
    ):

        @device.task
        def echo(text):  # type: ignore[no-untyped-def]
            return text

        for i in range(800):
            assert echo(f"k{i}") == f"k{i}"
