"""The virtual board speaks the console protocol of a real MicroPython board, byte for byte."""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path

import pytest

from belay_gen.emulator.relay import VirtualBoard
from belay_gen.runtime.transport.serial import SerialTransport
from tests.support.requirements import require_board

RAW_PROMPT = b"raw REPL; CTRL-B to exit\r\n>"


class Console:
    """A deliberately naive client: write bytes, read until an expected byte string."""

    def __init__(self, path: str) -> None:
        self.link = SerialTransport(path)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.link.write(data)

    def until(self, expected: bytes, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while expected not in self.buffer:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out waiting for {expected!r}; got {self.buffer!r}"
            self.buffer += self.link.read(remaining)
        head, _, self.buffer = self.buffer.partition(expected)
        return head + expected

    def take(self, count: int, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self.buffer) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out waiting for {count} bytes; got {self.buffer!r}"
            self.buffer += self.link.read(remaining)
        head, self.buffer = self.buffer[:count], self.buffer[count:]
        return head

    def friendly(self) -> None:
        self.send(b"\x02")
        self.until(b'Type "help()" for more information.\r\n>>> ')
        self.buffer += self.link.drain(0.2)  # a power-on banner may still be in flight
        self.buffer = b""

    def raw(self) -> None:
        self.send(b"\r\x03")
        self.send(b"\r\x01")
        self.until(RAW_PROMPT)
        self.buffer = b""

    def exec_raw(self, code: bytes) -> tuple[bytes, bytes]:
        self.send(code + b"\x04")
        self.until(b"OK")
        out = self.until(b"\x04")[:-1]
        err = self.until(b"\x04")[:-1]
        self.until(b">")
        return out, err


def test_friendly_repl_banner_echo_and_multiline(console: Console) -> None:
    console.friendly()
    console.send(b"6 * 7\r")
    assert console.until(b">>> ") == b"6 * 7\r\n42\r\n>>> "
    console.send(b"for i in range(2):\r")
    assert console.until(b"...     ") == b"for i in range(2):\r\n...     "  # auto-indent
    console.send(b"print('n', i)\r")
    console.until(b"...     ")
    console.send(b"\r\r\r")  # MicroPython's readline steps the indent back, then runs
    assert console.until(b">>> ").endswith(b"n 0\r\nn 1\r\n>>> ")


def test_raw_repl_exec_stdout_and_exception(console: Console) -> None:
    console.raw()
    assert console.exec_raw(b"print('hi')") == (b"hi\r\n", b"")
    out, err = console.exec_raw(b"print('before')\nraise ValueError('bad')")
    assert out == b"before\r\n"
    assert err.endswith(b"ValueError: bad\r\n")


def test_raw_paste_with_flow_control(console: Console) -> None:
    console.raw()
    console.send(b"\x05A\x01")
    assert console.take(2) == b"R\x01"
    window = struct.unpack("<H", console.take(2))[0]
    assert console.take(1) == b"\x01"  # the first window is granted
    code = b"total = 0\n" + b"".join(b"total += %d\n" % i for i in range(400)) + b"print(total)"
    assert len(code) > 4 * window  # several windows, so flow control is exercised
    sent = 0
    credit = window
    while sent < len(code):
        if credit == 0:
            assert console.until(b"\x01") == b"\x01"
            credit = window
        chunk = code[sent : sent + credit]
        console.send(chunk)
        sent += len(chunk)
        credit -= len(chunk)
    console.send(b"\x04")
    console.until(b"\x04")  # the board acknowledges the end of the paste
    out = console.until(b"\x04")[:-1]
    assert out.endswith(str(sum(range(400))).encode() + b"\r\n")


def test_ctrl_c_interrupts_running_code(console: Console) -> None:
    console.raw()
    console.send(b"import time\nwhile True:\n time.sleep_ms(1)\x04")
    console.until(b"OK")
    time.sleep(0.2)
    console.send(b"\x03")
    console.until(b"\x04")
    err = console.until(b"\x04")
    assert b"KeyboardInterrupt" in err
    console.until(b">")
    assert console.exec_raw(b"print('alive')") == (b"alive\r\n", b"")


def test_ctrl_c_burst_interrupts_once_and_board_survives(
    console: Console, virtual_board: VirtualBoard
) -> None:
    console.raw()
    console.send(b"while True:\n pass\x04")
    console.until(b"OK")
    # "OK" comes before the program is compiled; as on a real board, a Ctrl-C that arrives
    # before the program runs is plain input, so give it a moment to start.
    time.sleep(0.2)
    console.send(b"\r\x03\x03")  # what Belay sends
    assert b"KeyboardInterrupt" in console.until(b"\x04>")
    assert virtual_board.resets == 0
    console.raw()
    assert console.exec_raw(b"print(1)") == (b"1\r\n", b"")


def test_soft_reset_in_raw_mode_runs_boot_only(console: Console, board_root: Path) -> None:
    (board_root / "boot.py").write_text("print('boot ran')\n")
    (board_root / "main.py").write_text("print('main ran')\n")
    console.raw()
    console.exec_raw(b"x = 1")
    console.send(b"\x04")
    text = console.until(RAW_PROMPT)
    assert text.startswith(b"OK\r\nMPY: soft reboot\r\n")
    assert b"boot ran\r\n" in text and b"main ran" not in text
    out, _ = console.exec_raw(b"print('x' in globals())")
    assert out == b"False\r\n"


def test_soft_reset_in_friendly_mode_runs_boot_and_main(console: Console, board_root: Path) -> None:
    (board_root / "boot.py").write_text("print('boot ran')\n")
    (board_root / "main.py").write_text("print('main ran')\n")
    console.friendly()
    console.send(b"\x04")
    text = console.until(b">>> ")
    assert b"MPY: soft reboot\r\nboot ran\r\nmain ran\r\n" in text


def test_ctrl_c_interrupts_a_looping_main_py(virtual_board: VirtualBoard, board_root: Path) -> None:
    (board_root / "main.py").write_text("import time\nwhile True:\n    time.sleep_ms(5)\n")
    client = Console(virtual_board.path)
    try:
        client.friendly()
        client.send(b"\x04")  # soft reset in friendly mode: main.py starts looping
        client.until(b"MPY: soft reboot")
        time.sleep(0.3)
        client.raw()  # Ctrl-C stops main.py, as on a board
        assert client.exec_raw(b"print('free')") == (b"free\r\n", b"")
    finally:
        client.link.close()


def test_a_crashed_vm_is_restarted_as_a_reset(
    console: Console, virtual_board: VirtualBoard
) -> None:
    console.raw()
    virtual_board.kill_vm()
    assert b"soft reboot" in console.until(RAW_PROMPT)
    assert virtual_board.resets == 1
    assert console.exec_raw(b"print('back')") == (b"back\r\n", b"")


def test_filesystem_is_jailed_to_the_folder(console: Console, board_root: Path) -> None:
    (board_root / "lib").mkdir()
    (board_root / "lib" / "helper.py").write_text("NAME = 'from lib'\n")
    console.raw()
    out, err = console.exec_raw(
        b"import os\nprint(sorted(os.listdir('/')))\nimport helper\nprint(helper.NAME)"
    )
    assert (out, err) == (b"['lib']\r\nfrom lib\r\n", b"")
    for escape in (b"'/../etc/passwd'", b"'../../etc/passwd'", b"'/lib/../../x'"):
        out, err = console.exec_raw(b"open(%s)" % escape)
        assert b"OSError" in err, escape
    out, err = console.exec_raw(b"os.listdir('/..')")
    assert b"OSError" in err


def test_rename_and_directories(console: Console, board_root: Path) -> None:
    console.raw()
    code = (
        b"import os\nos.mkdir('/d')\nos.chdir('/d')\n"
        b"with open('a.tmp','w') as f: f.write('data')\n"
        b"os.rename('a.tmp', '/d/a.txt')\nos.rename('/d/a.txt', '../b.txt')\n"
        b"print(os.getcwd(), os.listdir(), os.listdir('/'))"
    )
    out, err = console.exec_raw(code)
    assert err == b""
    assert out == b"/d [] ['b.txt', 'd']\r\n" or out == b"/d [] ['d', 'b.txt']\r\n"
    assert (board_root / "b.txt").read_text() == "data"


def test_machine_stub_reports_pins(console: Console, virtual_board: VirtualBoard) -> None:
    console.raw()
    code = (
        b"import binascii, errno, hashlib, machine, os, time\n"
        b"from machine import ADC, I2C, Pin, PWM, SPI, Timer\n"
        b"led = Pin(25, Pin.OUT)\nled.on()\nled.toggle()\nled.value(1)\n"
        b"print(led.value(), len(machine.unique_id()) > 0)"
    )
    assert console.exec_raw(code) == (b"1 True\r\n", b"")
    deadline = time.monotonic() + 5
    while len(virtual_board.trace_lines) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert virtual_board.trace_lines == [
        "pin 25 mode OUT",
        "pin 25 value 1",
        "pin 25 value 0",
        "pin 25 value 1",
    ]


def test_a_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        VirtualBoard(not_a_folder)


@pytest.mark.board  # starts its own board, at a baud rate
def test_baud_throttles_the_link(board_root: Path) -> None:
    require_board()
    with VirtualBoard(board_root, baud=9600) as board:  # 960 bytes/s each way
        client = Console(board.path)
        try:
            client.raw()
            started = time.monotonic()
            out, _ = client.exec_raw(b"print('x' * 1200)")
            elapsed = time.monotonic() - started
        finally:
            client.link.close()
    assert out == b"x" * 1200 + b"\r\n"
    assert elapsed >= 1.0  # 1,200+ bytes cannot cross a 960 byte/s link faster


def test_a_hung_vm_is_restarted_when_ctrl_c_goes_unanswered(
    virtual_board: VirtualBoard,
) -> None:
    from belay_gen.errors import DeviceTimeoutError
    from belay_gen.runtime.repl import RawRepl

    with SerialTransport(virtual_board.path) as link:
        repl = RawRepl(link)
        repl.enter()
        # The VM freezes while running code: it takes no Ctrl-C, no input, nothing.
        freeze = threading.Timer(0.2, virtual_board.freeze_vm)
        freeze.start()
        with pytest.raises(DeviceTimeoutError, match="back at the raw REPL"):
            repl.exec("while True:\n pass", timeout=0.5)
        assert virtual_board.resets == 1
        assert repl.exec("print('fresh')").stdout == b"fresh\r\n"
