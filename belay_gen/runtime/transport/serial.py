"""Serial ports and pseudo-terminals through pyserial's portable API.

pyserial opens and configures the port and takes the advisory lock (``exclusive=True``,
POSIX; a Windows ``COMn`` port is exclusive anyway). Reads and writes use only ``read`` with a
timeout, ``in_waiting`` and ``write``, so ``COM3`` on Windows, ``/dev/cu.*`` on macOS and
``/dev/ttyACM0`` on Linux take the same code path. Setting pyserial's ``timeout``
reconfigures the port, so a read that may wait long blocks in slices of ``_SLICE`` seconds
with the timeout left alone; only shorter waits set it (and it is remembered). Small writes
to an empty output queue skip pyserial's wait for writability; others wait at most
``write_timeout``.
"""

from __future__ import annotations

import errno
import os
import time

import serial
from serial.tools import list_ports

from belay_gen.errors import (
    ConnectionFailed,
    ConnectionLost,
    DeviceTimeoutError,
    PortBusyError,
)
from belay_gen.runtime.transport.base import Transport


def available_ports() -> list[str]:
    """Return the serial ports this machine has, sorted."""
    return sorted(port.device for port in list_ports.comports())


def _describe_available() -> str:
    ports = available_ports()
    return ", ".join(ports) if ports else "none found"


#: How long one blocking read waits at most; longer waits repeat it.
_SLICE = 0.5
#: Writes up to this size go out without waiting when the port's output queue is empty.
_SMALL_WRITE = 256


class SerialTransport(Transport):
    """A transport over a serial port or pty (``/dev/ttyACM0``, ``COM3``, ``/dev/pts/3``)."""

    def __init__(self, port: str, baudrate: int = 115200, *, write_timeout: float = 10.0) -> None:
        self.description = port
        #: How long a write may wait for room in the port's output buffer.
        self.write_timeout = write_timeout
        if port.lower().startswith(("rfc2217://", "socket://")):  # see transport/network.py
            raise ConnectionFailed(
                f"{port} is a network port: open it with open_transport() or Device({port!r})"
            )
        if port.startswith("/") and not os.path.exists(port):
            raise ConnectionFailed(
                f"serial port {port} does not exist; ports on this machine: {_describe_available()}"
            )
        try:
            # serial_for_url opens a plain port as serial.Serial does (URLs go to network.py).
            self._serial = serial.serial_for_url(
                port,
                baudrate=baudrate,
                timeout=_SLICE,
                write_timeout=0,
                exclusive=True,
            )
        except serial.SerialException as exc:
            if _is_busy(exc):
                raise PortBusyError(
                    f"serial port {port} is busy: another process has it open "
                    "(close that program, e.g. a terminal or another belay-gen, and retry)"
                ) from exc
            raise ConnectionFailed(f"cannot open serial port {port}: {exc}") from exc
        self._timeout: float = _SLICE
        self._closed = False

    def fileno(self) -> int:
        """The port's file descriptor (POSIX only; it stays reserved until ``close``)."""
        return int(self._serial.fileno())

    def write(self, data: bytes) -> None:
        if self._closed:  # the descriptor's number may already belong to another file
            raise ConnectionLost(f"the connection to {self.description} is closed")
        port = self._serial
        try:
            if len(data) <= _SMALL_WRITE and not port.out_waiting:
                # An empty output queue has room for a small write: send it without
                # pyserial's wait for writability (write_timeout 0 returns at once).
                try:
                    sent = port.write(data) or 0
                except serial.SerialTimeoutException:  # a backend that cannot send at once
                    sent = 0
                if sent == len(data):
                    return
                data = data[sent:]
            port.write_timeout = self.write_timeout
            try:
                port.write(data)
            finally:
                port.write_timeout = 0
        except serial.SerialTimeoutException:
            # The port's output buffer stayed full: a hung board or a pty nobody reads.
            raise DeviceTimeoutError(
                f"{self.description} accepted no data for {self.write_timeout:g} s;"
                " is the board hung? reset it and retry"
            ) from None
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"lost the connection to {self.description}: {exc}") from exc

    def read(self, timeout: float | None) -> bytes:
        if self._closed:
            raise ConnectionLost(f"the connection to {self.description} is closed")
        port = self._serial
        try:
            if timeout is not None and timeout <= 0:
                waiting = port.in_waiting
                return bytes(port.read(waiting)) if waiting else b""
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return b""
                wait = _SLICE if left is None or left >= _SLICE else left
                if wait != self._timeout:
                    port.timeout = self._timeout = wait
                first = port.read(1)
                if first:
                    waiting = port.in_waiting
                    return bytes(first + port.read(waiting)) if waiting else bytes(first)
        except (serial.SerialException, OSError, TypeError) as exc:
            # pyserial reports a vanished device as "readiness to read but returned no data"
            # (and, closed under us, as a TypeError on the missing descriptor).
            raise ConnectionLost(f"lost the connection to {self.description}: {exc}") from exc

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._serial.close()


def _is_busy(exc: serial.SerialException) -> bool:
    text = str(exc)
    return (
        getattr(exc, "errno", None) in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK)
        or "exclusively lock" in text
        or "Resource temporarily unavailable" in text
        or "busy" in text.lower()
    )
