"""Serial ports over TCP: ``rfc2217://HOST:PORT`` and ``socket://HOST:PORT``, with pyserial.

``rfc2217://`` is a Telnet COM-port server (ser2net in telnet mode, labgrid's exporter,
``belay-gen emulate --listen``); ``socket://`` is a raw TCP bridge (ser2net in raw mode, the
Wokwi simulator's serial port, ``emulate --listen`` too). Both are opened with pyserial's
``serial_for_url`` and driven through its portable API only (``read`` with a timeout,
``in_waiting``, ``write``): the network backends have no ``out_waiting``, and pyserial's RFC 2217
client renegotiates the port with the server whenever ``timeout`` changes and refuses a
``write_timeout``, so this transport sets its read timeout once (reads block in slices of
:data:`SLICE` s) and leaves writes to the socket's own deadline.

Deadlines: connecting gives up after pyserial's 5 s (RFC 2217 then negotiates for up to 3 s
more; ``?timeout=S`` in the URL changes that part); a write that the far end does not take within
``write_timeout`` (5 s over RFC 2217) is a :class:`~belay_gen.errors.DeviceTimeoutError`; reads
wait as long as the caller allows. A server that refuses a second client (``emulate --listen``
takes one at a time; its first line starts ``belay-gen emulate: busy``) is reported as a
:class:`~belay_gen.errors.PortBusyError` with its words.
"""

from __future__ import annotations

import contextlib
import math
import socket
import time
from urllib.parse import parse_qs, urlsplit

import serial
from serial import rfc2217
from serial.urlhandler import protocol_socket

from belay_gen.emulator.tcp import BUSY_MARKER
from belay_gen.errors import (
    ConnectionFailed,
    ConnectionLost,
    DeviceTimeoutError,
    PortBusyError,
)
from belay_gen.runtime.transport.base import Transport

#: Port strings this transport opens.
URL_SCHEMES = ("rfc2217", "socket")
#: How long one blocking read waits at most (the read timeout is set once, see above).
SLICE = 0.05
#: Longest refusal line a server may send before the board's bytes (see ``_seen``).
_REFUSAL_MAX = 1024


def split_url(url: str) -> tuple[str, str, int]:
    """``rfc2217://host:port[?options]`` → (scheme, host, port); :class:`ConnectionFailed`
    naming the expected form otherwise (pyserial's own checks let some through: port 0, an
    unknown or bad option, a ``timeout`` that never ends)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    form = f"{scheme}://HOST:PORT, e.g. {scheme}://192.168.1.20:2217"
    if scheme not in URL_SCHEMES:
        raise ConnectionFailed(f"{url}: not a network serial port (rfc2217:// or socket://)")
    if any(char.isspace() for char in url):
        raise ConnectionFailed(f"{url!r}: a port URL has no spaces: {form}")
    wrong = ConnectionFailed(f"{url}: give the host and the TCP port: {form} (a port is 1-65535)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port, or an IPv6 address without its closing bracket
        raise wrong from None
    if not parts.hostname or port is None or not 0 < port < 65536:
        raise wrong
    _check_options(url, scheme, parts.query)
    return scheme, parts.hostname, port


#: The options pyserial takes after ``?``, per scheme.
_OPTIONS = {
    "rfc2217": ("logging", "ign_set_control", "poll_modem", "timeout"),
    "socket": ("logging",),
}
_LOG_LEVELS = ("debug", "info", "warning", "error")


def _check_options(url: str, scheme: str, query: str) -> None:
    for option, values in parse_qs(query, keep_blank_values=True).items():
        value = values[-1]
        if option not in _OPTIONS[scheme]:
            known = ", ".join(_OPTIONS[scheme])
            raise ConnectionFailed(f"{url}: unknown option {option!r}; {scheme}:// takes {known}")
        if option == "logging" and value not in _LOG_LEVELS:
            raise ConnectionFailed(f"{url}: logging is one of {', '.join(_LOG_LEVELS)}")
        if option == "timeout" and not _positive(value):
            raise ConnectionFailed(f"{url}: timeout is a number of seconds, above 0 (e.g. 3)")


def _positive(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and value > 0


class NetworkTransport(Transport):
    """A transport to a serial port served over TCP (``rfc2217://`` or ``socket://``)."""

    def __init__(self, url: str, *, write_timeout: float = 5.0) -> None:
        scheme, host, port = split_url(url)
        url = scheme + url[len(scheme) :]  # pyserial knows its schemes in lower case only
        self.description = url
        #: How long a write may wait for the far end to take the data (``socket://``).
        self.write_timeout = write_timeout
        #: The connection's first bytes while they may still be a server's refusal.
        self._opening: bytes | None = b""
        self._closed = False
        # socket://'s in_waiting says only "something" (0 or 1), and its timeout costs nothing
        # to change: what has arrived is read with a zero timeout instead.
        self._zero_timeout_reads = scheme == "socket"
        try:
            opener = _Rfc2217Client if scheme == "rfc2217" else _SocketClient
            self._serial = opener(
                url,
                baudrate=115200,
                timeout=SLICE,
                # pyserial's RFC 2217 client refuses any write timeout; its socket has 5 s.
                write_timeout=None if scheme == "rfc2217" else write_timeout,
            )
        except (serial.SerialException, ValueError, OSError) as exc:
            raise ConnectionFailed(_explain(url, scheme, host, port, exc)) from exc
        # pyserial's socket:// leaves Nagle on (its RFC 2217 client turns it off): a small
        # write after another would wait for an ACK, up to 40 ms. Private attribute, pinned
        # by tests/reliability/test_network_ports.py.
        sock = getattr(self._serial, "_socket", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        if self._closed:
            raise ConnectionLost(f"the connection to {self.description} is closed")
        try:
            self._serial.write(data)
        except serial.SerialTimeoutException:
            raise self._timed_out() from None
        except (serial.SerialException, OSError) as exc:
            if isinstance(exc.__context__, TimeoutError):  # RFC 2217: the socket's deadline
                raise self._timed_out() from None
            raise self._lost(exc) from exc

    def read(self, timeout: float | None) -> bytes:
        if self._closed:
            raise ConnectionLost(f"the connection to {self.description} is closed")
        port = self._serial
        try:
            if timeout is not None and timeout <= 0:
                return self._seen(self._arrived())
            deadline = None if timeout is None else time.monotonic() + timeout
            while deadline is None or time.monotonic() < deadline:
                first = port.read(1)
                if first:
                    return self._seen(bytes(first) + self._arrived())
            return b""
        except (serial.SerialException, OSError, TypeError) as exc:
            # TypeError: the socket was closed under a blocked read.
            raise self._lost(exc) from exc

    def _arrived(self) -> bytes:
        """What has arrived, without waiting."""
        port = self._serial
        if self._zero_timeout_reads:
            port.timeout = 0
            try:
                return bytes(port.read(65536))
            finally:
                port.timeout = SLICE
        waiting = port.in_waiting
        return bytes(port.read(waiting)) if waiting else b""

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._serial.close()

    def _seen(self, data: bytes) -> bytes:
        """Watch the first bytes of the connection for a server's refusal."""
        if self._opening is not None and data:
            self._opening += data
            if not self._opening.startswith(BUSY_MARKER[: len(self._opening)]):
                self._opening = None  # the board speaking
            elif b"\n" in self._opening or len(self._opening) > _REFUSAL_MAX:
                raise self._refused()
        return data

    def _refused(self) -> PortBusyError:
        assert self._opening is not None
        said = self._opening.split(b"\r")[0].split(b"\n")[0].decode("utf-8", "replace")
        self._opening = None
        return PortBusyError(f"{self.description} refused the connection: {said}")

    def _lost(self, exc: Exception) -> Exception:
        if self._opening is not None and self._opening.startswith(BUSY_MARKER):
            return self._refused()  # the server said why before it hung up
        return ConnectionLost(f"lost the connection to {self.description}: {exc}")

    def _timed_out(self) -> DeviceTimeoutError:
        return DeviceTimeoutError(
            f"{self.description} accepted no data for {self.write_timeout:g} s;"
            " is the board or the network hung? reset it and retry"
        )


class _Rfc2217Client(rfc2217.Serial):  # type: ignore[misc]  # pyserial is untyped
    """pyserial's RFC 2217 client, whose reader thread ends quietly on bytes its Telnet parser
    cannot take (an ``IAC SE`` with no ``IAC SB``, a sub-negotiation too short): it used to
    print a traceback and leave readers waiting; they now see the connection lost."""

    def _telnet_read_loop(self) -> None:
        try:
            super()._telnet_read_loop()
        except Exception:  # whatever a hostile server's bytes break in pyserial
            self._read_buffer.put(None)  # read() raises "connection failed"


class _SocketClient(protocol_socket.Serial):  # type: ignore[misc]  # pyserial is untyped
    """pyserial's ``socket://`` client, which no longer drops what arrived while it opened:
    a server that refuses at once (a busy ``emulate --listen``) said why in those bytes."""

    def reset_input_buffer(self) -> None:
        pass  # the transport reads everything that arrives; nothing is stale on a new socket


def _explain(url: str, scheme: str, host: str, port: int, exc: Exception) -> str:
    text = str(exc)
    if "does not seem to support RFC2217" in text or "does not accept parameter" in text:
        return (
            f"cannot open {url}: {host}:{port} accepted the TCP connection but does not speak"
            f" RFC 2217; if it is a raw TCP bridge, use socket://{host}:{port}"
        )
    reason = text.split(": ", 1)[-1] if text.startswith("Could not open port") else text
    if reason == "timed out":
        reason = "no answer within 5 s"
    elif "Broken pipe" in reason or "Connection reset" in reason:
        reason = "the server closed the connection at once"
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return (
        f"cannot open {url}: {reason}; is the serial server (ser2net, labgrid,"
        f" `belay-gen emulate --listen {where}`) running there and reachable?"
    )


__all__ = ["URL_SCHEMES", "NetworkTransport", "split_url"]
