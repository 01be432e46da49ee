"""Buffered reads from a transport, each bounded by a deadline.

The raw REPL and the sync receiver's protocol both read "exactly N bytes" or "up to a marker"
from the same link; one :class:`Reader` per link keeps the bytes read past the end of one
answer for the next, whoever reads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from belay_gen.errors import ProtocolError
from belay_gen.runtime.transport.base import Transport

#: Most bytes kept while waiting for a marker without a sink (a line, a prompt).
MAX_ANSWER = 16 * 1024 * 1024


class NoAnswer(Exception):
    """Nothing (more) arrived before the deadline; ``what`` says what was awaited."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Reader:
    """Reads from ``transport`` through one buffer. Deadlines are ``time.monotonic()``
    values; ``None`` waits for as long as it takes."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        #: Bytes read from the link and not consumed yet.
        self.buffer = bytearray()

    def fill(self, deadline: float | None, what: str) -> None:
        """Block until more bytes arrive (appended to the buffer) or ``deadline`` passes."""
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            raise NoAnswer(what)
        data = self.transport.read(wait)
        if not data:
            raise NoAnswer(what)
        self.buffer += data

    def take(self, count: int, deadline: float | None, what: str) -> bytes:
        """Exactly ``count`` bytes."""
        while len(self.buffer) < count:
            self.fill(deadline, what)
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def until(
        self,
        marker: bytes,
        deadline: float | None,
        what: str,
        sink: Callable[[bytes], None] | None = None,
    ) -> bytes:
        """Consume bytes through ``marker`` and return those before it; with ``sink``, hand
        them to it as they arrive instead (and return ``b""``), so nothing piles up here."""
        if sink is None:
            while (end := self.buffer.find(marker)) < 0:
                if len(self.buffer) > MAX_ANSWER:
                    raise ProtocolError(
                        f"{self.transport.description} sent more than {MAX_ANSWER} bytes while"
                        f" belay-gen waited for {what}"
                    )
                self.fill(deadline, what)
            data = bytes(self.buffer[:end])
            del self.buffer[: end + len(marker)]
            return data
        keep = len(marker) - 1  # a marker may straddle two reads
        while True:
            found = self.buffer.find(marker)
            if found >= 0:
                if found:
                    sink(bytes(self.buffer[:found]))
                del self.buffer[: found + len(marker)]
                return b""
            flush = len(self.buffer) - keep
            if flush > 0:  # hand on all but a possible partial marker
                sink(bytes(self.buffer[:flush]))
                del self.buffer[:flush]
            self.fill(deadline, what)

    def discard(self, quiet: float, deadline: float) -> None:
        """Drop buffered and incoming bytes until the link is ``quiet`` s silent or ``deadline``."""
        self.buffer.clear()
        while time.monotonic() < deadline:
            if not self.transport.read(max(0.0, min(quiet, deadline - time.monotonic()))):
                return
