"""Profiles make the virtual board as tight as real boards: heap, UART, input ring, firmware."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from belay_gen.emulator.line import Throttle
from belay_gen.emulator.profiles import PROFILES, get_profile, parse_size
from belay_gen.errors import ConnectionFailed
from belay_gen.runtime.transport.virtual import parse_virtual_port
from tests.emulator.boards import console_on


def test_knobs_override_a_profile_and_are_checked() -> None:
    esp32 = get_profile("esp32", heap=64 * 1024)
    assert (esp32.heap, esp32.baud, esp32.rxbuf) == (64 * 1024, 115200, 260)
    assert get_profile(rxbuf=100).heap is None
    assert parse_size("110K") == 110 * 1024 and parse_size("2M") == 2 << 20
    with pytest.raises(ValueError, match="unknown board profile 'esp31'"):
        get_profile("esp31")
    with pytest.raises(ValueError, match="at least 16K"):
        get_profile(heap=1024)
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_virtual_port_options() -> None:
    spec = parse_virtual_port("virtual:?profile=esp32&heap=64K&rxbuf=128&seed=7")
    assert (spec.root, spec.profile, spec.heap, spec.rxbuf, spec.seed) == (
        None,
        "esp32",
        65536,
        128,
        7,
    )
    assert spec.server_options() == [
        "--profile", "esp32", "--heap", "65536", "--rxbuf", "128", "--seed", "7",
    ]  # fmt: skip
    for bad in ("virtual:?profile=vax", "virtual:?heap=big", "virtual:?baud=0", "virtual:?x=1"):
        with pytest.raises(ConnectionFailed):
            parse_virtual_port(bad)


def test_every_byte_costs_its_line_time_the_last_included() -> None:
    throttle = Throttle(115200 / 10)
    started = time.perf_counter()
    for chunk in throttle.chunks(b"x" * 20):
        throttle.wait(len(chunk))
    assert time.perf_counter() - started >= 20 / 11520  # 1.74 ms: the wire's floor


@pytest.mark.board
@pytest.mark.parametrize("name", ["esp8266", "esp32"])
def test_the_profile_heap_is_what_board_code_gets(board_root: Path, name: str) -> None:
    with console_on(board_root, PROFILES[name]) as (_, client):
        out, _ = client.exec_raw(b"import gc\ngc.collect()\nprint(gc.mem_free())")
    heap = PROFILES[name].heap
    assert heap is not None
    assert heap * 0.9 <= int(out) <= heap * 1.15
    with console_on(board_root, PROFILES[name]) as (_, client):
        _, err = client.exec_raw(b"x = bytearray(%d)" % (heap * 2))
    assert b"MemoryError" in err


@pytest.mark.board
def test_a_full_input_ring_drops_what_does_not_fit(board_root: Path) -> None:
    with console_on(board_root, get_profile(rxbuf=64)) as (board, client):
        # The board is busy for 0.5 s and reads nothing; 200 more bytes arrive meanwhile.
        client.send(b"import time\ntime.sleep(0.5)\nprint('done')\x04" + b"#" * 200)
        client.until(b"OK")
        out = client.until(b"\x04")
    assert out.startswith(b"done")
    assert board.bytes_dropped >= 100


@pytest.mark.board
def test_circuitpython_profile(board_root: Path) -> None:
    (board_root / "boot.py").write_text("")
    with console_on(board_root, PROFILES["circuitpython"]) as (_, client):
        out, err = client.exec_raw(
            b"import sys, board, digitalio\n"
            b"print(sys.implementation.name)\n"
            b"led = digitalio.DigitalInOut(board.LED)\n"
            b"led.switch_to_output(True)\nprint(led.value)"
        )
        assert (out, err) == (b"circuitpython\r\nTrue\r\n", b"")
        for module in (b"machine", b"_thread"):
            _, err = client.exec_raw(b"import " + module)
            assert b"ImportError" in err
        _, err = client.exec_raw(b"open('x.txt', 'w')")
        assert b"OSError: 30" in err  # read-only to code, as CIRCUITPY is
    assert not (board_root / "x.txt").exists()
    (board_root / "boot.py").write_text("import storage\nstorage.remount('/', False)\n")
    with console_on(board_root, PROFILES["circuitpython"]) as (_, client):
        out, err = client.exec_raw(b"open('x.txt', 'w').write('1')")
    assert err == b""
    assert (board_root / "x.txt").read_text() == "1"


@pytest.mark.board
def test_board_code_cannot_see_the_host_environment_or_shell(
    board_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BELAY_GEN_PASSWORD", "secret")
    with console_on(board_root) as (_, client):
        out, err = client.exec_raw(
            b"import os, vfs\n"
            b"print(os.getenv('BELAY_GEN_PASSWORD'), hasattr(os, 'system'),"
            b" hasattr(vfs, 'VfsPosix'))"
        )
        assert (out, err) == (b"None False False\r\n", b"")
        _, err = client.exec_raw(b"import ffi")
        assert b"ImportError" in err


@pytest.mark.board
def test_circuitpython_banner_and_soft_reboot_text(board_root: Path) -> None:
    with console_on(board_root, PROFILES["circuitpython"]) as (_, client):
        client.send(b"\x02")
        banner = client.until(b">>> ")
        assert b"Adafruit CircuitPython" in banner and b"MicroPython" not in banner
        client.send(b"\x04")
        text = client.until(b">>> ")
    assert b"soft reboot\r\n" in text and b"MPY:" not in text
