"""The census's hostile TCP servers, for ``rfc2217://`` and ``socket://`` clients.

:class:`TcpPeer` listens on 127.0.0.1 and runs one behaviour per connection; every one stops
when closed. Two are boards: ``raw-board`` answers the raw REPL over raw TCP (a ser2net in raw
mode) and ``rfc2217-board`` puts pyserial's RFC 2217 server in front of a fake board's pty.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from belay_gen.emulator.tcp import BUSY_MARKER
from tests.census.hostile_peers import FakeBoard, answers, raw_repl

if TYPE_CHECKING:
    from tests.census.runner import Context
    from tests.census.steps import Step

Behaviour = Callable[["TcpPeer", socket.socket], None]
IAC, SB, SE, WILL, DO = 255, 250, 240, 251, 253


class TcpPeer:
    """A listening socket on 127.0.0.1; ``address`` is ``HOST:PORT`` for the case's URL."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.rng = random.Random(7)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._closers: list[Callable[[], object]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                if not select.select([self._listener], [], [], 0.1)[0]:
                    continue
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with conn, contextlib.suppress(OSError):
            self.behaviour(self, conn)

    def idle(self, conn: socket.socket, seconds: float = 30) -> None:
        """Read and drop what the client sends until it hangs up or the peer closes."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            if select.select([conn], [], [], 0.1)[0] and not conn.recv(4096):
                return

    def on_close(self, close: Callable[[], object]) -> None:
        self._closers.append(close)

    def close(self) -> None:
        self.stop.set()
        self._listener.close()
        for close in self._closers:
            with contextlib.suppress(OSError):
                close()


def _silent(peer: TcpPeer, conn: socket.socket) -> None:
    peer.idle(conn)


def _close_at_once(peer: TcpPeer, conn: socket.socket) -> None:
    pass


def _garbage(peer: TcpPeer, conn: socket.socket) -> None:
    while not peer.stop.is_set():
        conn.sendall(bytes(peer.rng.randrange(256) for _ in range(512)))
        time.sleep(0.05)


def _iac_garbage(peer: TcpPeer, conn: socket.socket) -> None:
    """Telnet commands without end: unknown options, a sub-negotiation never closed."""
    conn.sendall(bytes([IAC, WILL, 44, IAC, DO, 200, IAC, SB, 44, 101, 1, 2, 3]))
    while not peer.stop.is_set():
        conn.sendall(bytes([IAC, peer.rng.randrange(236, 256), peer.rng.randrange(256)] * 50))
        time.sleep(0.05)


def _trickle(peer: TcpPeer, conn: socket.socket) -> None:
    """One byte of a board's banner every 0.3 s, for ever."""
    text = b"raw REPL; CTRL-B to exit\r\n"
    index = 0
    while not peer.stop.is_set():
        conn.sendall(text[index % len(text) : index % len(text) + 1])
        index += 1
        time.sleep(0.3)


def _busy(peer: TcpPeer, conn: socket.socket) -> None:
    conn.sendall(BUSY_MARKER + b": census says no\r\n")
    peer.idle(conn, 5)


def _raw_board(peer: TcpPeer, conn: socket.socket) -> None:
    """A fake board's raw REPL over raw TCP (what ser2net in raw mode carries)."""
    board = _TcpBoard(conn)
    answer = raw_repl(answers(b"1\r\n"))
    while not peer.stop.is_set():
        if select.select([conn], [], [], 0.1)[0]:
            data = conn.recv(4096)
            if not data:
                return
            answer(board, data)  # type: ignore[arg-type]  # FakeBoard's writing half


class _TcpBoard:
    """What :func:`raw_repl` uses of a :class:`FakeBoard`, writing to a socket."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.pending = b""

    def write(self, data: bytes) -> None:
        self.conn.sendall(data)


class _Line:
    """The serial line as pyserial's RFC 2217 server sees it (a pty has no modem lines)."""

    baudrate, bytesize, parity, stopbits = 115200, 8, "N", 1
    xonxoff = rtscts = break_condition = ri = False
    dtr = rts = cts = dsr = cd = True

    def reset_input_buffer(self) -> None:
        pass

    def reset_output_buffer(self) -> None:
        pass


def _rfc2217_board(peer: TcpPeer, conn: socket.socket) -> None:
    """pyserial's RFC 2217 server in front of a fake board on a pty (ser2net in telnet mode)."""
    from serial import rfc2217

    board = FakeBoard(raw_repl(answers(b"1\r\n")))
    peer.on_close(board.close)
    fd = os.open(board.path, os.O_RDWR | os.O_NOCTTY)
    peer.on_close(lambda: os.close(fd))

    class Connection:
        def write(self, data: bytes) -> None:
            conn.sendall(data)

    manager = rfc2217.PortManager(_Line(), Connection())  # type: ignore[arg-type]
    while not peer.stop.is_set():
        ready = select.select([conn, fd], [], [], 0.1)[0]
        if fd in ready:
            conn.sendall(b"".join(manager.escape(os.read(fd, 4096))))
        if conn in ready:
            data = conn.recv(4096)
            if not data:
                return
            os.write(fd, b"".join(manager.filter(data)))


TCP_PEERS: dict[str, Behaviour] = {
    "silent": _silent,
    "close-at-once": _close_at_once,
    "garbage": _garbage,
    "iac-garbage": _iac_garbage,
    "trickle": _trickle,
    "busy": _busy,
    "raw-board": _raw_board,
    "rfc2217-board": _rfc2217_board,
}


def tcp_peer(behaviour: str) -> Step:
    """A census step: start the peer, ``{port}`` is its ``HOST:PORT``."""

    def step(ctx: Context) -> None:
        peer = TcpPeer(TCP_PEERS[behaviour])
        ctx.closers.append(peer.close)
        ctx.values["port"] = peer.address

    return step


def listening(key: str = "taken") -> Step:
    """A census step: a socket listening on 127.0.0.1, ``{taken}`` its ``HOST:PORT``."""

    def step(ctx: Context) -> None:
        sock = socket.create_server(("127.0.0.1", 0))
        ctx.closers.append(sock.close)
        ctx.values[key] = f"127.0.0.1:{sock.getsockname()[1]}"

    return step


def free_port(key: str = "free") -> Step:
    """A census step: ``{free}`` is a port nothing listens on (it was free a moment ago)."""

    def step(ctx: Context) -> None:
        with socket.create_server(("127.0.0.1", 0)) as sock:
            ctx.values[key] = str(sock.getsockname()[1])

    return step
