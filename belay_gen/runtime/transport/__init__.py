"""Byte transports to a board: serial ports, ptys, the virtual board."""

from __future__ import annotations

import os

from belay_gen.errors import ConnectionFailed
from belay_gen.runtime.transport.base import Transport

__all__ = ["NETWORK_PREFIXES", "PASSWORD_ENV", "VIRTUAL_PREFIX", "Transport", "open_transport"]

#: Port strings that start the virtual board instead of opening a device.
VIRTUAL_PREFIX = "virtual:"
#: Environment variable holding the WebREPL password when none is passed.
PASSWORD_ENV = "BELAY_GEN_PASSWORD"
#: Port strings that name a serial port served over TCP (see ``transport.network``).
NETWORK_PREFIXES = ("rfc2217://", "socket://")


def open_transport(port: str, password: str | None = None) -> Transport:
    """Open the link named by ``port``.

    ``/dev/ttyACM0``, ``COM3``, ``/dev/pts/4``: a serial port or pty. ``virtual:`` (optionally
    ``virtual:DIR?baud=115200``): a virtual board started for the life of
    the transport. ``ws://HOST:8266``: MicroPython's WebREPL, logged in with ``password``
    (default: the ``BELAY_GEN_PASSWORD`` environment variable). ``rfc2217://HOST:PORT``,
    ``socket://HOST:PORT``: a serial port served over TCP (ser2net, labgrid, Wokwi,
    ``belay-gen emulate --listen``).
    """
    if port.startswith(("ws://", "wss://")):
        if password is None:
            password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise ConnectionFailed(
                f"{port}: WebREPL needs a password: Device(port, password=...) or {PASSWORD_ENV}"
            )
        from belay_gen.runtime.transport.webrepl import WebReplTransport

        return WebReplTransport(port, password)
    if port.lower().startswith(NETWORK_PREFIXES):
        from belay_gen.runtime.transport.network import NetworkTransport

        return NetworkTransport(port)
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
