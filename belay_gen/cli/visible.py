"""Board text made safe for the host terminal: control and escape sequences shown, not obeyed.

A board (or whatever answers on a port) could otherwise retitle the terminal, rewrite what is
on screen or set the clipboard (OSC 52). Every board byte the CLI prints, output and
tracebacks alike, goes through :func:`visible`; only ``terminal`` passes bytes through.
"""

from __future__ import annotations

import codecs
import io
import re
from typing import TextIO, cast

#: C0 controls but tab and newline, DEL, and the C1 controls (0x9b is a one-byte CSI).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def visible(text: str) -> str:
    r"""``text`` with control characters as ``\xNN`` escapes (tab, newline and CRLF kept).

    >>> visible("\x1b]0;pwned\x07ok\n")
    '\\x1b]0;pwned\\x07ok\n'
    """
    return _CONTROL.sub(_escape, text.replace("\r\n", "\n"))


class VisibleStream(io.TextIOBase):
    """A text stream that writes to ``target`` with :func:`visible` applied."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()


def visible_stream(target: TextIO) -> TextIO:
    """A :class:`VisibleStream` over ``target``, typed as the text stream it stands in for."""
    return cast(TextIO, VisibleStream(target))


class VisibleDecoder:
    """Board bytes, chunk by chunk, to :func:`visible` text: UTF-8 split across chunks is
    joined, and a CR at a chunk's end waits for the next chunk, so CRLF stays a newline."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self._held = ""

    def decode(self, chunk: bytes, *, final: bool = False) -> str:
        """The visible text of ``chunk``; ``final`` flushes what was held back."""
        text = self._held + self._utf8.decode(chunk, final)
        self._held = ""
        if text.endswith("\r") and not final:
            text, self._held = text[:-1], "\r"
        return visible(text)
