"""Board output, line by line: user prints go to a stream, result frames to a handler."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import TextIO

from belay_gen.errors import ResultNotLiteralError
from belay_gen.runtime.codec import Frame, FrameParser


class _CurrentStdout(io.TextIOBase):
    """Whatever ``sys.stdout`` is at the time of the write (pytest's capsys swaps it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


#: The default ``stream_out`` of a Device: the host's ``sys.stdout`` at the time of the call.
STDOUT: TextIO = _CurrentStdout()  # type: ignore[assignment]


class LineRouter:
    """Feeds board stdout chunks; writes complete user lines to ``stream`` as they arrive.

    Lines that are result frames for this connection go to ``on_frame`` instead. Feed it
    from a ``stdout_callback`` so prints appear while the code still runs.
    """

    def __init__(
        self,
        parser: FrameParser,
        stream: TextIO | None,
        on_frame: Callable[[Frame], None],
    ) -> None:
        self._parser = parser
        self._stream = stream
        self._on_frame = on_frame
        self._partial = b""
        #: A result that could not be decoded; raised by the caller once the board is done.
        self.error: ResultNotLiteralError | None = None

    def feed(self, chunk: bytes) -> None:
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for raw in lines:
            self._route(raw.rstrip(b"\r").decode("utf-8", "replace"), newline=True)

    def close(self) -> None:
        """Flush a last line that had no newline."""
        if self._partial:
            self._route(self._partial.rstrip(b"\r").decode("utf-8", "replace"), newline=False)
            self._partial = b""

    def _route(self, line: str, *, newline: bool) -> None:
        try:
            frame = self._parser.parse_line(line)
        except ResultNotLiteralError as exc:
            self.error = self.error or exc
            return
        if frame is not None:
            self._on_frame(frame)
        elif self._stream is not None:
            self._stream.write(line + "\n" if newline else line)
            self._stream.flush()
