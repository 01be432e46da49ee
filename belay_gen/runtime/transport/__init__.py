"""Byte transports to a board: serial ports, ptys, the virtual board."""

from __future__ import annotations

from belay_gen.runtime.errors import ConnectionFailed
from belay_gen.runtime.transport.base import Transport

__all__ = ["Transport", "open_transport"]

#: Port strings that start the virtual board instead of opening a device.
VIRTUAL_PREFIX = "virtual:"


def open_transport(port: str) -> Transport:
    """Open the link named by ``port``.

    ``/dev/ttyACM0``, ``COM3``, ``/dev/pts/4``: a serial port or pty. ``virtual:`` (optionally
    ``virtual:DIR?baud=115200``): a virtual board started for the life of
    the transport.
    """
    if port.startswith(("ws://", "wss://")):
        raise ConnectionFailed(
            f"{port}: WebREPL is not supported by this version of belay-gen yet; connect the"
            " board over USB serial (e.g. /dev/ttyACM0) instead"
        )
    if port.startswith(VIRTUAL_PREFIX):
        try:
            from belay_gen.runtime.transport.virtual import open_virtual
        except ImportError as exc:
            raise ConnectionFailed(
                f"cannot start the virtual board for {port!r}: it is not available in this"
                f" installation ({exc})"
            ) from exc
        return open_virtual(port)
    from belay_gen.runtime.transport.serial import SerialTransport

    return SerialTransport(port)
