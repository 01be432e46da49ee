"""Faults of a virtual board, injected from tests: each behaves as on a real board."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from belay_gen.emulator.faults import FaultSchedule, LinkFaults, inject
from belay_gen.emulator.line import link_drop_supported
from belay_gen.emulator.profiles import PROFILES
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import ConnectionLost
from tests.emulator.boards import console_on
from tests.emulator.test_protocol import RAW_PROMPT


def test_garbage_is_deterministic_given_a_seed() -> None:
    assert LinkFaults(7).garbage(32) == LinkFaults(7).garbage(32)
    assert LinkFaults(7).garbage(32) != LinkFaults(8).garbage(32)


def test_lost_bytes_are_counted_either_way() -> None:
    faults = LinkFaults()
    faults.lose(to_board=3, from_board=1)
    assert faults.filter_input(b"ab") == b""
    assert faults.filter_input(b"cde") == b"de"
    assert faults.filter_output(b"xy") == b"y"


def test_a_schedule_rejects_unknown_faults() -> None:
    with pytest.raises(ValueError, match="fault kinds"):
        FaultSchedule(1.0, ("meteor",))
    with pytest.raises(ValueError, match="unknown fault"):
        inject(None, "meteor")  # type: ignore[arg-type]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def inject_reset(self) -> None:
        self.calls.append("reset")

    def stall(self, seconds: float) -> None:
        self.calls.append(f"stall {seconds}")

    def inject_garbage(self, count: int) -> bytes:
        self.calls.append(f"garbage {count}")
        return b""

    def lose_bytes(self, to_board: int = 0, from_board: int = 0) -> None:
        self.calls.append(f"lose {to_board}")


def _run_schedule(seed: int) -> list[str]:
    board = _Recorder()
    stop = threading.Event()
    thread = FaultSchedule(0.01, seed=seed).start(board, stop)
    time.sleep(0.3)
    stop.set()
    thread.join()
    return board.calls[:5]


def test_a_schedule_is_deterministic_given_a_seed() -> None:
    first = _run_schedule(3)
    assert len(first) == 5
    assert first == _run_schedule(3)


@pytest.mark.board
def test_reset_with_the_link_kept(board_root: Path) -> None:
    with console_on(board_root, PROFILES["esp32"]) as (board, client):
        client.exec_raw(b"x = 1")
        board.inject_reset()
        text = client.until(b">>> ")
        assert b"rst:0xc (SW_CPU_RESET)" in text  # the ESP32 ROM's boot text
        assert board.resets == 1
        client.raw()
        out, _ = client.exec_raw(b"print('x' in globals())")
    assert out == b"False\r\n"  # all state is gone


@pytest.mark.board
def test_stall_holds_bytes_without_losing_them(virtual_board: VirtualBoard) -> None:
    from tests.emulator.test_protocol import Console

    client = Console(virtual_board.path)
    try:
        client.raw()
        virtual_board.stall(0.6)
        started = time.monotonic()
        out, _ = client.exec_raw(b"print(6 * 7)")
        assert time.monotonic() - started >= 0.5
        assert out == b"42\r\n"
    finally:
        client.link.close()


@pytest.mark.board
def test_garbage_and_lost_bytes_reach_the_client(board_root: Path) -> None:
    with console_on(board_root, seed=5) as (board, client):
        noise = board.inject_garbage(8)
        assert noise == LinkFaults(5).garbage(8)
        assert client.take(8) == noise
        board.lose_bytes(to_board=1)  # the first byte of the code is lost
        client.send(b"xprint('ok')\x04")
        client.until(b"OK")
        assert client.until(b"\x04") == b"ok\r\n\x04"
        client.until(b">")
        board.lose_bytes(from_board=2)  # "OK" is lost
        client.send(b"print(1)\x04")
        assert client.until(b"\x04") == b"1\r\n\x04"
        client.until(RAW_PROMPT[-1:])


@pytest.mark.board
def test_a_dropped_link_hangs_up_the_client_and_returns_at_the_same_path(
    virtual_board: VirtualBoard,
) -> None:
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    with SerialTransport(virtual_board.path) as link:
        repl = RawRepl(link)
        repl.enter()
        repl.exec_or_raise("x = 5")
        if not link_drop_supported():
            pytest.skip("this machine may not hang up a terminal (TIOCVHANGUP)")
        virtual_board.drop_link(0.5)
        with pytest.raises(ConnectionLost):  # the link is gone
            repl.exec_or_raise("print(x)", timeout=2)
    time.sleep(0.7)
    with SerialTransport(virtual_board.path) as link:
        repl = RawRepl(link)
        repl.enter()
        assert repl.exec_or_raise("print(x)") == b"5\r\n"  # the board kept running


@pytest.mark.board
def test_a_native_usb_reset_drops_the_link_and_the_board_comes_back(board_root: Path) -> None:
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    with VirtualBoard(board_root, profile=PROFILES["rp2040"]) as board:
        with SerialTransport(board.path) as link:
            RawRepl(link).enter()
            if not link_drop_supported():
                pytest.skip("this machine may not hang up a terminal (TIOCVHANGUP)")
            board.inject_reset()
            with pytest.raises(ConnectionLost):
                RawRepl(link).exec_or_raise("1", timeout=2)
        time.sleep(0.8)
        with SerialTransport(board.path) as link:
            repl = RawRepl(link)
            repl.enter()
            assert repl.exec_or_raise("print('x' in globals())") == b"False\r\n"
        assert board.resets == 1
