"""Board output, line by line: user prints go to a stream, result frames to a handler.

A binary frame's raw bytes (a bytes-like result) are taken whole, whatever they hold. A line
that holds a frame's lead byte but is no frame (a frame damaged on the way, most likely) is
kept back until more output or the end of the call: a call that then fails for want of its
frame (``ProtocolError``) shows no remains of it."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import TextIO

from belay_gen.errors import ResultNotLiteralError
from belay_gen.runtime.codec import (
    END,
    LEADS,
    RESULT,
    BinaryHead,
    Frame,
    FrameParser,
    decode_binary,
)


class _CurrentStdout(io.TextIOBase):
    """Whatever ``sys.stdout`` is at the time of the write (pytest's capsys swaps it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


#: The default ``stream_out`` of a Device: the host's ``sys.stdout`` at the time of the call.
STDOUT: TextIO = _CurrentStdout()  # type: ignore[assignment]


#: Frames a program prints last: once one came, the program is done.
_LAST = (RESULT, END)
_LEADS = tuple(LEADS.values())
#: Longest line kept whole: a longer run of output without a newline is passed on in pieces.
MAX_LINE = 64 * 1024
#: Longest result frame: a longer one is refused (ResultNotLiteralError) and dropped.
MAX_FRAME = 64 * 1024 * 1024


class LineRouter:
    """Feeds board stdout chunks; writes complete user lines to ``stream`` as they arrive.

    Lines that are result frames for this connection go to ``on_frame`` instead; a frame may
    follow output the task printed without a newline. Memory stays bounded: output without a
    newline is passed on in pieces of ``MAX_LINE`` bytes, and a frame longer than
    ``MAX_FRAME`` is refused. Feed it from a ``stdout_callback`` so prints appear while the
    code still runs.

    Called, it says whether the program's last frame came (the ``framed`` of
    :func:`~belay_gen.runtime.answer.read_answer`); :attr:`binary_left` counts the raw bytes
    of a binary frame still due, which the answer reader passes on as data.
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
        self._markers = parser.markers
        self._keep = len(self._markers[0]) - 1  # every marker has the same length
        self._binary: BinaryHead | None = None  # the frame whose raw bytes are coming
        self._payload = bytearray()
        self._payload_kind = RESULT
        self._received = 0
        self._partial = bytearray()
        self._scanned = 0  # bytes of _partial already known to hold no newline
        self._dropping = False  # inside an over-long frame, until its newline
        self._held = ""  # a line with a lead byte that is no frame, with its ending
        #: A result that could not be decoded; raised by the caller once the board is done.
        self.error: ResultNotLiteralError | None = None
        #: True once a result or end frame arrived, decoded or not: the program is done.
        self.result_seen = False

    def __call__(self) -> bool:
        """True once the program's last frame (a result or the end) came."""
        return self.result_seen

    @property
    def binary_left(self) -> int:
        """Raw bytes of a binary frame still to come (0 outside one)."""
        head = self._binary
        return 0 if head is None else head.size - self._received

    @property
    def pending(self) -> bytes:
        """The start of a line not passed on yet."""
        return bytes(self._partial)

    def feed(self, chunk: bytes) -> None:
        self._partial += chunk
        while True:
            if self._binary is not None and not self._take_binary():
                return  # every byte fed so far belongs to the payload
            end = self._partial.find(b"\n", self._scanned)
            if end < 0:
                break
            line = bytes(self._partial[:end])
            del self._partial[: end + 1]
            self._scanned = 0
            if self._dropping:
                self._dropping = False
                continue
            # The board's own line ending reaches the stream (``\r\n`` from a real board), as
            # Belay passes it on.
            ending = "\r\n" if line.endswith(b"\r") else "\n"
            self._route(line.rstrip(b"\r").decode("utf-8", "replace"), ending=ending)
        self._scanned = len(self._partial)
        if len(self._partial) > MAX_LINE:
            self._overflow()

    def close(self) -> None:
        """Flush a last line that had no newline (and a line kept back)."""
        self._release()
        if self._binary is not None:  # the answer ended inside a binary frame's bytes
            self._binary = None
            self._payload.clear()
            self.error = self.error or ResultNotLiteralError(
                "the board's binary result was cut short"
            )
        if self._partial and not self._dropping:
            self._route(self._partial.rstrip(b"\r").decode("utf-8", "replace"), ending="")
        self._partial.clear()
        self._scanned = 0
        self._dropping = False

    def _overflow(self) -> None:
        if self._dropping:
            self._partial.clear()
            self._scanned = 0
            return
        frame_at = min((i for m in self._markers if (i := self._partial.find(m)) >= 0), default=-1)
        if frame_at < 0:  # plain output: pass on all but what may be the start of a marker
            self._write_piece(len(self._partial) - self._keep)
            return
        if frame_at:
            self._write_piece(frame_at)
        if len(self._partial) > MAX_FRAME:
            self.result_seen = True
            self.error = self.error or ResultNotLiteralError(
                f"a result longer than {MAX_FRAME // (1024 * 1024)} MB cannot travel back to "
                "the host; return less, or write it to a file and sync it"
            )
            self._partial.clear()
            self._dropping = True
        self._scanned = len(self._partial)

    def _release(self) -> None:
        """Pass on the line kept back: more output came, so it was the program's own."""
        if self._held:
            held, self._held = self._held, ""
            if self._stream is not None:
                self._stream.write(held)
                self._stream.flush()

    def _write_piece(self, size: int) -> None:
        self._release()
        while 0 < size < len(self._partial) and 0x80 <= self._partial[size] < 0xC0:
            size -= 1  # never split a UTF-8 character
        piece = bytes(self._partial[:size])
        del self._partial[:size]
        self._scanned = len(self._partial)
        if self._stream is not None and piece:
            self._stream.write(piece.decode("utf-8", "replace"))
            self._stream.flush()

    def _route(self, line: str, *, ending: str) -> None:
        self._release()
        try:
            before, frame = self._parser.split_line(line)
        except ResultNotLiteralError as exc:
            self.error = self.error or exc
            self.result_seen = True
            return
        if frame is not None and isinstance(frame.value, BinaryHead):
            if before and self._stream is not None:
                self._stream.write(before)
                self._stream.flush()
            self._start_binary(frame.kind, frame.value)
        elif frame is not None:
            self.result_seen = self.result_seen or frame.kind in _LAST
            if before and self._stream is not None:
                self._stream.write(before)
                self._stream.flush()
            self._on_frame(frame)
        elif any(lead in line for lead in _LEADS):
            self._held = line + ending  # a damaged frame? shown once more output comes
        elif self._stream is not None:
            self._stream.write(line + ending)
            self._stream.flush()

    def _start_binary(self, kind: str, head: BinaryHead) -> None:
        self._binary, self._payload_kind, self._received = head, kind, 0
        self._payload.clear()
        if head.size > MAX_FRAME:  # its bytes are counted and dropped
            self.error = self.error or ResultNotLiteralError(
                f"a result longer than {MAX_FRAME // (1024 * 1024)} MB cannot travel back to "
                "the host; return less, or write it to a file and sync it"
            )

    def _take_binary(self) -> bool:
        """Move raw payload bytes out of the line buffer; True once the payload is whole."""
        head = self._binary
        assert head is not None
        piece = self._partial[: head.size - self._received]
        del self._partial[: len(piece)]
        self._scanned = 0
        self._received += len(piece)
        if head.size <= MAX_FRAME:
            self._payload += piece
        if self._received < head.size:
            return False
        self._binary = None
        kind, data = self._payload_kind, bytes(self._payload)
        self._payload.clear()
        self.result_seen = self.result_seen or kind in _LAST
        if head.size <= MAX_FRAME:
            try:
                value = decode_binary(head.code, data)
            except ResultNotLiteralError as exc:
                self.error = self.error or exc
                return True
            self._on_frame(Frame(kind, value if kind == RESULT else [value]))
        return True
