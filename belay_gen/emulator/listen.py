"""``belay-gen emulate --listen``: the virtual board as a serial port on the network.

One TCP port serves both kinds of client, told apart by how they start: a client that opens
with Telnet negotiation (its first byte is IAC, as pyserial's ``rfc2217://`` client, ser2net's
telnet mode and labgrid do) gets RFC 2217, through pyserial's server-side
:class:`serial.rfc2217.PortManager`; any other client (``socket://``, ``nc``, Wokwi-style raw
bridges) gets the board's bytes unchanged. A client that says nothing for :data:`SNIFF_S` s is
taken as raw.

One client at a time, as a serial port is: the board's pty is opened exclusively for it, and a
second client gets one line starting with ``belay-gen emulate: busy`` (over RFC 2217 after the
negotiation, so the client reads it as data) and is closed. The RFC 2217 line settings (baud
rate, parity, DTR/RTS, ...) are accepted and reported back, and change nothing: the board's
UART speed is its profile's (``--baud``).
"""

from __future__ import annotations

import select
import socket
import threading
import time

from serial import rfc2217

from belay_gen.emulator.board_port import BoardPort, PortInUse, relay
from belay_gen.emulator.tcp import OneClientServer, busy_text, linger

#: How long a new client has to show it speaks Telnet before it is taken as raw TCP.
SNIFF_S = 0.3
#: How long a refused RFC 2217 client may negotiate before it reads the refusal.
NEGOTIATE_S = 3.0
IAC = 0xFF


class _Line:
    """The settings of a serial line as RFC 2217 clients see them; nothing drives a pty's."""

    def __init__(self, baudrate: int, port: BoardPort | None) -> None:
        self.baudrate = baudrate
        self.bytesize = 8
        self.parity = "N"
        self.stopbits = 1
        self.xonxoff = False
        self.rtscts = False
        self.dtr = True
        self.rts = True
        self.break_condition = False
        self.cts = self.dsr = self.cd = True
        self.ri = False
        self._port = port

    def reset_input_buffer(self) -> None:
        if self._port is not None:
            self._port.discard_input()

    def reset_output_buffer(self) -> None:
        pass  # what the client sent has gone to the board already


class _Connection:
    """The client socket as PortManager writes to it (thread-safe ``write``)."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            self._conn.sendall(data)


def _speaks_telnet(conn: socket.socket) -> bool:
    """True when the client's first byte is Telnet's IAC (peeked, not consumed)."""
    ready, _, _ = select.select([conn], [], [], SNIFF_S)
    if not ready:
        return False
    first = conn.recv(1, socket.MSG_PEEK)
    return first[:1] == bytes([IAC])


class SerialServer:
    """Serve the board at pty ``board_path`` on ``(host, port)`` (or ``listener``, bound
    already) over RFC 2217 and raw TCP."""

    def __init__(
        self,
        board_path: str,
        host: str,
        port: int,
        *,
        baudrate: int = 115200,
        listener: socket.socket | None = None,
    ) -> None:
        self.board_path = board_path
        self.baudrate = baudrate
        self._server = OneClientServer(
            host, port, self._serve, self._refuse, "emulate-listen", listener=listener
        )

    @property
    def urls(self) -> tuple[str, str]:
        """``(rfc2217://HOST:PORT, socket://HOST:PORT)``."""
        where = self._server.hostport
        return f"rfc2217://{where}", f"socket://{where}"

    def drop_client(self) -> None:
        """Cut the current client off, as a failing network would."""
        self._server.drop_client()

    def close(self) -> None:
        self._server.close()

    def _serve(self, conn: socket.socket, stop: threading.Event) -> None:
        telnet = _speaks_telnet(conn)
        try:
            port = BoardPort(self.board_path)
        except PortInUse:
            self._refuse_as(conn, telnet, busy_text(self._server.hostport, local=True))
            linger(conn, stop)
            return
        try:
            if telnet:
                link = _Connection(conn)
                manager = rfc2217.PortManager(_Line(self.baudrate, port), link)

                def from_client(data: bytes) -> None:
                    port.write(b"".join(manager.filter(data)), stop)

                def to_client(data: bytes) -> None:
                    link.write(b"".join(manager.escape(data)))

                relay(conn, port, from_client, to_client, stop)
            else:
                relay(conn, port, lambda data: port.write(data, stop), conn.sendall, stop)
        finally:
            port.close()

    def _refuse(self, conn: socket.socket) -> bool:
        self._refuse_as(conn, _speaks_telnet(conn), busy_text(self._server.hostport))
        return True

    def _refuse_as(self, conn: socket.socket, telnet: bool, text: bytes) -> None:
        if not telnet:
            conn.sendall(text)
            return
        # Let the RFC 2217 client finish opening (it waits for answers to its options), so
        # that it reads the refusal as data instead of timing out on the negotiation.
        link = _Connection(conn)
        manager = rfc2217.PortManager(_Line(self.baudrate, None), link)
        deadline = time.monotonic() + NEGOTIATE_S
        quiet_since = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < SNIFF_S:
            ready, _, _ = select.select([conn], [], [], 0.05)
            if ready:
                data = conn.recv(4096)
                if not data:
                    return
                for _ in manager.filter(data):  # answers the options; no data goes anywhere
                    pass
                quiet_since = time.monotonic()
        link.write(b"".join(manager.escape(text)))
