"""What the virtual board's network servers share: the address and one client at a time.

:class:`OneClientServer` listens on one address and hands each accepted connection to a
handler thread, while a second connection gets the server's refusal (see ``refuse``) and is
closed. Portable (no POSIX-only import): the runtime's network transport reads
:data:`BUSY_MARKER` from here on every platform.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Callable

#: Start of the text a server sends a client it refuses (clients look for it).
BUSY_MARKER = b"belay-gen emulate: busy"
#: How long a send to a client may block (a client that stopped reading is dropped).
SEND_TIMEOUT_S = 30.0
#: How long a refused client may take to hang up before the server closes its socket.
REFUSE_GRACE_S = 5.0
#: How long a new client waits for the previous one's connection to be released.
HANDOVER_S = 0.5
#: How often blocked waits look at the stop flag.
POLL_S = 0.2


class AddressError(ValueError):
    """An address that is not ``HOST:PORT`` or ``PORT``."""


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPV6]:PORT`` or ``PORT`` (host 127.0.0.1) → (host, port); port 0
    picks a free one. :class:`AddressError` otherwise."""
    wrong = AddressError(f"{text!r} is not HOST:PORT or PORT (e.g. 127.0.0.1:7000)")
    if text.startswith("["):  # [::1]:7000
        host, closed, rest = text[1:].partition("]")
        if not closed or not rest.startswith(":"):
            raise wrong
        port = rest[1:]
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            host = "127.0.0.1"
        elif ":" in host:
            raise AddressError(f"{text!r}: write an IPv6 address in brackets, e.g. [::1]:7000")
    if not host or any(char.isspace() or char in "[]" for char in host):
        raise wrong
    if not (port.isascii() and port.isdigit()) or int(port) > 65535:
        raise wrong
    return host, int(port)


def bind(host: str, port: int) -> socket.socket:
    """A socket listening on ``(host, port)`` (OSError: the address is taken, unknown, ...)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


class OneClientServer:
    """Accept TCP connections on ``(host, port)``; ``handle(conn, stop)`` serves one client at
    a time in its own thread, ``refuse(conn)`` answers any other that comes meanwhile (True:
    keep its socket open until it hangs up, so that it reads the answer). ``listener``: a
    socket already listening (from :func:`bind`) instead of ``(host, port)``."""

    def __init__(
        self,
        host: str,
        port: int,
        handle: Callable[[socket.socket, threading.Event], None],
        refuse: Callable[[socket.socket], bool],
        name: str,
        *,
        listener: socket.socket | None = None,
    ) -> None:
        self._listener = bind(host, port) if listener is None else listener
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._handle = handle
        self._refuse = refuse
        self._name = name
        self._stop = threading.Event()
        self._client_stop = threading.Event()
        self._client: socket.socket | None = None
        self._busy = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True, name=name)
        self._acceptor.start()

    @property
    def hostport(self) -> str:
        """``HOST:PORT`` as a client writes it."""
        host, port = self.address
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def drop_client(self) -> None:
        """Cut the current client off, as a network failure would (tests, shutdown)."""
        self._client_stop.set()
        client = self._client
        if client is not None:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop listening, drop the client and wait for the threads (a few seconds at most)."""
        if self._stop.is_set():
            return
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self.drop_client()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], POLL_S)
                if not ready:
                    continue
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.settimeout(SEND_TIMEOUT_S)
            # Small writes go out at once: Nagle's wait for an ACK (up to a delayed ACK's 40 ms)
            # would hold each answer of a request/answer protocol.
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            thread = threading.Thread(target=self._take, args=(conn,), daemon=True, name=self._name)
            self._threads.append(thread)
            thread.start()

    def _take(self, conn: socket.socket) -> None:
        # A client that reconnects may come back before the server has let go of its last
        # connection: give the slot a moment to free before turning the newcomer away.
        if self._busy.acquire(timeout=HANDOVER_S):
            self._serve(conn)
        else:
            self._turn_away(conn)

    def _serve(self, conn: socket.socket) -> None:
        self._client = conn
        self._client_stop = threading.Event()
        if self._stop.is_set():
            self._client_stop.set()
        try:
            with conn:
                self._handle(conn, self._client_stop)
        except OSError:
            pass  # the client went away
        finally:
            self._client = None
            self._busy.release()

    def _turn_away(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            if self._refuse(conn):
                linger(conn, self._stop)


def linger(conn: socket.socket, stop: threading.Event) -> None:
    """Keep ``conn`` open until the client hangs up (at most :data:`REFUSE_GRACE_S` s), so it
    reads what it was just sent: some clients, pyserial's RFC 2217 one, lose what comes just
    before a close."""
    deadline = time.monotonic() + REFUSE_GRACE_S
    while time.monotonic() < deadline and not stop.is_set():
        ready, _, _ = select.select([conn], [], [], POLL_S)
        if ready and not conn.recv(4096):
            return


def busy_text(where: str, *, local: bool = False) -> bytes:
    """What a refused client reads (starts with :data:`BUSY_MARKER`); ``local``: the one
    holding the board is a program on the server's machine."""
    who = "a program on its machine has its port open" if local else "it already has a client"
    return (
        BUSY_MARKER
        + (
            f": the virtual board at {where} takes one client at a time and {who};"
            " close the other connection and retry\r\n"
        ).encode()
    )
