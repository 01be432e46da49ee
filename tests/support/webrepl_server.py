"""A WebREPL server on 127.0.0.1 in front of a virtual board, written with the stdlib.

It does what MicroPython's ``webrepl`` does on a board: the WebSocket handshake, a
``Password: `` prompt, ``WebREPL connected`` or ``Access denied`` (then close), and after
login text frames carrying REPL bytes both ways, here bridged to the board's pty through a
``SerialTransport``. One client at a time; ``drop()`` cuts the current client off.

:class:`ScriptedPeer` is a hostile one for tests: it runs a script against each client
(answer the handshake with a redirect, declare a huge frame, never finish a message).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from belay_gen.emulator.websocket import frame
from belay_gen.errors import BelayError
from belay_gen.runtime.transport.serial import SerialTransport

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455
TEXT, BINARY, CLOSE, PING, PONG = 1, 2, 8, 9, 10


class WebReplServer:
    """Serve WebREPL for the board at ``board_path``; ``url`` is ``ws://127.0.0.1:PORT``."""

    def __init__(self, board_path: str, password: str) -> None:
        self.board_path = board_path
        self.password = password
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self._listener.getsockname()[1]}"
        self._client: socket.socket | None = None
        self._stopped = False
        self._sessions: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def drop(self) -> None:
        """Cut the logged-in client off without a close frame, as a board losing Wi-Fi does."""
        client = self._client
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stopped = True
        self.drop()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)
        for session in self._sessions:  # each releases the board's pty when it ends
            session.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self._client is not None:  # one client at a time, as on the board
                conn.close()
                continue
            self._client = conn
            session = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._sessions.append(session)
            session.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn:
                handshake(conn)
                if self._login(conn):
                    self._bridge(conn)
        except (OSError, ConnectionError, BelayError):
            pass
        finally:
            self._client = None

    def _login(self, conn: socket.socket) -> bool:
        send_frame(conn, TEXT, b"Password: ")
        typed = b""
        while not typed.endswith(b"\r"):
            opcode, payload = recv_frame(conn)
            if opcode == CLOSE:
                return False
            typed += payload
        if typed[:-1] != self.password.encode():
            send_frame(conn, TEXT, b"\r\nAccess denied\r\n")
            send_frame(conn, CLOSE, struct.pack("!H", 1000))
            return False
        send_frame(conn, TEXT, b"\r\nWebREPL connected\r\n>>> ")
        return True

    def _bridge(self, conn: socket.socket) -> None:
        board = SerialTransport(self.board_path)
        done = threading.Event()

        def board_to_client() -> None:
            try:
                while not done.is_set():
                    data = board.read(0.05)
                    if data:
                        send_frame(conn, TEXT, data)
            except (OSError, BelayError):
                pass
            finally:
                done.set()

        pump = threading.Thread(target=board_to_client, daemon=True)
        pump.start()
        try:
            while not done.is_set():
                opcode, payload = recv_frame(conn)
                if opcode == CLOSE:
                    with contextlib.suppress(OSError):
                        send_frame(conn, CLOSE, payload[:2])
                    return
                if opcode == PING:
                    send_frame(conn, PONG, payload)
                elif opcode in (TEXT, BINARY):
                    board.write(payload)
        finally:
            done.set()
            pump.join(timeout=5)
            board.close()


class ScriptedPeer:
    """A WebSocket peer on 127.0.0.1 that runs ``script(conn)`` for each client it accepts;
    ``accepted`` counts them, ``received`` collects what scripts record."""

    def __init__(self, script: Callable[[socket.socket], None]) -> None:
        self.script = script
        self.accepted = 0
        self.received: list[tuple[int, bytes]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            with conn, contextlib.suppress(OSError, ConnectionError):
                self.script(conn)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)


def read_request(conn: socket.socket) -> bytes:
    """The client's HTTP upgrade request."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("client left during the handshake")
        request += chunk
    return request


def accept_login(conn: socket.socket) -> None:
    """The handshake and a login that takes any password."""
    handshake(conn)
    send_frame(conn, TEXT, b"Password: ")
    typed = b""
    while not typed.endswith(b"\r"):
        typed += recv_frame(conn)[1]
    send_frame(conn, TEXT, b"\r\nWebREPL connected\r\n>>> ")


def handshake(conn: socket.socket) -> None:
    request = read_request(conn)
    key = b""
    for line in request.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client closed the socket")
        data += chunk
    return data


def recv_frame(conn: socket.socket) -> tuple[int, bytes]:
    """One client frame: (opcode, unmasked payload)."""
    first, second = _recv_exact(conn, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _recv_exact(conn, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _recv_exact(conn, 8))
    mask = _recv_exact(conn, 4) if second & 0x80 else b"\0\0\0\0"
    payload = _recv_exact(conn, length)
    return first & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def send_frame(conn: socket.socket, opcode: int, payload: bytes) -> None:
    """One unmasked server frame."""
    conn.sendall(frame(opcode, payload))


@contextmanager
def webrepl_server(board_path: str, password: str) -> Iterator[WebReplServer]:
    """A running :class:`WebReplServer`, closed on exit."""
    server = WebReplServer(board_path, password)
    try:
        yield server
    finally:
        server.close()
