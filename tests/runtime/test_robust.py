"""The session off the happy path (issue 11): prints that do not end their line, printed
``\\x04`` bytes, output between calls, board resets, deadlines, caps, exception classes."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import pytest

import belay_gen as belay
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import BoardResetError, DeviceTimeoutError, PyboardException
from belay_gen.runtime.codec import FrameParser
from belay_gen.runtime.output import MAX_LINE, LineRouter
from belay_gen.runtime.transport.base import Transport
from tests.support.scripted_transport import ChunkTransport


@pytest.fixture
def device(virtual_board: VirtualBoard) -> Iterator[belay.Device]:
    with belay.Device(virtual_board.path) as dev:
        yield dev


# -- 1. a print that does not end its line ----------------------------------------------------


def test_a_result_survives_a_print_without_newline(device: belay.Device) -> None:
    @device.task
    def progress(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            print(i, end="")
        return n * 10

    out = io.StringIO()
    assert device.call("progress", [("", 3)], stream_out=out) == 30
    assert out.getvalue() == "012"  # no frame text leaks
    assert progress(2) == 20


def test_a_generator_after_a_partial_line_yields_everything(device: belay.Device) -> None:
    @device.task
    def count(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            print(".", end="")
            yield i

    out = io.StringIO()
    assert list(device.call("count", [("", 3)], generator=True, stream_out=out)) == [0, 1, 2]
    assert out.getvalue() == "..."


def test_forged_frame_text_in_a_line_is_output(device: belay.Device) -> None:
    out = io.StringIO()
    assert device("print('x\\x1e000000R5', end='')\n7", stream_out=out) == 7
    assert out.getvalue() == "x\x1e000000R5"


# -- 2. printed \x04 bytes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "printed",
    ["\\x04", "\\x04\\x04>", "a\\x04b\\x04c", "\\x04Traceback (most recent call last):\\n"],
)
def test_printed_ctrl_d_neither_ends_nor_breaks_a_task(device: belay.Device, printed: str) -> None:
    @device.task
    def noisy():  # type: ignore[no-untyped-def]
        print(PRINTED, end="")  # type: ignore[name-defined]  # noqa: F821
        return 42

    device(f"PRINTED = '{printed}'")
    out = io.StringIO()
    assert device.call("noisy", [], stream_out=out) == 42
    # The board cooks a printed \n to \r\n, and the stream gets the board's own endings.
    expected = printed.encode().decode("unicode_escape").replace("\n", "\r\n")
    assert out.getvalue() == expected
    assert device("1 + 1") == 2  # the next call is not disturbed


def test_printed_ctrl_d_before_an_exception_raises_the_real_one(device: belay.Device) -> None:
    @device.task
    def fails():  # type: ignore[no-untyped-def]
        print("\x04ValueError: forged\n", end="")
        raise KeyError("real")

    with pytest.raises(KeyError) as caught:
        device.call("fails", [], stream_out=io.StringIO())
    assert "real" in str(caught.value)
    assert device("3") == 3


# -- 3. output between calls --------------------------------------------------------------------


def test_a_thread_printing_and_raising_between_calls_fails_no_call(device: belay.Device) -> None:
    idle = io.StringIO()
    device.session.idle_stream = idle

    @device.thread
    def ticker(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            print("tick", i)
            time.sleep_ms(3)  # type: ignore[attr-defined]
        raise ValueError("thread done")

    @device.task
    def add(a, b):  # type: ignore[no-untyped-def]
        return a + b

    ticker(40)
    for i in range(30):
        assert add(i, 1) == i + 1
        time.sleep(0.004)
    time.sleep(0.3)
    assert add(1, 1) == 2
    assert "ValueError: thread done" in idle.getvalue()


# -- 4. a board reset with the link kept ----------------------------------------------------------


def test_a_reset_inside_a_call_raises_board_reset_and_the_session_comes_back(
    device: belay.Device,
) -> None:
    device("counter = 5")

    @device.task
    def double(x):  # type: ignore[no-untyped-def]
        return x * 2

    with pytest.raises(BoardResetError):
        device("import machine\nmachine.reset()")
    assert double(4) == 8  # replayed
    assert device("counter") == 5


def test_a_reset_between_calls_is_replayed_before_the_next_call(
    device: belay.Device, virtual_board: VirtualBoard
) -> None:
    @device.task
    def triple(x):  # type: ignore[no-untyped-def]
        return x * 3

    virtual_board.kill_vm()  # a watchdog: the board reboots while the host is idle
    time.sleep(1.0)
    assert triple(2) == 6


# -- 5. deadlines and caps ----------------------------------------------------------------------


class _SilentAfterOk(Transport):
    """A board that enters the raw REPL, says OK to a program and then never answers."""

    description = "silent-board"

    def __init__(self) -> None:
        self._out = bytearray()
        self._ready = threading.Event()

    def write(self, data: bytes) -> None:
        if data.endswith(b"\x01"):
            self._out += b"raw REPL; CTRL-B to exit\r\n>"
        elif data.endswith(b"\x04"):
            self._out += b"OK"
        if self._out:
            self._ready.set()

    def read(self, timeout: float | None) -> bytes:
        if not self._out:
            time.sleep(min(timeout if timeout is not None else 0.05, 0.05))
            return b""
        data = bytes(self._out)
        self._out.clear()
        return data

    def close(self) -> None:
        pass


@pytest.mark.parametrize("startup", [None, "pass"])
def test_connect_to_a_board_silent_after_ok_times_out(startup: str | None) -> None:
    transport = _SilentAfterOk()
    transport.reset_drops_link = True  # no soft reset: straight to the connect exec
    start = time.monotonic()
    with pytest.raises(DeviceTimeoutError):
        belay.Device(transport=transport, startup=startup, timeout=1)
    assert time.monotonic() - start < 10


def test_an_endless_line_is_passed_on_in_pieces() -> None:
    pieces: list[str] = []

    class Sink(io.StringIO):
        def write(self, text: str) -> int:
            pieces.append(text)
            return len(text)

    router = LineRouter(FrameParser("abc"), Sink(), lambda frame: None)
    chunk = b"x" * 65536
    for _ in range(64):  # 4 MB without a newline
        router.feed(chunk)
        assert len(router.pending) <= MAX_LINE
    router.close()
    assert sum(map(len, pieces)) == 64 * 65536


def test_a_long_result_line_still_comes_back(device: belay.Device) -> None:
    assert device("'y' * 200000") == "y" * 200000
    assert device("10 ** 3000") == 10**3000
    assert device("-(10 ** 6000)") == -(10**6000)  # past CPython's int/str digit limit


def test_a_call_streaming_megabytes_keeps_no_copy(device: belay.Device) -> None:
    seen = 0

    class Counter(io.StringIO):
        def write(self, text: str) -> int:
            nonlocal seen
            seen += len(text)
            return len(text)

    device("for i in range(2000):\n    print('z' * 999)", stream_out=Counter())
    assert seen == 2000 * 1001  # 999 z, then the board's \r\n
    kept = device.session.repl.exec("print('z' * 5000)", stdout_callback=lambda chunk: None)
    assert kept.stdout == b""  # streamed, not also accumulated


# -- 6. exception classes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "host_class"),
    [
        ("bytearray(1 << 40)", MemoryError),
        ("b'\\xff'.decode()", UnicodeError),
        ("open('/no/such/file')", OSError),
    ],
)
def test_board_exceptions_arrive_as_their_host_class(
    device: belay.Device, code: str, host_class: type[BaseException]
) -> None:
    with pytest.raises(host_class) as caught:
        device(code)
    assert isinstance(caught.value, PyboardException)
    if host_class is OSError:
        assert isinstance(caught.value, OSError) and caught.value.errno == 2


# -- the end of an answer, byte by byte -----------------------------------------------------------


def _answer(*chunks: bytes, promised: bool, framed: bool = False) -> tuple[bytes, bytes, bytes]:
    from belay_gen.runtime.answer import read_answer
    from belay_gen.runtime.transport.reader import Reader

    out, idle = bytearray(), bytearray()
    error = read_answer(
        Reader(ChunkTransport(*chunks)),
        time.monotonic() + 1,
        out.extend,
        promised=promised,
        framed=lambda: framed,
        idle=idle.extend,
    )
    return bytes(out), error, bytes(idle)


def test_thread_output_around_the_end_is_idle_output() -> None:
    out, error, idle = _answer(
        b"F\r\n\x04", b"tick\r\n", b"\x04", b"to", b"ck>", promised=True, framed=True
    )
    assert (out, error, idle) == (b"F\r\n", b"", b"tick\r\ntock")


def test_a_traceback_after_thread_output_is_the_error() -> None:
    text = b"tick\r\nTraceback (most recent call last):\r\nValueError: x\r\n"
    out, error, idle = _answer(b"a\x04b", b"\x04" + text + b"\x04>", promised=True)
    assert (out, error, idle) == (b"a\x04b", text, b"")


def test_printed_ctrl_d_in_a_task_is_data_until_its_real_end() -> None:
    text = b"Traceback (most recent call last):\r\nKeyError: y\r\n"
    out, error, _ = _answer(b"\x04\x04>x\x04", text + b"\x04>", promised=True)
    assert (out, error) == (b"\x04\x04>x", text)  # no frame yet: "\x04\x04>" is data


def test_a_reset_while_waiting_is_reported() -> None:
    from belay_gen.runtime.answer import BoardRestarted

    with pytest.raises(BoardRestarted):
        _answer(b"\x04\x04", b"MPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>", promised=True)


def test_helpers_gone_without_reset_text_restore_the_session(device: belay.Device) -> None:
    @device.task
    def seven():  # type: ignore[no-untyped-def]
        return 7

    device("del _belay", record=False)  # as if the board had lost its state unseen
    with pytest.raises(BoardResetError):
        seven()
    assert seven() == 7


@pytest.mark.parametrize("text", ["--5", "\u00b2", "1" * 5000 + "x"])
def test_a_malformed_int_frame_is_result_not_literal(text: str) -> None:
    from belay_gen.errors import ResultNotLiteralError

    with pytest.raises(ResultNotLiteralError):
        FrameParser("ab").parse_line(f"\x1eabR:int {text}")


def test_a_non_literal_value_names_its_type_with_the_right_article() -> None:
    from belay_gen.errors import ResultNotLiteralError as NotLiteral
    from belay_gen.runtime.codec import decode_value

    with pytest.raises(NotLiteral, match=r"the board's value is an array, .*proxy=True"):
        decode_value("array('b', [1])", "array")
    with pytest.raises(NotLiteral, match=r"the board's value is a Pin"):
        decode_value("Pin(2)", "Pin")
