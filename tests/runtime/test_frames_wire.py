"""Result frames on the wire (issue 13): compact frames, raw bytes-like results, batched
generator values, compact arguments; on the virtual board and byte by byte."""

from __future__ import annotations

import array
import io
import time
from collections.abc import Iterator

import pytest

import belay_gen as belay
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import ResultNotLiteralError
from belay_gen.runtime.codec import (
    RESULT,
    YIELD,
    Frame,
    FrameParser,
    decode_binary,
    encode_call,
    new_nonce,
)
from belay_gen.runtime.output import LineRouter
from tests.support.scripted_transport import ChunkTransport


@pytest.fixture
def board(virtual_board: VirtualBoard) -> Iterator[tuple[VirtualBoard, belay.Device]]:
    with belay.Device(virtual_board.path) as dev:
        yield virtual_board, dev


# -- on the virtual board --------------------------------------------------------------------


def test_a_task_call_costs_few_bytes(board: tuple[VirtualBoard, belay.Device]) -> None:
    virtual, device = board

    @device.task
    def f():  # type: ignore[no-untyped-def]
        return 42

    assert f() == 42
    up, down = virtual.bytes_to_board, virtual.bytes_from_board
    assert f() == 42
    time.sleep(0.05)  # the relay counts what it passed on
    sent, received = virtual.bytes_to_board - up, virtual.bytes_from_board - down
    # "_belay(f())" + Ctrl-D up; "OK", the frame (lead, nonce, "42", "\n"), "\x04\x04>" down.
    assert (sent, received) == (12, 14)
    assert sent + received <= 40


NASTY = b"\x04\x04>\r\n\n\x04Traceback (most recent call last):\n\x04>\x1e\x1f\x00\xff"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("NASTY", NASTY),
        ("bytearray(NASTY)", bytearray(NASTY)),
        ("memoryview(NASTY)", NASTY),
        ("b''", b""),
        ("bytes(range(256)) * 40", bytes(range(256)) * 40),
    ],
)
def test_bytes_like_results_travel_raw_and_keep_their_type(
    board: tuple[VirtualBoard, belay.Device], expression: str, expected: object
) -> None:
    virtual, device = board
    device(f"NASTY = {NASTY!r}")
    up = virtual.bytes_from_board
    value = device(expression)
    time.sleep(0.05)
    assert type(value) is type(expected) or isinstance(value, memoryview)
    assert bytes(value) == bytes(expected)  # type: ignore[call-overload]
    if len(bytes(expected)) > 1000:  # type: ignore[call-overload]
        assert virtual.bytes_from_board - up <= 1.05 * len(bytes(expected))  # type: ignore[call-overload]
    assert device("1 + 1") == 2  # the next call is not disturbed


@pytest.mark.parametrize("typecode", ["b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "f", "d"])
def test_an_array_comes_back_with_its_typecode(
    board: tuple[VirtualBoard, belay.Device], typecode: str
) -> None:
    _, device = board
    values = [1, 2, 3, 100] if typecode.isupper() or typecode in "fd" else [1, -2, 3, -100]
    device("import array")
    value = device(f"array.array({typecode!r}, {values})")
    assert value == array.array(typecode, values)
    assert device(f"array.array({typecode!r})") == array.array(typecode)


def test_a_memoryview_of_an_array_sends_all_its_bytes(
    board: tuple[VirtualBoard, belay.Device],
) -> None:
    _, device = board
    value = device("import array\nmemoryview(array.array('h', [1, 2, 3]))")
    assert isinstance(value, memoryview)
    assert value.tobytes() == array.array("h", [1, 2, 3]).tobytes()


def test_a_100_kb_result_and_a_print_before_it(board: tuple[VirtualBoard, belay.Device]) -> None:
    _, device = board

    @device.task
    def blob(n):  # type: ignore[no-untyped-def]
        print("partial", end="")
        return bytes((i * 7) & 255 for i in range(n))

    out = io.StringIO()
    assert device.call("blob", [("", 102400)], stream_out=out) == bytes(
        (i * 7) & 255 for i in range(102400)
    )
    assert out.getvalue() == "partial"


def test_types_the_host_cannot_infer_are_named(board: tuple[VirtualBoard, belay.Device]) -> None:
    _, device = board
    assert device("{1, 2}") == {1, 2}
    assert device("(1,)") == (1,)
    assert device("None") is None
    assert device("class Big(int): pass\nBig(5)") == 5
    with pytest.raises(ResultNotLiteralError, match="is a range"):
        device("range(3)")
    with pytest.raises(ResultNotLiteralError, match="is a float"):
        device("float('nan')")
    assert device("7") == 7


def test_generator_values_come_in_batches_and_keep_their_order(
    board: tuple[VirtualBoard, belay.Device],
) -> None:
    _, device = board

    @device.task
    def count(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            yield i if i % 100 else b"\x04" * (i % 7)

    frames: list[Frame] = []
    device.session.run("_belayG(count(600))", needs=("generator.py",), on_frame=frames.append)
    values = [v for frame in frames if frame.kind == YIELD for v in frame.value]  # type: ignore[attr-defined]
    assert values == [i if i % 100 else b"\x04" * (i % 7) for i in range(600)]
    assert len(frames) < 60  # batched, not one frame per value
    assert list(count(3)) == [b"", 1, 2]


def test_a_slow_generator_value_arrives_before_the_next_is_made(
    board: tuple[VirtualBoard, belay.Device],
) -> None:
    _, device = board

    @device.task
    def slow():  # type: ignore[no-untyped-def]
        yield 1
        time.sleep_ms(400)  # type: ignore[attr-defined]
        yield 2

    arrived = []
    for value in slow():
        arrived.append((time.monotonic(), value))
    assert [value for _, value in arrived] == [1, 2]
    assert arrived[1][0] - arrived[0][0] > 0.3  # the first was not held for the second


def test_arguments_travel_without_spaces(board: tuple[VirtualBoard, belay.Device]) -> None:
    _, device = board
    call = encode_call("f", [("", [1, (2,), {"a": ()}]), ("k", {3: [4, 5]})])
    assert call == "f([1,(2,),{'a':()}],k={3:[4,5]})"

    @device.task
    def echo(*args, **kwargs):  # type: ignore[no-untyped-def]
        return args, kwargs

    assert echo([1, (2,), {"a": ()}], (), k={3: [4, 5]}) == (
        ([1, (2,), {"a": ()}], ()),
        {"k": {3: [4, 5]}},
    )


# -- byte by byte ------------------------------------------------------------------------------


def _router(nonce: str) -> tuple[LineRouter, list[Frame], io.StringIO]:
    frames: list[Frame] = []
    out = io.StringIO()
    return LineRouter(FrameParser(nonce), out, frames.append), frames, out


def test_a_binary_frame_fed_one_byte_at_a_time() -> None:
    router, frames, out = _router("abcde")
    data = b"\x1e" + b"abcde" + b"=a 4\n" + b"x\ny\x04"
    for byte in b"text\r\n" + b"half" + data + b"after\r\n":
        router.feed(bytes([byte]))
    router.close()
    assert frames == [Frame(RESULT, bytearray(b"x\ny\x04"))]
    assert out.getvalue() == "text\r\nhalfafter\r\n"
    assert router() and router.binary_left == 0


def test_forged_frames_with_another_nonce_are_output() -> None:
    router, frames, out = _router("abcde")
    router.feed(b"\x1eabcdf=y 3\nxyz\n\x1fabcdd1,2\n\x1eabcd\n")
    router.close()
    assert frames == [] and not router()
    assert out.getvalue() == "\x1eabcdf=y 3\nxyz\n\x1fabcdd1,2\n\x1eabcd\n"


def test_the_nonce_without_its_lead_is_output_and_a_frame_may_follow_it() -> None:
    router, frames, out = _router("abcde")
    router.feed(b"abcde xabcde\x1dabcde\x1eabcde[5]\n")
    router.close()
    assert frames == [Frame(RESULT, [5])]
    assert out.getvalue() == "abcde xabcde\x1dabcde"


def test_a_binary_answer_with_ctrl_d_inside_ends_at_its_real_end() -> None:
    from belay_gen.runtime.answer import read_answer
    from belay_gen.runtime.transport.reader import Reader

    payload = b"\x04Traceback (most recent call last):\r\nKeyError: x\r\n\x04>"
    head = b"\x1eabcde=y %d\n" % len(payload)
    router, frames, _ = _router("abcde")
    chunks = [head + payload[:10], payload[10:] + b"\x04", b"\x04>"]
    error = read_answer(
        Reader(ChunkTransport(*chunks)),
        time.monotonic() + 2,
        router.feed,
        promised=True,
        framed=router,
    )
    assert error == b""
    assert frames == [Frame(RESULT, payload)]


def test_a_binary_frame_cut_short_is_an_error_not_a_value() -> None:
    router, frames, _ = _router("abcde")
    router.feed(b"\x1eabcde=y 10\nabc")
    assert router.binary_left == 7
    router.close()
    assert frames == [] and isinstance(router.error, ResultNotLiteralError)


def test_arrays_from_a_board_with_other_item_sizes() -> None:
    # "l" is 4 bytes on a 32-bit MCU, 8 on a 64-bit host: the values are what count.
    four = array.array("i", [1, -2, 70000]).tobytes()
    assert decode_binary("Al4", four) == array.array("l", [1, -2, 70000])
    assert decode_binary("AL4", array.array("I", [1, 2]).tobytes()) == array.array("L", [1, 2])
    with pytest.raises(ResultNotLiteralError):
        decode_binary("Al4", b"\x00" * 5)


def test_malformed_binary_heads_are_result_not_literal() -> None:
    parser = FrameParser("abcde")
    for head in ["=y", "=y x", "=zz 1", "=Ah9 4", "=y -1", "=y " + "9" * 20]:
        with pytest.raises(ResultNotLiteralError):
            parser.parse_line(f"\x1eabcde{head}")


def test_nonces_differ_and_never_need_escaping() -> None:
    nonces = {new_nonce() for _ in range(200)}
    assert len(nonces) == 200
    assert all(nonce.isalnum() and nonce.isascii() for nonce in nonces)


def test_a_board_without_a_binary_stdout_prints_its_frames(
    board: tuple[VirtualBoard, belay.Device],
) -> None:
    from belay_gen.runtime.snippets import snippet

    _, device = board
    # As on a port without sys.stdout.buffer: the frame helpers fall back to print().
    device(
        "def __import__(name):\n    raise ImportError(name)\n"
        + snippet("frames.py")
        + "del __import__",
        record=False,
    )
    assert device("[1, 'x', None]") == [1, "x", None]
    assert device("b'\\x04\\n'") == b"\x04\n"  # its repr
    with pytest.raises(ResultNotLiteralError, match="is a bytearray"):
        device("bytearray(2)")

    @device.task
    def count(n):  # type: ignore[no-untyped-def]
        yield from range(n)

    assert list(count(300)) == list(range(300))


@pytest.mark.parametrize(
    "value",
    ["k1", "abcdefghij", b"\x00\x04", {"id": ["ts-1", b"ab"]}, ("xy",), "", "a", "héllo", "q'\"\n"],
)
def test_short_str_and_bytes_arguments_are_sent_uninterned_and_read_back_equal(
    value: object,
) -> None:
    from belay_gen.runtime.codec import INTERN_LENGTH, encode_literal

    text = encode_literal(value)
    assert eval(text) == value
    for literal in ("'k1'", "'abcdefghij'", "'ts-1'", "'id'", "b'ab'", "'xy'"):
        assert literal not in text, f"{literal} would be interned by the board ({INTERN_LENGTH})"
