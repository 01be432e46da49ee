"""Board profiles: the limits of real boards that the virtual board models.

A profile fixes the heap left to Python after boot, the UART rate, the size of the input ring
(what does not fit is dropped, as on a UART-bridge board), the firmware flavour and whether a
reset drops the USB port. Facts from REFERENCE.md, "Real boards". ``heap``, ``baud`` and
``rxbuf`` can also be set one by one, over a profile or alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

#: The smallest heap a board can have: below this no useful client (mpremote, Belay) connects.
MIN_HEAP = 16 * 1024


@dataclass(frozen=True)
class BoardProfile:
    """What a virtual board is like; ``None`` means unlimited (the host's speed, a big heap)."""

    name: str = "unix"
    #: Bytes free to Python after boot (``gc.mem_free()`` on a fresh board).
    heap: int | None = None
    #: UART rate in bits per second: every byte costs 10 bit times, both ways.
    baud: int | None = None
    #: Size of the board's input ring; bytes that do not fit are dropped silently.
    rxbuf: int | None = None
    #: ``"micropython"`` or ``"circuitpython"`` (its sys.implementation, modules and texts).
    flavour: str = "micropython"
    #: Native USB: a reset drops the port and brings it back (a UART bridge keeps it).
    native_usb: bool = False
    #: What a hard reset prints before the firmware's own output (a ROM bootloader's text).
    reset_text: bytes = b""
    #: What a soft reset prints.
    soft_reboot_text: bytes = b"MPY: soft reboot\r\n"
    #: The friendly REPL's banner lines in place of the unix port's (``None``: keep them).
    banner: bytes | None = None


_ESP_ROM = (
    b"ets Jun  8 2016 00:22:57\r\n\r\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
)

PROFILES: dict[str, BoardProfile] = {
    "unix": BoardProfile(),
    "esp32": BoardProfile("esp32", heap=110 * 1024, baud=115200, rxbuf=260, reset_text=_ESP_ROM),
    "esp8266": BoardProfile(
        "esp8266",
        heap=36 * 1024,
        baud=115200,
        rxbuf=256,
        reset_text=b"\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\n",
    ),
    "rp2040": BoardProfile("rp2040", heap=190 * 1024, native_usb=True),
    "circuitpython": BoardProfile(
        "circuitpython",
        heap=190 * 1024,
        flavour="circuitpython",
        native_usb=True,
        soft_reboot_text=b"\r\nsoft reboot\r\n",
        banner=b"Adafruit CircuitPython 9.2.1 on 2026-01-01; Virtual board with rp2040\r\n",
    ),
}


def get_profile(
    name: str | None = None,
    *,
    heap: int | None = None,
    baud: int | None = None,
    rxbuf: int | None = None,
) -> BoardProfile:
    """The profile ``name`` (default ``unix``), with any single knob given set over it."""
    try:
        profile = PROFILES[name or "unix"]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown board profile {name!r}; known profiles: {known}") from None
    changes = {"heap": heap, "baud": baud, "rxbuf": rxbuf}
    for key, value in changes.items():
        if value is not None and value <= 0:
            raise ValueError(f"{key} must be a positive integer, not {value}")
    if heap is not None and heap < MIN_HEAP:
        raise ValueError(f"heap must be at least {MIN_HEAP // 1024}K, not {heap}")
    return dataclasses.replace(
        profile,
        heap=profile.heap if heap is None else heap,
        baud=profile.baud if baud is None else baud,
        rxbuf=profile.rxbuf if rxbuf is None else rxbuf,
    )


def parse_size(text: str) -> int:
    """``"110K"``, ``"2M"`` or ``"4096"`` as a number of bytes; ValueError otherwise."""
    scale = {"K": 1024, "M": 1024 * 1024}.get(text[-1:].upper(), 1)
    digits = text[:-1] if scale != 1 else text
    if not digits.isdigit() or int(digits) <= 0:
        raise ValueError(f"{text!r} is not a size (e.g. 110K, 2M, 4096)")
    return int(digits) * scale
