"""``transport.reader.Reader``: exact reads, marker reads straddling chunks, deadlines."""

from __future__ import annotations

import time

import pytest

from belay_gen.runtime.transport.reader import NoAnswer, Reader
from tests.support.scripted_transport import ScriptedTransport


def reader_of(data: bytes) -> Reader:
    """A reader over a link that delivers ``data`` 7 bytes per read, then goes silent."""
    transport = ScriptedTransport(lambda written: b"")
    transport.pending += data
    return Reader(transport)


def test_take_and_until_keep_what_follows_for_the_next_read() -> None:
    reader = reader_of(b"OKhello\x04world\x04>rest")
    assert reader.take(2, None, "OK") == b"OK"
    assert reader.until(b"\x04", None, "end") == b"hello"
    assert reader.until(b"\x04", None, "end") == b"world"
    assert reader.take(1, None, "prompt") == b">"
    assert reader.take(4, None, "rest") == b"rest"


def test_until_with_a_sink_streams_and_never_splits_a_marker() -> None:
    marker = b"<END>"
    reader = reader_of(b"a" * 20 + marker + b"tail")
    pieces: list[bytes] = []
    assert reader.until(marker, None, "marker", pieces.append) == b""
    assert b"".join(pieces) == b"a" * 20 and len(pieces) > 1  # streamed as it arrived
    assert reader.take(4, None, "tail") == b"tail"


def test_a_silent_link_or_a_past_deadline_is_no_answer_naming_what_was_awaited() -> None:
    reader = reader_of(b"partial")
    with pytest.raises(NoAnswer, match="the banner") as raised:
        reader.until(b"\x04", None, "the banner")
    assert raised.value.what == "the banner"
    assert reader.buffer == b"partial"  # nothing lost: the bytes wait for the next read
    with pytest.raises(NoAnswer):
        reader_of(b"data").take(1, time.monotonic() - 1, "late")


def test_discard_drops_buffered_and_pending_bytes() -> None:
    reader = reader_of(b"noise" * 5)
    reader.fill(None, "some")
    reader.discard(0.0, time.monotonic() + 1)
    assert reader.buffer == b""
    with pytest.raises(NoAnswer):
        reader.take(1, None, "more")
