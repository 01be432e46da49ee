"""Find a board's serial port by what its USB descriptor says (Belay's ``UsbSpecifier``).

    device = Device(UsbSpecifier(vid=0x2E8A, pid=0x0005))   # the Raspberry Pi Pico
    list_devices()   # every port that reports USB information

Text fields compare without regard to case; unset fields match anything. The port listing is
pyserial's ``serial.tools.list_ports.comports()``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from serial.tools import list_ports

from belay_gen.errors import DeviceNotFoundError, InsufficientSpecifierError

_FIELDS = ("vid", "pid", "serial_number", "manufacturer", "product", "location")


def _same(wanted: object, found: object) -> bool:
    if isinstance(wanted, str) and isinstance(found, str):
        return wanted.casefold() == found.casefold()
    return wanted == found


@dataclass(frozen=True)
class UsbSpecifier:
    """USB port metadata; the set fields select a port (see :meth:`to_port`).

    ``device`` is the port path itself (``/dev/ttyACM0``, ``COM3``): when set, it is the
    answer and the other fields are not consulted.
    """

    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    manufacturer: str | None = None
    product: str | None = None
    location: str | None = None
    device: str | None = None

    def __repr__(self) -> str:
        shown = (f"{f}={getattr(self, f)!r}" for f in _FIELDS if getattr(self, f) is not None)
        return f"UsbSpecifier({', '.join(shown)})"

    def criteria(self) -> dict[str, Any]:
        """The fields that are set (``device`` aside)."""
        return {f: getattr(self, f) for f in _FIELDS if getattr(self, f) is not None}

    def populated(self) -> bool:
        """True when any USB field is set (some ports, e.g. Bluetooth, report none)."""
        return bool(self.criteria())

    def matches(self, port: UsbSpecifier) -> bool:
        """True when every set field of this specifier equals ``port``'s."""
        return all(_same(value, getattr(port, key)) for key, value in self.criteria().items())

    def to_port(self) -> str:
        """The one port this specifier selects.

        :class:`DeviceNotFoundError` when no port matches, :class:`InsufficientSpecifierError`
        (listing the candidates) when several do.
        """
        if self.device:
            return self.device
        candidates = [port for port in list_devices() if self.matches(port)]
        if not candidates:
            raise DeviceNotFoundError(
                f"no USB serial port matches {self!r}; connected: "
                + (", ".join(_describe(p) for p in list_devices()) or "none")
            )
        if len(candidates) > 1:
            raise InsufficientSpecifierError(
                f"{len(candidates)} USB serial ports match {self!r}; add a field (e.g. "
                "serial_number) to pick one:\n"
                + "\n".join(f"    {_describe(p)}" for p in candidates)
            )
        assert candidates[0].device is not None  # list_devices fills it
        return candidates[0].device


def _describe(port: UsbSpecifier) -> str:
    shown = ", ".join(f"{key}={value!r}" for key, value in port.criteria().items())
    return f"{port.device} ({shown})"


def list_devices() -> list[UsbSpecifier]:
    """The serial ports that report USB information, as specifiers (``device`` set)."""
    found = []
    for port in list_ports.comports():
        values = {f.name: getattr(port, f.name, None) for f in fields(UsbSpecifier)}
        specifier = UsbSpecifier(**values)
        if specifier.populated():
            found.append(specifier)
    return found
