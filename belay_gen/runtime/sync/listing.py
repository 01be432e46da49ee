"""The host's watch over sync's listing: it must keep completing lines, and stay bounded."""

from __future__ import annotations

import time

from belay_gen.errors import ProtocolError

#: The most listing text kept (a board with ~100,000 files lists a few MB).
MAX_LISTING_BYTES = 16 * 1024 * 1024


class LineProgress:
    """Collects a program's stdout; :class:`ProtocolError` when bytes keep coming without a
    line ending for ``stall`` seconds (a board trickling garbage) or past
    :data:`MAX_LISTING_BYTES`. Silence itself is the read's business (``RawRepl.silence``)."""

    def __init__(self, stall: float, port: str) -> None:
        self.stall = stall
        self.port = port
        self._chunks: list[bytes] = []
        self._size = 0
        self._line_at = time.monotonic()

    def feed(self, data: bytes) -> None:
        """Take one chunk of stdout (a ``stdout_callback``)."""
        now = time.monotonic()
        if b"\n" in data:
            self._line_at = now
        elif now - self._line_at > self.stall:
            raise ProtocolError(
                f"{self.port} sent {self._size + len(data):,} bytes of sync's listing without"
                f" completing a line for {self.stall:g} s; is it a MicroPython board?"
            )
        self._size += len(data)
        if self._size > MAX_LISTING_BYTES:
            raise ProtocolError(
                f"{self.port}: sync's listing passed {MAX_LISTING_BYTES:,} bytes; is it a"
                " MicroPython board, and is the folder synced the right one?"
            )
        self._chunks.append(data)

    def text(self) -> str:
        """Everything collected, decoded."""
        return b"".join(self._chunks).decode("utf-8", "replace")
