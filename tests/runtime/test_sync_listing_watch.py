"""The host's watch over sync's listing (runtime/sync/listing.py)."""

from __future__ import annotations

import time

import pytest

from belay_gen.errors import ProtocolError
from belay_gen.runtime.sync import listing
from belay_gen.runtime.sync.listing import LineProgress


def test_lines_are_collected_whole() -> None:
    watch = LineProgress(5.0, "port")
    for chunk in (b"sha256\r\n", b"d 0 'li", b"b'\r\n", b"\r\n"):
        watch.feed(chunk)
    assert watch.text() == "sha256\r\nd 0 'lib'\r\n\r\n"


def test_bytes_that_never_complete_a_line_are_refused_after_the_stall() -> None:
    watch = LineProgress(0.05, "/dev/ttyX")
    watch.feed(b"sha256\n")
    watch.feed(b".")
    time.sleep(0.1)
    with pytest.raises(ProtocolError, match=r"/dev/ttyX sent 9 bytes .* without completing a line"):
        watch.feed(b".")


def test_a_completed_line_restarts_the_stall_clock() -> None:
    watch = LineProgress(0.05, "port")
    watch.feed(b"part")
    time.sleep(0.1)
    watch.feed(b" of a line\n")  # late, but it completes the line
    watch.feed(b"next")


def test_a_listing_past_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "MAX_LISTING_BYTES", 10)
    watch = LineProgress(5.0, "port")
    watch.feed(b"0123456\n")
    with pytest.raises(ProtocolError, match="passed 10 bytes"):
        watch.feed(b"789\n")
