"""The board's pty as a network client's serial port, and the byte relay between them.

:class:`BoardPort` opens the pty as a serial port is opened: exclusively (the same advisory
lock pyserial's ``exclusive=True`` takes, so a local client and a network client never share
the board), and without the output the board made before. :func:`relay` moves bytes between
the client's socket and the port until either end goes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import socket
import termios
import threading
from collections.abc import Callable

from belay_gen.emulator.tcp import POLL_S


class PortInUse(OSError):
    """Another client (local or on the network) has the board's port open."""


class BoardPort:
    """The board's pty, opened exclusively for one network client."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise PortInUse(exc.errno, f"{path} is open in another program") from None
            raise
        self.discard_input()

    def discard_input(self) -> None:
        """Drop what the board sent before this client came (nobody was there to hear it)."""
        with contextlib.suppress(OSError):
            termios.tcflush(self.fd, termios.TCIFLUSH)

    def read(self) -> bytes:
        """What the board has sent; ``b""`` when nothing is there. OSError: the board is gone."""
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return b""
        if not data:  # end of file: the port was hung up (a native-USB board's reset)
            raise OSError(errno.EIO, f"{self.path} hung up")
        return data

    def write(self, data: bytes, stop: threading.Event) -> None:
        """Send all of ``data`` to the board (its relay always reads), unless ``stop`` is set."""
        view = memoryview(data)
        while view and not stop.is_set():
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                select.select([], [self.fd], [], POLL_S)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)  # releases the lock


def relay(
    conn: socket.socket,
    port: BoardPort,
    from_client: Callable[[bytes], None],
    to_client: Callable[[bytes], None],
    stop: threading.Event,
) -> None:
    """Pass what the client sends to ``from_client`` and what the board sends to ``to_client``
    until the client leaves, the board's port fails, or ``stop`` is set."""
    while not stop.is_set():
        try:
            client = conn.fileno()
            ready, _, _ = select.select([client, port.fd], [], [], POLL_S)
        except (OSError, ValueError):
            return  # a socket closed under us
        if port.fd in ready:
            try:
                data = port.read()
            except OSError:
                return  # the board went away (the server is stopping)
            if data:
                to_client(data)
        if client in ready:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            from_client(data)
