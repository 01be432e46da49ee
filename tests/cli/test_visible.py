"""Board text made visible: no byte from a board can drive the host terminal."""

from __future__ import annotations

import io

from belay_gen.cli.visible import VisibleDecoder, visible, visible_stream


def test_controls_are_shown_and_text_is_kept() -> None:
    assert visible("a\tb\nc\r\n") == "a\tb\nc\n"
    assert visible("\x1b]52;c;aGk=\x07") == "\\x1b]52;c;aGk=\\x07"  # OSC 52: the clipboard
    assert visible("\x1b]0;title\x1b\\") == "\\x1b]0;title\\x1b\\"
    assert visible("\x9b2J\x7f\x00\rx") == "\\x9b2J\\x7f\\x00\\x0dx"  # C1 CSI, DEL, NUL, CR
    assert visible("héllo ✓") == "héllo ✓"


def test_the_decoder_joins_what_chunks_split() -> None:
    decoder = VisibleDecoder()
    data = "é\r\n\x1b".encode()
    shown = "".join(decoder.decode(data[i : i + 1]) for i in range(len(data)))
    assert shown + decoder.decode(b"", final=True) == "é\n\\x1b"
    assert VisibleDecoder().decode(b"\xff", final=True) == "\ufffd"


def test_the_stream_writes_visible_text() -> None:
    target = io.StringIO()
    stream = visible_stream(target)
    stream.write("\x1b[31mred\n")
    assert target.getvalue() == "\\x1b[31mred\n"
