"""UsbSpecifier and list_devices, with pyserial's port listing replaced (no real USB)."""

from __future__ import annotations

from pathlib import Path

import pytest
from serial.tools import list_ports, list_ports_common

import belay_gen as belay
from belay_gen.runtime.transport.usb import UsbSpecifier, list_devices


def _port(device: str, **fields: object) -> list_ports_common.ListPortInfo:
    info = list_ports_common.ListPortInfo(device, skip_link_detection=True)
    for key, value in fields.items():
        setattr(info, key, value)
    return info


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> list[list_ports_common.ListPortInfo]:
    listed = [
        _port(
            "/dev/ttyACM0",
            vid=0x2E8A,
            pid=0x0005,
            serial_number="E66",
            manufacturer="MicroPython",
            product="Board in FS mode",
            location="1-1",
        ),
        _port(
            "/dev/ttyACM1",
            vid=0x2E8A,
            pid=0x0005,
            serial_number="F77",
            manufacturer="MicroPython",
            product="Board in FS mode",
            location="1-2",
        ),
        _port(
            "/dev/ttyUSB0",
            vid=0x10C4,
            pid=0xEA60,
            serial_number="0001",
            manufacturer="Silicon Labs",
            product="CP2102",
            location="1-3",
        ),
        _port("/dev/ttyS0"),  # no USB information: not listed
    ]
    monkeypatch.setattr(list_ports, "comports", lambda *args, **kwargs: listed)
    return listed


def test_list_devices_lists_usb_ports_only(ports: object) -> None:
    found = list_devices()
    assert [d.device for d in found] == ["/dev/ttyACM0", "/dev/ttyACM1", "/dev/ttyUSB0"]
    assert found[2] == UsbSpecifier(
        vid=0x10C4,
        pid=0xEA60,
        serial_number="0001",
        manufacturer="Silicon Labs",
        product="CP2102",
        location="1-3",
        device="/dev/ttyUSB0",
    )
    assert belay.list_devices is list_devices


def test_a_unique_specifier_selects_its_port(ports: object) -> None:
    assert UsbSpecifier(serial_number="f77").to_port() == "/dev/ttyACM1"  # case-insensitive
    assert UsbSpecifier(vid=0x10C4).to_port() == "/dev/ttyUSB0"
    assert UsbSpecifier(manufacturer="micropython", location="1-1").to_port() == "/dev/ttyACM0"
    assert UsbSpecifier(device="/dev/other").to_port() == "/dev/other"
    assert repr(UsbSpecifier(vid=1, product="x")) == "UsbSpecifier(vid=1, product='x')"


def test_no_match_and_several_matches(ports: object) -> None:
    with pytest.raises(belay.DeviceNotFoundError, match="no USB serial port matches") as missing:
        UsbSpecifier(pid=0x1234).to_port()
    assert "/dev/ttyUSB0" in str(missing.value)  # says what is connected
    with pytest.raises(belay.InsufficientSpecifierError) as several:
        UsbSpecifier(vid=0x2E8A).to_port()
    message = str(several.value)
    assert "/dev/ttyACM0" in message and "/dev/ttyACM1" in message and "E66" in message
    assert "/dev/ttyUSB0" not in message


def test_device_accepts_a_specifier(ports: object, tmp_path: Path) -> None:
    with pytest.raises(belay.InsufficientSpecifierError):
        belay.Device(UsbSpecifier(vid=0x2E8A))
    with pytest.raises(belay.ConnectionFailed, match="ttyUSB0 does not exist"):
        belay.Device(UsbSpecifier(product="cp2102"))  # resolved, then opened


@pytest.mark.board
def test_device_connects_through_a_specifier(
    monkeypatch: pytest.MonkeyPatch, virtual_board: object
) -> None:
    path = virtual_board.path  # type: ignore[attr-defined]
    monkeypatch.setattr(
        list_ports, "comports", lambda *a, **k: [_port(path, vid=1, pid=2, serial_number="V")]
    )
    with belay.Device(UsbSpecifier(serial_number="v")) as device:
        assert device("1 + 1") == 2
