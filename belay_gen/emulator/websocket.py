"""The server side of a WebSocket (RFC 6455), as small as MicroPython's: stdlib only.

:func:`accept` answers the HTTP upgrade; :class:`FrameReader` turns received bytes into
``(opcode, payload)`` messages and :func:`frame` builds one unmasked server frame. Like a
board's, the server is lenient where clients are known to differ: it takes unmasked client
frames (Belay's and MicroPython's ``webrepl_cli`` send them) and any ``Sec-WebSocket-Key``
(they send ``foo``). It is strict where a peer could hurt the host: the upgrade request and
every frame have a size cap, and a fragment is delivered as it arrives, never collected.
"""

from __future__ import annotations

import base64
import hashlib
import select
import socket
import struct
import time

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 1, 2, 8, 9, 10, 0
#: Most bytes of an upgrade request.
MAX_REQUEST = 8 * 1024
#: Largest frame a client may send (a board's buffers are far smaller; clients send ~1 KiB).
MAX_FRAME = 64 * 1024
#: Close codes.
NORMAL, PROTOCOL_ERROR, TOO_BIG = 1000, 1002, 1009
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocketError(Exception):
    """The client broke the protocol; ``code`` is the close code to answer with."""

    def __init__(self, message: str, code: int = PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.code = code


def accept(conn: socket.socket, timeout: float) -> bool:
    """Read the client's upgrade request and switch protocols; False (after an HTTP error
    answer) for a request that is no WebSocket upgrade. ``timeout``: for the whole request."""
    deadline = time.monotonic() + timeout
    request = b""
    while b"\r\n\r\n" not in request:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([conn], [], [], max(left, 0.0))
        if not ready:
            raise WebSocketError("no WebSocket upgrade request in time")
        chunk = conn.recv(4096)
        if not chunk:
            raise WebSocketError("the client left during the handshake")
        request += chunk
        if len(request) > MAX_REQUEST:
            raise WebSocketError("the upgrade request is too long")
    headers = {}
    for line in request.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"websocket" not in headers.get(b"upgrade", b"").lower():
        conn.sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
            b"This is a WebREPL endpoint: open it with a WebREPL client (ws://).\r\n"
        )
        return False
    key = headers.get(b"sec-websocket-key", b"")
    answer = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + answer + b"\r\n\r\n"
    )
    return True


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked server frame."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


def close_frame(code: int) -> bytes:
    return frame(CLOSE, struct.pack("!H", code))


class FrameReader:
    """Incremental frame parser: :meth:`feed` bytes, get complete messages back.

    A continuation frame is reported with the opcode of the message it continues.
    """

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buffer = bytearray()
        self._message_opcode = TEXT

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buffer += data
        out = []
        while (parsed := self._next()) is not None:
            out.append(parsed)
        return out

    def _next(self) -> tuple[int, bytes] | None:
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        if first & 0x70:
            raise WebSocketError("reserved bits set (no extension was agreed)")
        opcode, length, at = first & 0x0F, second & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            (length,) = struct.unpack_from("!H", buffer, 2)
            at = 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            (length,) = struct.unpack_from("!Q", buffer, 2)
            at = 10
        if length > self.max_frame:
            raise WebSocketError(
                f"a {length:,}-byte frame is over the {self.max_frame:,}-byte limit", TOO_BIG
            )
        masked = bool(second & 0x80)
        mask = bytes(buffer[at : at + 4]) if masked else b""
        at += 4 if masked else 0
        if len(buffer) < at + length:
            return None
        payload = bytes(buffer[at : at + length])
        del buffer[: at + length]
        if masked:
            payload = _unmask(payload, mask)
        if opcode in (TEXT, BINARY):
            self._message_opcode = opcode
        elif opcode == CONTINUATION:
            opcode = self._message_opcode
        elif opcode not in (CLOSE, PING, PONG):
            raise WebSocketError(f"unknown opcode {opcode}")
        return opcode, payload


def _unmask(payload: bytes, mask: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte ``mask``, as one big-integer operation."""
    size = len(payload)
    if not size:
        return payload
    repeated = (mask * (size // 4 + 1))[:size]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(size, "big")
