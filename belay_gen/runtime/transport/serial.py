"""Serial ports and pseudo-terminals through pyserial.

pyserial opens and configures the port and takes the advisory lock (``exclusive=True``);
reads and writes then go straight to the file descriptor with ``select`` so a read blocks
until data arrives instead of reconfiguring the port for every timeout.
"""

from __future__ import annotations

import errno
import os
import select

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


class SerialTransport(Transport):
    """A transport over a serial port or pty (``/dev/ttyACM0``, ``/dev/pts/3``)."""

    def __init__(self, port: str, baudrate: int = 115200, *, write_timeout: float = 10.0) -> None:
        self.description = port
        #: How long a write may wait for room in the port's output buffer.
        self.write_timeout = write_timeout
        if not os.path.exists(port):
            raise ConnectionFailed(
                f"serial port {port} does not exist; ports on this machine: {_describe_available()}"
            )
        try:
            self._serial = serial.Serial(port, baudrate=baudrate, timeout=0, exclusive=True)
        except serial.SerialException as exc:
            if _is_busy(exc):
                raise PortBusyError(
                    f"serial port {port} is busy: another process has it open "
                    "(close that program, e.g. a terminal or another belay-gen, and retry)"
                ) from exc
            raise ConnectionFailed(f"cannot open serial port {port}: {exc}") from exc
        self._fd: int = self._serial.fileno()
        self._closed = False

    def fileno(self) -> int:
        """The port's file descriptor (for ``select``); it stays reserved until ``close``."""
        return self._fd

    def write(self, data: bytes) -> None:
        if self._closed:  # the descriptor's number may already belong to another file
            raise ConnectionLost(f"the connection to {self.description} is closed")
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                # The port's output buffer is full: wait for the board to take some, but not
                # forever (a hung board or a pty nobody reads never will).
                _, ready, _ = select.select([], [self._fd], [], self.write_timeout)
                if not ready:
                    raise DeviceTimeoutError(
                        f"{self.description} accepted no data for {self.write_timeout:g} s;"
                        " is the board hung? reset it and retry"
                    ) from None
                continue
            except OSError as exc:
                raise ConnectionLost(f"lost the connection to {self.description}: {exc}") from exc
            view = view[written:]

    def read(self, timeout: float | None) -> bytes:
        if self._closed:
            raise ConnectionLost(f"the connection to {self.description} is closed")
        try:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return b""
            data = os.read(self._fd, 65536)
        except OSError as exc:
            raise ConnectionLost(f"lost the connection to {self.description}: {exc}") from exc
        if not data:
            raise ConnectionLost(f"{self.description} closed the connection")
        return data

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
