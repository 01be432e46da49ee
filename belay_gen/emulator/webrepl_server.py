"""``belay-gen emulate --webrepl``: MicroPython's WebREPL in front of the virtual board.

What a board running ``webrepl`` does, on the wire: the WebSocket handshake, a ``Password: ``
text frame, the typed password ending at ``\\r`` or ``\\n`` (a board keeps 9 characters at most),
then ``\\r\\nWebREPL connected\\r\\n>>> `` as one frame, or ``\\r\\nAccess denied\\r\\n`` and the
connection closed. After login, text frames carry REPL bytes both ways and binary frames
carry file transfers (:mod:`belay_gen.emulator.webrepl_files`) on the board's folder.

One client at a time, as on a board: a second connection is closed at once. The board's pty
is opened exclusively for the logged-in client. A reset ends the session, as a board's network
stack restarts: once the board's reset text (``reset_texts``, e.g. ``MPY: soft reboot``) has
gone to the client, the connection is closed.
"""

from __future__ import annotations

import contextlib
import hmac
import select
import socket
import threading
import time
from pathlib import Path

from belay_gen.emulator.board_port import BoardPort, PortInUse, relay
from belay_gen.emulator.tcp import OneClientServer, busy_text
from belay_gen.emulator.webrepl_files import FileTransfer
from belay_gen.emulator.websocket import (
    BINARY,
    CLOSE,
    NORMAL,
    PING,
    PONG,
    TEXT,
    FrameReader,
    WebSocketError,
    accept,
    close_frame,
    frame,
)

PROMPT = b"Password: "
GRANTED = b"\r\nWebREPL connected\r\n>>> "
DENIED = b"\r\nAccess denied\r\n"
#: How long a client may take for the handshake and for typing the password.
LOGIN_TIMEOUT_S = 30.0
#: Longest password a board keeps (``webrepl_setup`` asks for 4 to 9 characters).
MAX_PASSWORD = 9
#: Most REPL bytes in one text frame to the client.
FRAME_BYTES = 1024


class _Closed(Exception):
    """The client sent a close frame."""


class _Reset(Exception):
    """The board reset: a board's WebREPL connection does not survive that."""


def check_password(password: str) -> str:
    """``password`` if a board could have it (4 to 9 characters); ValueError otherwise."""
    if not 4 <= len(password) <= MAX_PASSWORD:
        raise ValueError(
            f"a WebREPL password has 4 to {MAX_PASSWORD} characters, as on a board"
            f" (webrepl_setup); this one has {len(password)}"
        )
    return password


class WebReplServer:
    """Serve WebREPL for the board at pty ``board_path`` (files in ``root``) on
    ``(host, port)`` (or ``listener``, bound already); ``url`` is what clients open."""

    def __init__(
        self,
        board_path: str,
        root: Path,
        host: str,
        port: int,
        password: str,
        *,
        reset_texts: tuple[bytes, ...] = (b"MPY: soft reboot\r\n",),
        listener: socket.socket | None = None,
    ) -> None:
        self.board_path = board_path
        self.root = root
        self.reset_texts = tuple(text for text in reset_texts if text)
        self._password = check_password(password).encode()
        self._server = OneClientServer(
            host, port, self._serve, self._refuse, "emulate-webrepl", listener=listener
        )

    def __repr__(self) -> str:  # never the password
        return f"WebReplServer({self.url!r})"

    @property
    def url(self) -> str:
        return f"ws://{self._server.hostport}"

    def drop_client(self) -> None:
        """Cut the current client off without a close frame, as a board leaving Wi-Fi does."""
        self._server.drop_client()

    def close(self) -> None:
        self._server.close()

    def _refuse(self, conn: socket.socket) -> bool:
        return False  # a board closes a second connection without a word

    def _serve(self, conn: socket.socket, stop: threading.Event) -> None:
        try:
            if not accept(conn, LOGIN_TIMEOUT_S):
                return
            try:
                port = BoardPort(self.board_path)
            except PortInUse:
                text = b"\r\n" + busy_text(self.url, local=True)
                conn.sendall(frame(TEXT, text) + close_frame(NORMAL))
                return
            try:
                reader = FrameReader()
                early = self._login(conn, reader, stop)
                if early is not None:
                    port.discard_input()  # a board's output reaches no one before login
                    conn.sendall(frame(TEXT, GRANTED))
                    self._bridge(conn, port, reader, early, stop)
            finally:
                port.close()
        except WebSocketError as exc:
            with contextlib.suppress(OSError):
                conn.sendall(close_frame(exc.code))
        except _Closed:
            with contextlib.suppress(OSError):
                conn.sendall(close_frame(NORMAL))
        except _Reset:
            pass  # the connection just ends, without a close frame

    def _login(
        self, conn: socket.socket, reader: FrameReader, stop: threading.Event
    ) -> list[tuple[int, bytes]] | None:
        """Ask for the password; the messages that came after it once logged in, else None."""
        conn.sendall(frame(TEXT, PROMPT))
        typed = b""
        deadline = time.monotonic() + LOGIN_TIMEOUT_S
        while not stop.is_set() and time.monotonic() < deadline:
            ready, _, _ = select.select([conn], [], [], 0.2)
            if not ready:
                continue
            data = conn.recv(4096)
            if not data:
                return None
            messages = reader.feed(data)
            for index, (opcode, payload) in enumerate(messages):
                if opcode == CLOSE:
                    raise _Closed
                if opcode == PING:
                    conn.sendall(frame(PONG, payload))
                if opcode not in (TEXT, BINARY):
                    continue
                for at, byte in enumerate(payload):
                    if byte in b"\r\n":
                        if not self._verdict(conn, typed):
                            return None
                        rest = [(opcode, payload[at + 1 :])] if payload[at + 1 :] else []
                        return rest + messages[index + 1 :]
                    if len(typed) <= MAX_PASSWORD:  # a board keeps this many and drops the rest
                        typed += bytes([byte])
        return None

    def _verdict(self, conn: socket.socket, typed: bytes) -> bool:
        if hmac.compare_digest(typed, self._password):
            return True
        conn.sendall(frame(TEXT, DENIED) + close_frame(NORMAL))
        return False

    def _bridge(
        self,
        conn: socket.socket,
        port: BoardPort,
        reader: FrameReader,
        early: list[tuple[int, bytes]],
        stop: threading.Event,
    ) -> None:
        files = FileTransfer(self.root)

        def handle(messages: list[tuple[int, bytes]]) -> None:
            for opcode, payload in messages:
                if opcode == TEXT:
                    port.write(payload, stop)
                elif opcode == BINARY:
                    conn.sendall(b"".join(frame(BINARY, answer) for answer in files.feed(payload)))
                elif opcode == PING:
                    conn.sendall(frame(PONG, payload))
                elif opcode == CLOSE:
                    raise _Closed

        def from_client(data: bytes) -> None:
            handle(reader.feed(data))

        tail = b""

        def to_client(data: bytes) -> None:
            nonlocal tail
            for start in range(0, len(data), FRAME_BYTES):
                conn.sendall(frame(TEXT, data[start : start + FRAME_BYTES]))
            seen = tail + data
            if any(text in seen for text in self.reset_texts):
                raise _Reset
            tail = seen[-64:]

        try:
            handle(early)  # what the client sent right after its password
            relay(conn, port, from_client, to_client, stop)
        finally:
            files.close()
