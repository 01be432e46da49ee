"""The byte interface every transport implements.

A transport moves bytes and nothing else: it knows nothing of the raw REPL. ``read`` blocks
until at least one byte arrives (or the timeout passes) and returns what is there, so
protocol code never polls with sleeps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType


class Transport(ABC):
    """A bidirectional byte link to a board."""

    #: Human-readable name of the link (the port path), used in error messages.
    description: str = "board"
    #: True when a soft reset of the board ends the link itself (WebREPL), so connecting
    #: must not reset the board.
    reset_drops_link: bool = False

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send all of ``data``."""

    @abstractmethod
    def read(self, timeout: float | None) -> bytes:
        """Return the bytes that are available, blocking up to ``timeout`` seconds for one.

        Returns ``b""`` when nothing arrived in time; ``None`` waits forever. Raises
        :class:`~belay_gen.errors.ConnectionLost` when the link is gone.
        """

    @abstractmethod
    def close(self) -> None:
        """Release the link. Closing twice is harmless."""

    def drain(self, quiet: float = 0.0) -> bytes:
        """Read and return everything already received (waiting ``quiet`` s for more)."""
        out = bytearray()
        while chunk := self.read(quiet):
            out += chunk
        return bytes(out)

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
