"""The raw-REPL engine against MicroPython's own C raw REPL, and its frame parser on scripts.

Board tests run twice: on bare ``micropython -i`` behind a plain relay (the reference, nothing
added) and on the virtual board. Interrupts and soft resets need what only the virtual board
adds (Ctrl-C while code runs, a reset that does not kill the VM), so those run there only.
"""

from __future__ import annotations

import os
import pty
import re
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import (
    DeviceTimeoutError,
    ProtocolError,
    PyboardException,
    ResultNotLiteralError,
)
from belay_gen.runtime.implementation import Implementation, probe
from belay_gen.runtime.repl import BANNER, RawRepl
from belay_gen.runtime.tracebacks import board_exception
from belay_gen.runtime.transport.serial import SerialTransport
from tests.support.scripted_transport import ScriptedBoard, ScriptedTransport

Run = Callable[[bytes], tuple[bytes, bytes]]


def _unix(output: bytes) -> bytes:
    """Board output with ``\\n`` line ends: a real board (and the virtual one) cooks them to
    ``\\r\\n``; ``micropython -i`` on a raw tty does not."""
    return output.replace(b"\r\n", b"\n")


@pytest.fixture(params=["micropython-i", "virtual-board"])
def board_path(request: pytest.FixtureRequest) -> str:
    name = "unix_port" if request.param == "micropython-i" else "virtual_board"
    path: str = request.getfixturevalue(name).path
    return path


def _connect(path: str) -> Iterator[RawRepl]:
    with SerialTransport(path) as transport:
        repl = RawRepl(transport)
        repl.enter()
        yield repl


@pytest.fixture
def repl(board_path: str) -> Iterator[RawRepl]:
    """A raw REPL on each reference board."""
    yield from _connect(board_path)


@pytest.fixture
def vrepl(virtual_board: VirtualBoard) -> Iterator[RawRepl]:
    """A raw REPL on the virtual board (interrupts and resets work there)."""
    yield from _connect(virtual_board.path)


# -- on a board ----------------------------------------------------------------------------


@pytest.mark.board
def test_exec_returns_stdout_and_error_text(repl: RawRepl) -> None:
    result = repl.exec("print('hello')\n1/0")
    assert _unix(result.stdout) == b"hello\n"
    assert not result.ok
    assert result.error.rstrip().endswith("ZeroDivisionError: divide by zero")


@pytest.mark.board
def test_board_exception_carries_type_and_traceback(repl: RawRepl) -> None:
    with pytest.raises(PyboardException) as caught:
        repl.exec_or_raise("def f():\n    raise ValueError('bad value')\nf()")
    assert caught.value.exc_type == "ValueError"
    assert str(caught.value) == "ValueError: bad value"
    assert "line 2, in f" in caught.value.board_traceback
    assert _unix(repl.exec_or_raise("print(2)")) == b"2\n"  # still in sync


@pytest.mark.board
def test_raw_paste_is_used_and_remembered(repl: RawRepl) -> None:
    assert repl.raw_paste is None
    code = "\n".join(f"a{i} = {i}" for i in range(2000)) + "\nprint(a1999)"  # ~24 KB, many windows
    assert _unix(repl.exec_or_raise(code)) == b"1999\n"
    assert repl.raw_paste is True


@pytest.mark.board
def test_plain_raw_gives_the_same_answers(repl: RawRepl) -> None:
    code = "\n".join(f"b{i} = {i}" for i in range(250)) + "\nprint(b249)\nraise OSError(5)"
    plain = repl.exec(code, paste=False)
    pasted = repl.exec(code)
    assert plain == pasted
    assert _unix(plain.stdout) == b"249\n" and "OSError: [Errno 5]" in plain.error


@pytest.mark.board
def test_syntax_error_mid_upload_is_reported_and_resynced(repl: RawRepl) -> None:
    # The board stops reading at the error (\x04 mid-upload); the host must answer \x04.
    with pytest.raises(PyboardException) as caught:
        repl.exec_or_raise("1 +* 2\n" + "#" * 3000 + "\n")
    assert caught.value.exc_type == "SyntaxError"
    assert _unix(repl.exec_or_raise("print(3)")) == b"3\n"


@pytest.mark.board
def test_stdout_streams_while_the_code_runs(repl: RawRepl) -> None:
    chunks: list[tuple[float, bytes]] = []
    code = "import time\nprint('first')\ntime.sleep(0.3)\nprint('second')"
    result = repl.exec(code, stdout_callback=lambda c: chunks.append((time.monotonic(), c)))
    done = time.monotonic()
    assert result.stdout == b""  # handed to the callback, not also kept
    assert _unix(b"".join(c for _, c in chunks)) == b"first\nsecond\n"
    first_at = next(t for t, c in chunks if b"first" in c)
    assert done - first_at > 0.2, "the first line only arrived when the code finished"


@pytest.mark.board
def test_large_output(repl: RawRepl) -> None:
    result = repl.exec("for i in range(100):\n    print('%04d' % i + 'x' * 1019)")
    assert len(_unix(result.stdout)) == 100 * 1024
    assert result.stdout.splitlines()[99].startswith(b"0099x")


@pytest.mark.board
def test_eval_and_probe(repl: RawRepl) -> None:
    assert repl.eval("1 + 1") == 2
    assert repl.eval("[b'a', {'k': (1.5, None)}]") == [b"a", {"k": (1.5, None)}]
    with pytest.raises(ResultNotLiteralError, match="not a Python literal"):
        repl.eval("object()")
    impl = probe(repl)
    assert impl.name == "micropython" and impl.platform == "linux"
    assert impl.version >= (1, 14, 0)
    assert set(impl.emitters) <= {"native", "viper"}
    assert impl.mpy_version == 6 and impl.arch is not None


@pytest.mark.board
def test_empty_code_is_not_a_soft_reset(repl: RawRepl) -> None:
    # An empty raw buffer + Ctrl-D soft-resets a board (and ends `micropython -i`).
    repl.exec_or_raise("marker = 7")
    assert repl.exec("", paste=False).ok
    assert repl.exec("").ok
    assert repl.eval("marker") == 7


@pytest.mark.board
def test_enter_from_friendly_and_from_raw(repl: RawRepl) -> None:
    repl.exit_raw()
    repl.enter()
    repl.enter()
    assert _unix(repl.exec_or_raise("print(4)")) == b"4\n"


@pytest.mark.board
def test_timeout_interrupts_and_the_next_exec_works(vrepl: RawRepl) -> None:
    started = time.monotonic()
    with pytest.raises(DeviceTimeoutError, match="interrupted"):
        vrepl.exec("while True:\n    pass", timeout=0.3)
    assert time.monotonic() - started < 2
    assert vrepl.in_raw
    assert _unix(vrepl.exec_or_raise("print('after')")) == b"after\n"


@pytest.mark.board
def test_host_ctrl_c_interrupts_the_board_and_is_reraised(vrepl: RawRepl) -> None:
    def stop(chunk: bytes) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        vrepl.exec("print('x')\nwhile True:\n    pass", stdout_callback=stop)
    assert _unix(vrepl.exec_or_raise("print('after')")) == b"after\n"


@pytest.mark.board
def test_enter_interrupts_a_running_program(virtual_board: VirtualBoard) -> None:
    with SerialTransport(virtual_board.path) as transport:
        RawRepl(transport).enter()
        transport.write(b"import time\nwhile True:\n    time.sleep(0.01)\x04")  # plain raw
        time.sleep(0.1)
        repl = RawRepl(transport)  # a new host that finds the board busy
        repl.enter()
        assert _unix(repl.exec_or_raise("print(5)")) == b"5\n"


@pytest.mark.board
def test_soft_reset_returns_boot_output(virtual_board: VirtualBoard, board_root: Path) -> None:
    (board_root / "boot.py").write_text("print('booted')\n")
    with SerialTransport(virtual_board.path) as transport:
        repl = RawRepl(transport)
        repl.exec_or_raise("leftover = 1")
        streamed: list[bytes] = []
        assert repl.soft_reset(output_callback=streamed.append) == b"booted\r\n"
        assert b"".join(streamed) == b"booted\r\n"
        assert repl.eval("'leftover' in globals()") is False


@pytest.mark.board
def test_run_main_resets_from_the_friendly_prompt(
    virtual_board: VirtualBoard, board_root: Path
) -> None:
    (board_root / "main.py").write_text("open('/ran.txt', 'w').write('main ran')\n")
    with SerialTransport(virtual_board.path) as transport:
        repl = RawRepl(transport)
        repl.enter()
        repl.soft_reset()  # a raw-REPL reset skips main.py
        assert not (board_root / "ran.txt").exists()
        repl.run_main()
        ran, deadline = board_root / "ran.txt", time.monotonic() + 10
        # The file appears (empty) before main.py's write lands: wait for the content.
        while not (ran.exists() and ran.read_text()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ran.read_text() == "main ran"
        assert not repl.in_raw


def test_silent_port_times_out_naming_the_port() -> None:
    master, slave = pty.openpty()  # nothing behind it
    tty.setraw(slave)
    path = os.ttyname(slave)
    try:
        with SerialTransport(path) as transport:
            started = time.monotonic()
            with pytest.raises(DeviceTimeoutError) as caught:
                RawRepl(transport).enter(timeout=0.5)
            assert 0.4 < time.monotonic() - started < 1.5
    finally:
        os.close(master)
        os.close(slave)
    assert path in str(caught.value)
    assert "is a MicroPython board connected" in str(caught.value)


# -- frame parser, on a scripted board -----------------------------------------------------


_MARK_LINE = re.compile(rb'print\("(_BELAYX[^"]+)",end=""\)\n$')


def _marked(run: Run) -> Run:
    """``run`` on a scripted board that, as MicroPython would, prints the end mark the host
    adds as the code's last line (unless the code raised)."""

    def wrapped(code: bytes) -> tuple[bytes, bytes]:
        mark = _MARK_LINE.search(code)
        stdout, error = run(code[: mark.start()].removesuffix(b"\n") if mark else code)
        return (stdout + mark.group(1) if mark and not error else stdout), error

    return wrapped


def _echo_run(code: bytes) -> tuple[bytes, bytes]:
    return b"ran " + str(len(code)).encode() + b"\r\n", b""


def _scripted(
    paste: str = "yes", window: int = 8
) -> tuple[RawRepl, ScriptedBoard, ScriptedTransport]:
    board = ScriptedBoard(_marked(_echo_run), paste=paste, window=window)
    transport = ScriptedTransport(board)
    return RawRepl(transport), board, transport


def _sent(repl: RawRepl, code: str | bytes) -> bytes:
    """The program the host sends for ``code``: the code, then the end mark's line."""
    return repl.end_mark.append_to(code.encode() if isinstance(code, str) else code)


def test_raw_paste_respects_the_flow_control_window() -> None:
    repl, board, transport = _scripted(window=8)
    code = bytes(range(32, 127)) * 3  # 285 bytes (over the plain-raw limit): 36 windows
    assert repl.exec(code).stdout == b"ran 285\r\n"
    assert board.programs == [_sent(repl, code)]
    assert repl.raw_paste is True
    assert all(len(w) <= 16 + 1 for w in transport.written)  # never more than granted


@pytest.mark.parametrize("paste", ["no", "old"])
def test_falls_back_to_plain_raw_once(paste: str) -> None:
    repl, board, transport = _scripted(paste=paste)
    first = "x = 1" + "#" * 300  # over 256 bytes, so raw-paste is asked for
    assert repl.exec(first).stdout == b"ran 305\r\n"
    assert repl.raw_paste is False
    transport.written.clear()
    second = "y = 22" + "#" * 300
    assert repl.exec(second).stdout == b"ran 306\r\n"
    assert b"\x05A\x01" not in b"".join(transport.written)  # no second raw-paste request
    assert board.programs == [_sent(repl, first), _sent(repl, second)]


def test_small_code_goes_in_one_plain_raw_write() -> None:
    repl, board, transport = _scripted()
    repl.enter()
    transport.written.clear()
    assert repl.exec("z = 3").stdout == b"ran 5\r\n"
    assert transport.written == [_sent(repl, "z = 3") + b"\x04"]
    assert board.programs == [_sent(repl, "z = 3")]
    assert repl.raw_paste is None  # the board was never asked


def test_paste_true_uses_raw_paste_for_small_code() -> None:
    repl, board, transport = _scripted()
    assert repl.exec("z = 3", paste=True).stdout == b"ran 5\r\n"
    assert b"\x05A\x01" in b"".join(transport.written)
    assert board.programs == [_sent(repl, "z = 3")]
    assert repl.raw_paste is True


def test_plain_raw_sends_256_byte_chunks() -> None:
    repl, board, transport = _scripted()
    repl.enter()
    transport.written.clear()
    code = b"#" * 600
    repl.exec(code, paste=False)
    size = len(_sent(repl, code))
    assert [len(w) for w in transport.written] == [256, 256, size - 512 + 1]
    assert transport.written[-1].endswith(b"\x04")
    assert board.programs == [_sent(repl, code)]
    assert repl.raw_paste is None  # never asked


def test_error_text_and_stdout_are_split() -> None:
    board = ScriptedBoard(lambda code: (b"out\r\n", b"Traceback...\r\nKeyError: 'k'\r\n"))
    repl = RawRepl(ScriptedTransport(board))
    with pytest.raises(PyboardException) as caught:
        repl.exec_or_raise("d['k']")
    assert caught.value.exc_type == "KeyError"
    assert caught.value.board_traceback == "Traceback...\r\nKeyError: 'k'\r\n"


def test_empty_code_never_sends_a_bare_ctrl_d() -> None:
    repl, board, _ = _scripted(paste="no")
    repl.exec(b"")
    assert board.programs == [repl.end_mark.statement.encode()]


def test_control_bytes_in_code_are_refused() -> None:
    repl, _, _ = _scripted()
    with pytest.raises(ValueError, match="Ctrl-C/Ctrl-D"):
        repl.exec("print('\x04')")


def test_an_unknown_raw_paste_answer_is_idle_output_then_a_timeout() -> None:
    def respond(data: bytes) -> bytes:
        if data.endswith(b"\x01") and not data.startswith(b"\x05"):
            return BANNER
        return b"??" if data == b"\x05A\x01" else b""

    repl = RawRepl(ScriptedTransport(respond))
    idle = bytearray()
    with pytest.raises(DeviceTimeoutError, match="raw-paste answer"):
        repl.exec("1" + " " * 300, idle=idle.extend)
    assert idle == b"??"


@pytest.mark.parametrize(
    ("text", "exc_type", "message"),
    [
        (
            'Traceback (most recent call last):\n  File "<stdin>", line 1\nValueError: x\n',
            "ValueError",
            "ValueError: x",
        ),
        ("KeyboardInterrupt: \r\n", "KeyboardInterrupt", "KeyboardInterrupt:"),
        ("Traceback...\nStopIteration\n", "StopIteration", "StopIteration"),
        ("something odd happened", "", "something odd happened"),
        ("", "", "unknown error"),
    ],
)
def test_board_exception_parses_the_last_line(text: str, exc_type: str, message: str) -> None:
    exc = board_exception(text)
    assert (exc.exc_type, str(exc), exc.board_traceback) == (exc_type, message, text)


def test_implementation_from_probe_reply() -> None:
    impl = Implementation.from_probe("('circuitpython', (9, 1), 'RP2040', ('native',), 2822)\n")
    assert impl == Implementation("circuitpython", (9, 1, 0), "RP2040", ("native",), 6, "x64")
    with pytest.raises(ProtocolError):
        Implementation.from_probe("garbage")


# -- printed data and board threads cannot end or break an exec ------------------------------


@pytest.mark.board
@pytest.mark.parametrize("printed", ["a\\x04b\\x04>c", "\\x04\\x04>", "x\\x04ValueError: no\\n"])
def test_printed_ctrl_d_does_not_end_a_plain_exec(repl: RawRepl, printed: str) -> None:
    # Bytes read from a UART may hold the raw REPL's own end: "\x04 error \x04>".
    out = repl.exec_or_raise(f"import sys\nsys.stdout.write('{printed}')\nprint('after')")
    expected = printed.encode().decode("unicode_escape").encode()
    assert _unix(out) == expected + b"after\n"
    assert _unix(repl.exec_or_raise("print(1)")) == b"1\n"  # still in step


@pytest.mark.board
def test_the_end_mark_never_reaches_stdout(repl: RawRepl) -> None:
    mark = repl.end_mark.text
    chunks: list[bytes] = []
    repl.exec("print('x', end='')", stdout_callback=chunks.append)
    assert b"".join(chunks) == b"x"
    assert mark not in repl.exec("print(1)").stdout
    assert repl.eval("2 * 21") == 42


def _paste_board(chatter: bytes, reset: bool = False) -> tuple[RawRepl, bytearray]:
    """A scripted board whose thread prints ``chatter`` before each raw-paste answer and
    between window grants (or, with ``reset``, that reboots instead of answering)."""
    board = ScriptedBoard(_marked(_echo_run), paste="yes", window=64)

    def respond(data: bytes) -> bytes:
        answer = board(data)
        if data == b"\x05A\x01":
            boot = b'rst:0xc\r\nMicroPython v1.24; type "help()" for more information.\r\n>>> '
            return boot if reset else chatter + answer
        return answer.replace(b"\x01", chatter + b"\x01") if answer.count(b"\x01") else answer

    idle = bytearray()
    return RawRepl(ScriptedTransport(respond)), idle


def test_thread_output_around_the_raw_paste_handshake_is_idle_output() -> None:
    repl, idle = _paste_board(b"tick R tick\r\n")
    code = "x = 1" + "#" * 300
    assert repl.exec(code, idle=idle.extend).stdout == b"ran 305\r\n"
    assert repl.raw_paste is True
    assert idle.startswith(b"tick R tick\r\n") and idle.count(b"tick") >= 4


def test_a_reset_during_the_raw_paste_handshake_is_a_board_reset() -> None:
    from belay_gen.errors import BoardResetError

    repl, idle = _paste_board(b"", reset=True)
    with pytest.raises(BoardResetError):
        repl.exec("x = 1" + "#" * 300, idle=idle.extend)


def test_thread_output_before_a_soft_reset_ok_is_dropped() -> None:
    board = ScriptedBoard(_echo_run, paste="no")

    def respond(data: bytes) -> bytes:
        if data == b"\x04" and board.mode == "raw" and not board.line:
            return b"tick\r\nOK\r\nMPY: soft reboot\r\n" + BANNER
        return board(data)

    repl = RawRepl(ScriptedTransport(respond))
    repl.enter()
    assert repl.soft_reset() == b""
    assert repl.in_raw


_BOOT = b'rst:0xc\r\nMicroPython v1.24; type "help()" for more information.\r\n>>> '


def test_a_reset_before_the_ok_is_a_board_reset_not_a_timeout() -> None:
    board = ScriptedBoard(_marked(_echo_run), paste="no")

    def respond(data: bytes) -> bytes:
        if data.endswith(b"\x04") and len(data) > 1 and not board.programs:
            board.programs.append(data)
            board.mode = "friendly"
            return _BOOT  # the board rebooted instead of answering; silent at its prompt
        return board(data)

    from belay_gen.errors import BoardResetError

    repl = RawRepl(ScriptedTransport(respond))
    with pytest.raises(BoardResetError):  # seen at the prompt (not a timeout: no OK comes)
        repl.exec("x = 1")
    assert repl.exec("y = 2").stdout == b"ran 5\r\n"  # re-entered the raw REPL


def test_a_hard_reset_during_a_soft_reset_leaves_a_fresh_raw_repl() -> None:
    board = ScriptedBoard(_echo_run, paste="no")

    def respond(data: bytes) -> bytes:
        if data == b"\x04" and board.mode == "raw" and not board.line:
            board.mode = "friendly"  # a watchdog fired: boot text, then the friendly prompt
            return b"OK\r\n" + _BOOT
        return board(data)

    repl = RawRepl(ScriptedTransport(respond))
    repl.enter()
    assert repl.soft_reset(timeout=30) == b""
    assert repl.in_raw and board.mode == "raw"


@pytest.mark.parametrize("size", [1, 3, 7, 64])
def test_the_end_mark_filter_holds_back_only_what_may_be_the_mark(size: int) -> None:
    from belay_gen.runtime.endmark import EndMark

    end = EndMark()
    near = end.text[:-1] + b"x"  # differs in its last byte (the mark ends in a hex digit)
    text = b"a_BELAYX" + near + end.text + b"tick"
    out = bytearray()
    marks = end.watch(out.extend)
    for start in range(0, len(text), size):
        marks.feed(text[start : start + size])
        assert not marks.done() or start + size >= text.index(end.text, 9) + len(end.text)
    marks.close()
    assert marks.done()
    assert out == b"a_BELAYX" + near + b"tick"


def test_an_end_mark_that_never_came_is_passed_on_at_close() -> None:
    from belay_gen.runtime.endmark import EndMark

    end = EndMark()
    out = bytearray()
    marks = end.watch(out.extend)
    marks.feed(b"x" + end.text[:5])
    assert out == b"x"
    marks.close()
    assert out == b"x" + end.text[:5] and not marks.done()


# -- an answer that ends without its end mark; bounded waits -----------------------------------


def test_an_answer_without_its_end_mark_is_a_protocol_error_at_once() -> None:
    # A board that ends the answer (\x04\x04>) but never printed the mark: a damaged answer,
    # or no MicroPython. The host asks once (Ctrl-A: the banner) instead of waiting it out.
    unmarked = iter([True])
    board = ScriptedBoard(
        lambda code: (b"ran\r\n", b"") if next(unmarked, False) else _marked(_echo_run)(code),
        paste="no",
    )
    repl = RawRepl(ScriptedTransport(board))
    with pytest.raises(ProtocolError, match="without its end mark"):
        repl.exec("x = 1", timeout=60)
    assert repl.exec("y = 2").stdout == b"ran 5\r\n"  # the board is back at the raw prompt


@pytest.mark.board
@pytest.mark.parametrize("pause", [0.8, 1.7])  # the program ends during the question; after
def test_a_printed_end_then_silence_is_still_data(repl: RawRepl, pause: float) -> None:
    # The program prints the raw REPL's own end, then keeps running silently for longer than
    # the quiet period: the host's question (Ctrl-A) goes unanswered, so it waits on, and the
    # banner the Ctrl-A brings after the real end is taken out, not seen as a reset.
    code = f"import sys, time\nsys.stdout.write('a\\x04\\x04>')\ntime.sleep({pause})\nprint('b')"
    assert _unix(repl.exec_or_raise(code, timeout=20)) == b"a\x04\x04>b\n"
    assert not repl.drain_idle(None)  # nothing left over: no banner, no "reset"
    assert _unix(repl.exec_or_raise("print(3)")) == b"3\n"


@pytest.mark.board
def test_output_kept_whole_is_capped(vrepl: RawRepl, monkeypatch: pytest.MonkeyPatch) -> None:
    import belay_gen.runtime.answer as answer

    monkeypatch.setattr(answer, "MAX_OUTPUT", 4096)
    with pytest.raises(ProtocolError, match="pass stdout_callback"):
        vrepl.exec("for i in range(100):\n    print('x' * 99)")
    streamed = bytearray()
    vrepl.exec("for i in range(100):\n    print('x' * 99)", stdout_callback=streamed.extend)
    assert len(streamed) >= 10000  # a callback takes any amount


def test_a_raw_paste_window_of_zero_is_a_protocol_error() -> None:
    board = ScriptedBoard(_marked(_echo_run), paste="no")

    def respond(data: bytes) -> bytes:
        return b"R\x01\x00\x00" if data == b"\x05A\x01" else board(data)

    repl = RawRepl(ScriptedTransport(respond))
    with pytest.raises(ProtocolError, match="window of 0 bytes"):
        repl.exec("x = 1" + "#" * 300)


def test_the_limit_bounds_entering_the_raw_repl() -> None:
    master, slave = pty.openpty()  # nothing behind it
    tty.setraw(slave)
    try:
        with SerialTransport(os.ttyname(slave)) as transport:
            repl = RawRepl(transport, limit=1.0)
            assert repl.step_timeout == 1.0
            with pytest.raises(DeviceTimeoutError, match="within 1 s"):
                repl.enter()
    finally:
        os.close(master)
        os.close(slave)
    assert RawRepl(ScriptedTransport(lambda data: b""), limit=0.01).step_timeout == 1.0  # MIN_WAIT
    assert RawRepl(ScriptedTransport(lambda data: b"")).step_timeout == 5.0


def test_the_sync_receivers_end_is_its_end_mark() -> None:
    # A board thread printing the raw REPL's own end while the receiver ends cannot end it
    # early: the receiver's call prints the end mark last.
    from belay_gen.runtime.sync.wire import _finish

    repl = RawRepl(ScriptedTransport(lambda data: b""))
    mark = repl.end_mark.text
    repl.reader.buffer += b"tick\x04\x04>tock" + mark + b"\x04\x04>"
    _finish(repl)
    assert not repl.reader.buffer
    repl.reader.buffer += b"\x04Traceback (most recent call last):\r\nOSError: 28\r\n\x04>"
    with pytest.raises(OSError):
        _finish(repl)


def test_a_line_that_looks_like_a_damaged_frame_is_kept_back_until_more_output() -> None:
    import io

    from belay_gen.runtime.codec import FrameParser
    from belay_gen.runtime.output import LineRouter

    frames: list[object] = []
    stream = io.StringIO()
    router = LineRouter(FrameParser("abcde"), stream, frames.append)
    router.feed(b"go\n\x1eabXdeR:7\n")  # a flipped bit in the nonce: no frame
    assert stream.getvalue() == "go\n"  # dropped if the call fails for want of its frame
    router.feed(b"more\n")  # more output: it was the program's own
    assert stream.getvalue() == "go\n\x1eabXdeR:7\nmore\n"
    router.feed(b"\x1fx\n")
    router.close()  # the end of the call passes it on too
    assert stream.getvalue().endswith("more\n\x1fx\n") and not frames
