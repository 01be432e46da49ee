"""Which port a command talks to when PORT is left out, and the serial ports this machine has.

PORT resolution, first match wins: the PORT argument, ``BELAY_GEN_PORT``, the port stored by
``belay-gen select``, then the one board found on USB. Anything else is an error that lists
the candidates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import click

from belay_gen.errors import ConnectionFailed
from belay_gen.project import read_capped

#: Environment variable naming the port of commands run without PORT.
PORT_ENV = "BELAY_GEN_PORT"
#: The port strings that are no serial device.
NETWORK_PREFIXES = ("ws://", "wss://", "virtual:", "rfc2217://", "socket://")

#: USB vendor ids of boards that run MicroPython or CircuitPython, and of the USB-serial
#: bridges most ESP32/ESP8266 boards carry (those are "likely", not certain, boards).
KNOWN_VENDORS = {
    0x2E8A: "Raspberry Pi",
    0x303A: "Espressif",
    0x239A: "Adafruit",
    0xF055: "MicroPython",
    0x1A86: "CH340 USB-serial bridge",
    0x10C4: "CP210x USB-serial bridge",
    0x0403: "FTDI USB-serial bridge",
}


@dataclass(frozen=True)
class SerialPort:
    """One serial port as pyserial lists it; ``board`` names the vendor of a likely board."""

    device: str
    vid: int | None
    pid: int | None
    description: str
    board: str | None

    @property
    def usb_id(self) -> str:
        """``VID:PID`` in hex, or ``-`` for a port that is not USB."""
        if self.vid is None or self.pid is None:
            return "-"
        return f"{self.vid:04X}:{self.pid:04X}"

    def label(self) -> str:
        """``/dev/ttyACM0 (2E8A:0005 Board in FS mode)``, or just the device."""
        about = " ".join(part for part in (self.usb_id, self.description) if part != "-" and part)
        return f"{self.device} ({about})" if about else self.device


def serial_ports() -> list[SerialPort]:
    """The serial ports of this machine, likely boards first, then by name."""
    from serial.tools import list_ports

    found = []
    for info in list_ports.comports():
        vid = info.vid
        description = info.description if info.description not in (None, "n/a") else ""
        found.append(
            SerialPort(
                device=info.device,
                vid=vid,
                pid=info.pid,
                description=description or info.product or "",
                board=KNOWN_VENDORS.get(vid) if vid is not None else None,
            )
        )
    return sorted(found, key=lambda port: (port.board is None, port.device))


def stored_port_file() -> Path:
    """Where ``belay-gen select`` remembers its choice (the user's config folder)."""
    return Path(click.get_app_dir("belay-gen")) / "port"


def stored_port() -> str | None:
    """The port ``belay-gen select`` remembered, if any."""
    try:
        text = read_capped(stored_port_file(), 4096).decode("utf-8").strip()
    except (OSError, ValueError):
        return None
    return text or None


def resolve_port(port: str | None) -> str:
    """The port to open: ``port``, else ``BELAY_GEN_PORT``, the stored choice, or the one
    board found; raises :class:`ConnectionFailed` listing the candidates otherwise."""
    if port:
        return check_port(port)
    chosen = os.environ.get(PORT_ENV) or stored_port()
    if chosen:
        return check_port(chosen)
    ports = serial_ports()
    boards = [candidate for candidate in ports if candidate.board]
    if len(boards) == 1:
        click.echo(f"using {boards[0].label()}", err=True)
        return boards[0].device
    how = f"pass PORT, set {PORT_ENV}, or remember one with `belay-gen select`"
    if boards:
        listed = ", ".join(candidate.label() for candidate in boards)
        raise ConnectionFailed(f"no PORT given and several boards found: {listed}; {how}")
    listed = ", ".join(candidate.label() for candidate in ports) or "none"
    raise ConnectionFailed(
        f"no PORT given and no board found (serial ports: {listed}); {how},"
        " or use virtual: for the virtual board"
    )


def check_port(port: str) -> str:
    """``port``, once it names something that exists: a missing serial device is an error
    that lists the ports there are and mentions the virtual board. A network port
    (``ws://``, ``rfc2217://``, ``socket://``) and ``virtual:`` are checked when opened."""
    if port.lower().startswith(NETWORK_PREFIXES):
        return port
    if os.path.exists(port):
        return port
    devices = [candidate.device for candidate in serial_ports()]
    if port in devices:  # COM3 is no path on Windows
        return port
    listed = ", ".join(devices) or "none found"
    raise ConnectionFailed(
        f"serial port {port} does not exist; ports on this machine: {listed};"
        " for the virtual board use virtual: (or virtual:DIR)"
    )


def looks_like_port(text: str) -> bool:
    """True for text that is surely a port, not code or a file (``/dev/...``, ``COM3``,
    ``virtual:...``, ``ws://...``, ``rfc2217://...``): used to tell a forgotten CODE from a
    left-out PORT."""
    upper = text.upper()
    return text.lower().startswith(("/dev/", *NETWORK_PREFIXES)) or (
        upper.startswith("COM") and upper[3:].isdigit()
    )


def shift_port(port: str | None, value: str | None, name: str) -> tuple[str | None, str]:
    """For ``cmd [PORT] VALUE``: click fills PORT first, so with one argument it is VALUE.

    Returns ``(port, value)``; raises :class:`click.MissingParameter` when VALUE is missing.
    """
    if value is not None:
        return port, value
    if port is None or looks_like_port(port):
        raise click.MissingParameter(param_hint=f"'{name}'", param_type="argument")
    return None, port
