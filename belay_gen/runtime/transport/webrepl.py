"""MicroPython's WebREPL: the REPL over a WebSocket (``ws://HOST:8266``) with websocket-client.

The board sends ``Password: ``; the client answers with the password and ``\\r``; the board
replies ``WebREPL connected`` (then text frames carry REPL bytes both ways) or
``Access denied`` and closes. A reader thread receives frames into a queue so ``read`` blocks
on the queue with a timeout, and websocket and socket errors become belay-gen errors here.
The password is never put in a message, a log line or a ``repr``.

The peer is untrusted: a redirect in the handshake is never followed (the password would go
to the other host), a frame may declare at most :data:`MAX_FRAME_BYTES`, and fragments are
passed on as they arrive instead of being collected into one message, so a peer cannot make
the host buffer without bound.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from urllib.parse import urlsplit

import websocket
from websocket._abnf import frame_buffer

from belay_gen.errors import (
    AuthenticationError,
    ConnectionFailed,
    ConnectionLost,
    DeviceTimeoutError,
)
from belay_gen.runtime.transport.base import Transport

#: WebREPL's port when the URL names none.
DEFAULT_PORT = 8266
#: Largest text frame sent at once (the board buffers each frame in its small heap).
FRAME_SIZE = 1024
#: Largest frame accepted from the board (a board's frames are a few KiB at most).
MAX_FRAME_BYTES = 1024 * 1024
#: Received frames waiting for ``read``: past this the reader stops taking more from the
#: socket (TCP then holds the peer back), so a flood is bounded by frames x frame size.
MAX_QUEUED_FRAMES = 64
#: Bytes read while logging in, before ``WebREPL connected`` or ``Access denied``.
MAX_LOGIN_BYTES = 64 * 1024

_PROMPT = b"Password:"
_GRANTED = b"WebREPL connected"
_DENIED = b"Access denied"


class _Ended:
    """Queue marker: the link is gone; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _CappedFrames(frame_buffer):
    """websocket-client's frame reader, refusing a frame longer than :data:`MAX_FRAME_BYTES`
    as soon as its header declares it (before any of it is buffered)."""

    def recv_length(self) -> None:
        super().recv_length()
        if self.length is not None and self.length > MAX_FRAME_BYTES:
            raise websocket.WebSocketPayloadException(
                f"the peer declared a {self.length:,}-byte frame, over the {MAX_FRAME_BYTES:,}-byte"
                " limit; is this a MicroPython WebREPL?"
            )


class WebReplTransport(Transport):
    """A transport over MicroPython's WebREPL, logged in with ``password``."""

    # On a board, a soft reset restarts the network stack and closes the WebREPL session.
    reset_drops_link = True

    def __init__(self, url: str, password: str, *, timeout: float = 10.0) -> None:
        host, port = _split_url(url)
        self.description = f"{host}:{port}"
        #: Seconds allowed to connect, log in, and for the board to accept a write.
        self.timeout = timeout
        self._queue: queue.Queue[bytes | _Ended] = queue.Queue(MAX_QUEUED_FRAMES)
        self._pending = b""
        self._ended: str | None = None
        self._closed = False
        self._ws = self._open(url, host, port)
        self._reader = threading.Thread(
            target=self._receive, name=f"webrepl-{self.description}", daemon=True
        )
        self._reader.start()
        try:
            self._login(password)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"WebReplTransport({self.description!r})"

    # -- connecting -------------------------------------------------------------------------
    def _open(self, url: str, host: str, port: int) -> websocket.WebSocket:
        where = self.description
        try:
            sock = socket.create_connection((host, port), timeout=self.timeout)
        except TimeoutError as exc:
            raise ConnectionFailed(
                f"no answer from {where} within {self.timeout:g} s; is the board on this"
                " network with WebREPL enabled?"
            ) from exc
        except OSError as exc:
            raise ConnectionFailed(
                f"cannot connect to WebREPL at {where}: {exc.strerror or exc}; is the board on"
                " and WebREPL enabled (import webrepl_setup)?"
            ) from exc
        ws = websocket.WebSocket(skip_utf8_validation=True)
        # Private hook, pinned by tests: websocket-client has no setting for a frame limit.
        ws.frame_buffer = _CappedFrames(ws._recv, skip_utf8_validation=True)
        ws.settimeout(self.timeout)
        try:
            ws.connect(  # type: ignore[no-untyped-call]
                url, socket=sock, suppress_origin=True, redirect_limit=0
            )
        except (websocket.WebSocketException, OSError) as exc:
            sock.close()
            status = getattr(getattr(ws, "handshake_response", None), "status", None)
            if isinstance(status, int) and 300 <= status < 400:
                raise ConnectionFailed(
                    f"{where} answered the WebREPL handshake with a redirect (HTTP {status});"
                    " belay-gen never follows one, since the password would go to another host:"
                    " connect to the board's own address"
                ) from None
            raise ConnectionFailed(
                f"{where} refused the WebREPL handshake ({exc or type(exc).__name__}); is another"
                " WebREPL client connected? the board takes one at a time"
            ) from exc
        return ws

    def _login(self, password: str) -> None:
        where = self.description
        self._read_until((_PROMPT,), "a password prompt")
        self.write(password.encode() + b"\r")
        seen = self._read_until((_GRANTED, _DENIED), "an answer to the password")
        if _DENIED in seen:
            raise AuthenticationError(
                f"wrong WebREPL password for {where}; check webrepl_cfg.py on the board"
            )
        self._pending = seen[seen.index(_GRANTED) + len(_GRANTED) :]

    def _read_until(self, markers: tuple[bytes, ...], what: str) -> bytes:
        """Read until one of ``markers`` arrives; return everything read."""
        deadline = time.monotonic() + self.timeout
        seen = b""
        while not any(marker in seen for marker in markers):
            left = deadline - time.monotonic()
            try:
                chunk = self.read(max(left, 0.0)) if left > 0 else b""
            except ConnectionLost as exc:
                if _DENIED in seen:
                    return seen
                raise ConnectionFailed(
                    f"{self.description} closed the WebREPL connection while waiting for {what};"
                    " is another WebREPL client connected?"
                ) from exc
            if not chunk:
                raise ConnectionFailed(
                    f"no {what} from WebREPL at {self.description} within {self.timeout:g} s;"
                    " is this a MicroPython WebREPL?"
                )
            seen += chunk
            found = any(marker in seen for marker in markers)
            if not found and len(seen) > MAX_LOGIN_BYTES:  # a board says a few words
                raise ConnectionFailed(
                    f"{self.description} sent {len(seen):,} bytes without {what};"
                    " is this a MicroPython WebREPL?"
                )
        return seen

    # -- the byte link ----------------------------------------------------------------------
    def _receive(self) -> None:
        """Reader thread: move received payloads into the queue until the link ends."""
        ws = self._ws
        abnf = websocket.ABNF
        while True:
            try:
                frame = ws.recv_frame()  # type: ignore[no-untyped-call]
                if frame.opcode == abnf.OPCODE_PING:
                    ws.pong(frame.data)
            except websocket.WebSocketTimeoutException:
                continue  # a quiet board; the frame buffer keeps any partial frame
            except (websocket.WebSocketException, OSError, AttributeError) as exc:
                # AttributeError: close() emptied the socket under a blocked recv.
                self._put(_Ended(str(exc) or "the connection closed"))
                return
            if frame.opcode == abnf.OPCODE_CLOSE:
                self._put(_Ended("the board closed the connection"))
                return
            data_frame = frame.opcode in (abnf.OPCODE_TEXT, abnf.OPCODE_BINARY, abnf.OPCODE_CONT)
            if data_frame and frame.data:  # each fragment as it comes: REPL bytes are a stream
                self._put(bytes(frame.data))

    def _put(self, item: bytes | _Ended) -> None:
        """Queue ``item`` for ``read``, waiting while the queue is full, until closed."""
        while not self._closed:
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def write(self, data: bytes) -> None:
        if self._closed or self._ended is not None:
            raise ConnectionLost(f"the connection to {self.description} is closed")
        try:
            for start in range(0, len(data), FRAME_SIZE):
                self._ws.send(data[start : start + FRAME_SIZE], websocket.ABNF.OPCODE_TEXT)
        except websocket.WebSocketTimeoutException as exc:
            raise DeviceTimeoutError(
                f"{self.description} accepted no data for {self.timeout:g} s;"
                " is the board hung? reset it and retry"
            ) from exc
        except (websocket.WebSocketException, OSError) as exc:
            raise ConnectionLost(f"lost the connection to {self.description}: {exc}") from exc

    def read(self, timeout: float | None) -> bytes:
        if self._closed:
            raise ConnectionLost(f"the connection to {self.description} is closed")
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        if self._ended is not None:
            raise ConnectionLost(f"lost the connection to {self.description}: {self._ended}")
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return b""
        out = bytearray()
        while True:
            if isinstance(item, _Ended):
                self._ended = item.reason
                if out:
                    return bytes(out)  # hand over what came first; the next read reports
                raise ConnectionLost(f"lost the connection to {self.description}: {item.reason}")
            out += item
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return bytes(out)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._ws.send_close()
        except (websocket.WebSocketException, OSError):
            pass  # already gone: nothing to say goodbye to
        else:  # the reader ends on the board's answering close: the board has let go
            self._reader.join(timeout=1.0)
        sock = self._ws.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader thread blocked in recv
        self._reader.join(timeout=1.0)
        self._ws.shutdown()  # type: ignore[no-untyped-call]


def _split_url(url: str) -> tuple[str, int]:
    """``ws://host[:port][/]`` → (host, port)."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise ConnectionFailed(f"{url}: bad port in the WebREPL URL ({exc})") from exc
    if parts.scheme != "ws" or not parts.hostname:
        raise ConnectionFailed(
            f"{url}: not a WebREPL URL; use ws://HOST:8266 (wss:// is not supported)"
        )
    return parts.hostname, port
