"""Fuzz the result-frame parser and the output router: board output is untrusted, so only
ResultNotLiteralError may come out of them (a bad frame), never another exception."""

from __future__ import annotations

import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from belay_gen.errors import ResultNotLiteralError
from belay_gen.runtime.codec import Frame, FrameParser
from belay_gen.runtime.output import LineRouter
from tests.fuzz.conftest import FUZZ

NONCE = "0a1B2c"
PARSER = FrameParser(NONCE)
MARKER = "\x1e" + NONCE
LEADS = st.sampled_from(["\x1e", "\x1f", "\x1d", ""])
#: Payload heads: untyped, typed (":<type> "), binary ("=<code> <size>"), and malformed ones.
HEADS = st.sampled_from(
    ["", ":int ", ":str ", ":float ", ":list ", ":x ", ":", "=y ", "=a 3", "=Ah2 ", "=", "=zz 1"]
)
REPRS = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"-{0,3}[0-9\u00b2\u0663]{1,6}", fullmatch=True),
    st.builds(repr, st.recursive(st.none() | st.integers() | st.text(max_size=5), st.lists)),
    st.sampled_from(["{[1]: 2}", "{[]}", "(" * 300 + ")" * 300, "1e999999", "b'\\x'"]),
)
FRAME_LINES = st.builds(
    lambda lead, head, text: f"{lead}{NONCE}{head}{text}",
    LEADS,
    HEADS,
    REPRS,
)
LINES = st.one_of(st.text(max_size=60), FRAME_LINES, st.builds(str.__add__, st.text(), FRAME_LINES))

#: Frames the fuzzer once found crashing decode_value with a ValueError (now ResultNotLiteralError).
INT_LOOKALIKES = [f"{MARKER}:int --5", f"{MARKER}:int \u00b2", f"\x1f{NONCE}--5"]


def parse(line: str) -> Frame | None:
    try:
        return PARSER.parse_line(line)
    except ResultNotLiteralError:
        return None


@FUZZ
@given(LINES)
def test_parse_line_raises_only_result_not_literal(line: str) -> None:
    frame = parse(line)
    assert frame is None or frame.kind in ("R", "Y")


@pytest.mark.parametrize("line", INT_LOOKALIKES)
def test_int_lookalikes_are_result_not_literal(line: str) -> None:
    with pytest.raises(ResultNotLiteralError):
        PARSER.parse_line(line)


@FUZZ
@given(st.lists(st.one_of(st.binary(max_size=80), LINES.map(lambda s: (s + "\n").encode()))))
@example([MARKER.encode(), b":int 5\n", b"partial"])
@example([MARKER.encode() + b"=y 4\n\x04\n", b"\x1e", MARKER.encode() + b"\n"])
def test_line_router_feed_raises_nothing(chunks: list[bytes]) -> None:
    out = io.StringIO()
    frames: list[Frame] = []
    router = LineRouter(PARSER, out, frames.append)
    for chunk in chunks:
        router.feed(chunk)
    router.close()
    assert router.error is None or isinstance(router.error, ResultNotLiteralError)
    assert router.pending == b""
    assert router.binary_left == 0


def test_line_router_reports_an_int_lookalike_as_result_not_literal() -> None:
    router = LineRouter(PARSER, io.StringIO(), lambda frame: None)
    router.feed(INT_LOOKALIKES[0].encode() + b"\n")
    router.close()
    assert isinstance(router.error, ResultNotLiteralError)


@FUZZ
@given(st.binary(max_size=300), st.binary(max_size=40), st.lists(st.integers(1, 50), max_size=30))
def test_a_binary_frame_arrives_whole_however_it_is_cut(
    payload: bytes, before: bytes, cuts: list[int]
) -> None:
    before = before.replace(b"\x1e", b"").replace(b"\x1f", b"")  # no frame can start in it
    stream = before + f"{MARKER}=y {len(payload)}\n".encode() + payload + b"\r\nafter\r\n"
    frames: list[Frame] = []
    router = LineRouter(PARSER, io.StringIO(), frames.append)
    position = 0
    for cut in cuts:
        router.feed(stream[position : position + cut])
        position += cut
    router.feed(stream[position:])
    router.close()
    assert frames == [Frame("R", payload)]
    assert router() and router.binary_left == 0 and router.error is None
