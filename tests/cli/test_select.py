"""``belay-gen select`` and PORT resolution, with pyserial's port listing patched."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from belay_gen.cli import main
from belay_gen.cli.ports import PORT_ENV, resolve_port, serial_ports, stored_port_file
from belay_gen.errors import ConnectionFailed


def _port(
    device: str, vid: int | None = None, pid: int | None = None, text: str = "n/a"
) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.description = vid, pid, text
    return info


@pytest.fixture
def ports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[ListPortInfo]:
    """The machine's ports (a list the test may change) and a private config folder."""
    listed = [
        _port("/dev/ttyS0"),
        _port("/dev/ttyUSB0", 0x1A86, 0x7523, "USB Serial"),
        _port("/dev/ttyACM0", 0x2E8A, 0x0005, "Board in FS mode"),
    ]
    monkeypatch.setattr(list_ports, "comports", lambda *args, **kwargs: listed)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(PORT_ENV, raising=False)
    return listed


def test_select_lists_ports_with_boards_marked_and_first(ports: list[ListPortInfo]) -> None:
    result = CliRunner().invoke(main, ["select"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["1", "/dev/ttyACM0", "2E8A:0005", "Board", "in", "FS", "mode",
                                "*", "Raspberry", "Pi"]  # fmt: skip
    assert lines[1].split()[:3] == ["2", "/dev/ttyUSB0", "1A86:7523"] and "CH340" in lines[1]
    assert lines[2].split() == ["3", "/dev/ttyS0", "-"]
    assert "select N" in result.stdout  # not a terminal: says how to choose, asks nothing


def test_select_remembers_a_choice_that_commands_then_use(ports: list[ListPortInfo]) -> None:
    result = CliRunner().invoke(main, ["select", "2"])
    assert result.exit_code == 0, result.output
    assert stored_port_file().read_text() == "/dev/ttyUSB0\n"
    assert "config" in str(stored_port_file())  # the user's config folder (here: the test's)
    assert resolve_port(None) == "/dev/ttyUSB0"
    listed = CliRunner().invoke(main, ["select", "--list"])
    assert listed.stdout.splitlines()[1].startswith(">")
    forgot = CliRunner().invoke(main, ["select", "--forget"])
    assert forgot.exit_code == 0 and not stored_port_file().exists()


def test_select_refuses_what_is_not_there(ports: list[ListPortInfo]) -> None:
    assert CliRunner().invoke(main, ["select", "9"]).exit_code == 2
    missing = CliRunner().invoke(main, ["select", "/dev/ttyNOPE"])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert not stored_port_file().exists()
    virtual = CliRunner().invoke(main, ["select", "virtual:/tmp/board"])
    assert virtual.exit_code == 0 and resolve_port(None) == "virtual:/tmp/board"


def test_resolution_order(ports: list[ListPortInfo], monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_port("virtual:") == "virtual:"  # the argument first
    with pytest.raises(ConnectionFailed, match=r"several boards found: /dev/ttyACM0 .*ttyUSB0"):
        resolve_port(None)
    del ports[1]  # one board left: it is used
    assert resolve_port(None) == "/dev/ttyACM0"
    CliRunner().invoke(main, ["select", "virtual:/x"])
    assert resolve_port(None) == "virtual:/x"  # the stored choice beats detection
    monkeypatch.setenv(PORT_ENV, "ws://board:8266")
    assert resolve_port(None) == "ws://board:8266"  # the environment beats the choice


def test_no_board_is_an_error_naming_the_ports(ports: list[ListPortInfo]) -> None:
    del ports[1:]
    result = CliRunner().invoke(main, ["info"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no PORT given and no board found")
    assert "/dev/ttyS0" in result.stderr and "belay-gen select" in result.stderr
    assert "virtual:" in result.stderr
    assert [port.device for port in serial_ports()] == ["/dev/ttyS0"]
