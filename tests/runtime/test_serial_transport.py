"""SerialTransport on pseudo-terminals: blocking reads, timeouts, and the errors users see."""

from __future__ import annotations

import os
import pty
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from belay_gen.errors import (
    ConnectionFailed,
    ConnectionLost,
    DeviceTimeoutError,
    PortBusyError,
)
from belay_gen.runtime.transport import open_transport
from belay_gen.runtime.transport.serial import SerialTransport


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    """A pty with nothing behind it: (master fd, slave path)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)


def test_read_blocks_until_data_or_timeout(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    with SerialTransport(path) as link:
        started = time.monotonic()
        assert link.read(0.2) == b""
        assert 0.15 < time.monotonic() - started < 1
        os.write(master, b"hello")
        assert link.read(1.0) == b"hello"
        link.write(b"to board")
        assert os.read(master, 100) == b"to board"
        assert link.drain(0.05) == b""


def test_nonexistent_port_lists_the_ports_there_are() -> None:
    with pytest.raises(ConnectionFailed, match=r"/dev/nope0 does not exist; ports on this machine"):
        SerialTransport("/dev/nope0")


def test_a_port_another_process_holds_is_busy(pty_pair: tuple[int, str]) -> None:
    _, path = pty_pair
    with SerialTransport(path), pytest.raises(PortBusyError, match="busy"):
        SerialTransport(path)
    SerialTransport(path).close()  # released on close


def test_writes_to_a_board_that_takes_nothing_time_out(pty_pair: tuple[int, str]) -> None:
    _, path = pty_pair
    with SerialTransport(path, write_timeout=0.2) as link, pytest.raises(DeviceTimeoutError):
        link.write(b"x" * 4_000_000)


def test_reading_a_closed_transport_is_connection_lost(pty_pair: tuple[int, str]) -> None:
    _, path = pty_pair
    link = SerialTransport(path)
    link.close()
    link.close()  # harmless twice
    with pytest.raises(ConnectionLost):
        link.read(0.1)


def test_open_transport_picks_by_port_string(pty_pair: tuple[int, str]) -> None:
    _, path = pty_pair
    with open_transport(path) as link:
        assert isinstance(link, SerialTransport) and link.description == path
    with pytest.raises(ConnectionFailed):
        open_transport("/dev/nope0")


def test_a_webrepl_url_without_a_password_gets_a_clear_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BELAY_GEN_PASSWORD", raising=False)
    with pytest.raises(ConnectionFailed, match="WebREPL needs a password"):
        open_transport("ws://192.168.4.1:8266")


def test_writing_a_closed_transport_is_connection_lost(
    pty_pair: tuple[int, str], tmp_path: Path
) -> None:
    _, path = pty_pair
    link = SerialTransport(path)
    fd = link.fileno()
    link.close()
    # The closed descriptor's number is free for the next file this process opens.
    other = os.open(tmp_path / "unrelated", os.O_WRONLY | os.O_CREAT)
    if other != fd:
        os.dup2(other, fd)
        os.close(other)
    try:
        with pytest.raises(ConnectionLost, match="closed"):
            link.write(b"for the board")
    finally:
        os.close(fd)
    assert (tmp_path / "unrelated").read_bytes() == b""


def test_the_portable_pyserial_api_alone_carries_the_link() -> None:
    # loop:// has no file descriptor, as COM3 on Windows has none: only read with a
    # timeout, in_waiting and write can work here.
    with SerialTransport("loop://") as link:
        assert link.read(0) == b""
        started = time.monotonic()
        assert link.read(0.2) == b""
        assert 0.15 < time.monotonic() - started < 1
        link.write(b"hello")
        assert link.read(1.0) == b"hello"
        link.write(b"x" * 3000)  # past the small-write path (loop:// holds 4 KB)
        got = b""
        while len(got) < 3000:
            got += link.read(1.0)
        assert got == b"x" * 3000
