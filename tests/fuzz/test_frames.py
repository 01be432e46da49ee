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

NONCE = "0123456789ab"
PARSER = FrameParser(NONCE)
MARKERS = [marker.decode() for marker in PARSER.markers]
TYPES = st.sampled_from(["int", "str", "float", "list", "dict", "bytes", "tuple", "x", ""])
REPRS = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"-{0,3}[0-9\u00b2\u0663]{1,6}", fullmatch=True),
    st.builds(repr, st.recursive(st.none() | st.integers() | st.text(max_size=5), st.lists)),
    st.sampled_from(["{[1]: 2}", "{[]}", "(" * 300 + ")" * 300, "1e999999", "b'\\x'"]),
)
FRAME_LINES = st.builds(
    lambda marker, kind, text: f"{marker}{kind} {text}",
    st.sampled_from(MARKERS),
    TYPES,
    REPRS,
)
LINES = st.one_of(st.text(max_size=60), FRAME_LINES, st.builds(str.__add__, st.text(), FRAME_LINES))

#: Frames the fuzzer once found crashing decode_value with a ValueError (now ResultNotLiteralError).
INT_LOOKALIKES = [f"{MARKERS[0]}int --5", f"{MARKERS[0]}int \u00b2"]


def parse(line: str) -> Frame | None:
    try:
        return PARSER.parse_line(line)
    except ResultNotLiteralError:
        return None


@FUZZ
@given(LINES)
def test_parse_line_raises_only_result_not_literal(line: str) -> None:
    frame = parse(line)
    assert frame is None or frame.kind in ("R", "Y", "E")


@pytest.mark.parametrize("line", INT_LOOKALIKES)
def test_int_lookalikes_are_result_not_literal(line: str) -> None:
    with pytest.raises(ResultNotLiteralError):
        PARSER.parse_line(line)


@FUZZ
@given(st.lists(st.one_of(st.binary(max_size=80), LINES.map(lambda s: (s + "\n").encode()))))
@example([MARKERS[0].encode(), b"int 5\n", b"partial"])
def test_line_router_feed_raises_nothing(chunks: list[bytes]) -> None:
    out = io.StringIO()
    frames: list[Frame] = []
    router = LineRouter(PARSER, out, frames.append)
    for chunk in chunks:
        router.feed(chunk)
    router.close()
    assert router.error is None or isinstance(router.error, ResultNotLiteralError)
    assert router.pending == b""


def test_line_router_reports_an_int_lookalike_as_result_not_literal() -> None:
    router = LineRouter(PARSER, io.StringIO(), lambda frame: None)
    router.feed(INT_LOOKALIKES[0].encode() + b"\n")
    router.close()
    assert isinstance(router.error, ResultNotLiteralError)
