"""A transport built from one function, and a tiny scripted raw-REPL board to plug into it.

For unit tests of the frame parser only; runtime behaviour is tested on real MicroPython.
"""

from __future__ import annotations

from collections.abc import Callable

from belay_gen.runtime.repl import BANNER
from belay_gen.runtime.transport.base import Transport


class ScriptedTransport(Transport):
    """Each ``write`` is answered by ``respond(data)``; ``read`` returns what is queued.

    ``read`` never waits: an empty queue is an immediate timeout (``b""``).
    """

    description = "scripted"

    def __init__(self, respond: Callable[[bytes], bytes]) -> None:
        self.respond = respond
        self.written: list[bytes] = []
        self.pending = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)
        self.pending += self.respond(data)

    def read(self, timeout: float | None) -> bytes:
        data = bytes(self.pending[:7])  # small reads: frames straddle reads
        del self.pending[:7]
        return data

    def close(self) -> None:
        self.closed = True


class ScriptedBoard:
    """Just enough of MicroPython's raw REPL (``pyexec.c``) to exercise the host side.

    ``paste`` is how the board answers ``\\x05A\\x01``: ``"yes"`` (``R\\x01`` + window),
    ``"no"`` (``R\\x00``) or ``"old"`` (ignores it: ``\\x01`` re-prints the banner, "ra...").
    ``run(code)`` returns ``(stdout, error)`` for each program received.
    """

    def __init__(
        self,
        run: Callable[[bytes], tuple[bytes, bytes]],
        *,
        paste: str = "yes",
        window: int = 8,
    ) -> None:
        self.run = run
        self.paste = paste
        self.window = window
        self.programs: list[bytes] = []
        self.line = bytearray()
        self.mode = "friendly"  # friendly | raw | paste
        self.remain = 0
        self.credit = 0  # bytes the host may send in raw-paste mode

    def __call__(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            out += self._byte(byte)
        return bytes(out)

    def _execute(self, ack: bytes) -> bytes:
        code = bytes(self.line)
        self.line.clear()
        self.programs.append(code)
        stdout, error = self.run(code)
        self.mode = "raw"
        return ack + stdout + b"\x04" + error + b"\x04>"

    def _byte(self, byte: int) -> bytes:
        if self.mode == "paste":
            if byte == 4:
                return self._execute(b"\x04")
            self.line.append(byte)
            self.credit -= 1
            assert self.credit >= 0, "host sent past its raw-paste window"
            self.remain -= 1
            if self.remain == 0:
                self.credit += self.window
                self.remain = self.window
                return b"\x01"
            return b""
        if byte == 1:  # Ctrl-A: a raw-paste request if the line is "\x05A", else a reset
            if self.mode == "raw" and self.line == b"\x05A" and self.paste != "old":
                self.line.clear()
                return self._paste_reply()
            lead = b"\r\n" if self.mode == "friendly" else b""
            self.mode = "raw"
            self.line.clear()
            return lead + BANNER
        if self.mode == "friendly":
            return b"\r\n>>> " if byte == 3 else b""
        if byte == 3:
            self.line.clear()
        elif byte == 4:
            return self._execute(b"OK")
        else:
            self.line.append(byte)
        return b""

    def _paste_reply(self) -> bytes:
        if self.paste == "no":
            return b"R\x00"
        self.mode = "paste"
        self.remain = self.window
        self.credit = 2 * self.window  # the header's window plus its trailing \x01 grant
        return b"R\x01" + self.window.to_bytes(2, "little") + b"\x01"


class ChunkTransport(Transport):
    """Hands out scripted chunks, one per ``read``, then nothing; writes are dropped."""

    description = "chunks"

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    def write(self, data: bytes) -> None:
        pass

    def read(self, timeout: float | None) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def close(self) -> None:
        pass
