"""Faults of a virtual board, injected from tests: each behaves as on a real board."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from belay_gen.emulator.faults import FaultSchedule, LinkFaults, inject
from belay_gen.emulator.line import link_drop_supported
from belay_gen.emulator.profiles import PROFILES
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import ConnectionFailed, ConnectionLost
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


def test_corrupted_bytes_get_one_seeded_bit_flipped_each() -> None:
    faults = LinkFaults(3)
    faults.corrupt(to_board=2, from_board=1)
    sent = faults.filter_input(b"\x00\x00\x00")
    assert sent[2] == 0 and all(bin(byte).count("1") == 1 for byte in sent[:2])
    assert faults.filter_input(b"\x00") == b"\x00"  # two bytes only
    got = faults.filter_output(b"ab")
    assert bin(got[0] ^ ord("a")).count("1") == 1 and got[1:] == b"b"
    again = LinkFaults(3)
    again.corrupt(to_board=2)
    assert again.filter_input(b"\x00\x00\x00") == sent  # the same seed, the same bits


def test_damage_can_wait_for_an_offset_and_be_cancelled() -> None:
    faults = LinkFaults(4)
    faults.lose(to_board=2, after=3)
    assert faults.filter_input(b"abcd") == b"abc"
    assert faults.filter_input(b"efg") == b"fg"
    faults.corrupt(from_board=1, after=1)
    out = faults.filter_output(b"xyz")
    assert out[0:1] == b"x" and out[2:] == b"z" and out[1] != ord("y")
    assert faults.flipped["from_board"] == [(ord("y"), out[1])]
    faults.lose(to_board=5, after=10)
    faults.clear()
    assert faults.filter_input(b"0123456789abcdefghij") == b"0123456789abcdefghij"


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
        self.calls.append(f"lose {to_board} {from_board}")

    def corrupt_bytes(self, to_board: int = 0, from_board: int = 0) -> None:
        self.calls.append(f"corrupt {to_board} {from_board}")

    def slow_cpu(self, factor: float, seconds: float | None = None) -> None:
        self.calls.append(f"slow {factor} {seconds}")

    def drop_link(self, seconds: float) -> None:
        self.calls.append(f"drop {seconds}")


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


def test_a_schedule_injects_every_kind_it_is_given() -> None:
    board = _Recorder()
    stop = threading.Event()
    schedule = FaultSchedule(0.002, ("corrupt", "slow", "drop"), seed=1, stall_s=0.5)
    thread = schedule.start(board, stop)
    deadline = time.monotonic() + 10
    kinds = {"corrupt", "slow", "drop"}
    while time.monotonic() < deadline and kinds - {c.split()[0] for c in board.calls}:
        time.sleep(0.01)
    stop.set()
    thread.join()
    assert {call.split()[0] for call in board.calls} == kinds
    assert "slow 10.0 0.5" in board.calls and "drop 0.5" in board.calls


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
        name = board.path  # a stable name, like /dev/serial/by-id/...
        with SerialTransport(name) as link:
            RawRepl(link).enter()
            board.inject_reset()
            assert not os.path.exists(name)  # the USB device is gone
            with pytest.raises(ConnectionFailed):
                SerialTransport(name)
            with pytest.raises(ConnectionLost):
                RawRepl(link).exec_or_raise("1", timeout=2)
        _wait_for(lambda: os.path.exists(name))
        assert board.path == name
        with SerialTransport(name) as link:
            repl = RawRepl(link)
            repl.enter()
            assert repl.exec_or_raise("print('x' in globals())") == b"False\r\n"
        assert board.resets == 1


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.board
def test_a_native_usb_link_drop_removes_the_port_without_hanging_up(board_root: Path) -> None:
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    with VirtualBoard(board_root, profile=PROFILES["rp2040"]) as board:
        with SerialTransport(board.path) as link:
            repl = RawRepl(link)
            repl.enter()
            repl.exec_or_raise("x = 5")
            board.drop_link(0.3)  # no TIOCVHANGUP needed: the pty itself goes
            assert not os.path.exists(board.path)
            with pytest.raises(ConnectionLost):
                repl.exec_or_raise("print(x)", timeout=2)
        _wait_for(lambda: os.path.exists(board.path))
        with SerialTransport(board.path) as link:
            repl = RawRepl(link)
            repl.enter()
            assert repl.exec_or_raise("print(x)") == b"5\r\n"  # the board kept running
        assert board.resets == 0
    assert not os.path.exists(os.path.dirname(board.path))  # the name goes with the board


@pytest.mark.board
def test_corrupted_bytes_reach_either_side_with_one_bit_flipped(board_root: Path) -> None:
    with console_on(board_root, seed=2) as (board, client):
        board.corrupt_bytes(from_board=1)
        client.send(b"print(12345)\x04")
        reply = client.until(b"\x04")
        assert reply != b"OK12345\r\n\x04" and len(reply) == len(b"OK12345\r\n\x04")
        assert bin(reply[0] ^ ord("O")).count("1") == 1
        client.until(RAW_PROMPT[-1:])
        board.corrupt_bytes(to_board=1)  # "p" of print arrives with a bit flipped
        client.send(b"print(1)\x04")
        client.until(b"OK")
        client.until(b"\x04")  # stdout
        assert b"Error" in client.until(b"\x04")  # "print" is no longer print
        client.until(b">")
        out, err = client.exec_raw(b"print(2)")
    assert (out, err) == (b"2\r\n", b"")


def _stopped_samples(board: VirtualBoard, samples: int = 60) -> int:
    """How many of ``samples`` looks at the VM over ~0.6 s found it stopped (SIGSTOP)."""
    vm = board._vm
    assert vm is not None
    stopped = 0
    for _ in range(samples):
        with open(f"/proc/{vm.pid}/stat", encoding="ascii") as stat:
            stopped += stat.read().rpartition(")")[2].split()[0] == "T"
        time.sleep(0.01)
    return stopped


@pytest.mark.board
def test_a_slow_cpu_stops_the_board_most_of_the_time_and_ends(board_root: Path) -> None:
    with console_on(board_root) as (board, client):
        board.slow_cpu(10)
        assert _stopped_samples(board) > 0
        out, _ = client.exec_raw(b"print(sum(range(1000)))")
        assert out == b"499500\r\n"  # slower, not wrong
        board.slow_cpu(1)
        time.sleep(0.1)
        assert _stopped_samples(board) == 0
        board.slow_cpu(10, seconds=0.2)  # a spell of slowness ends by itself
        _wait_for(lambda: _stopped_samples(board, 5) == 0)
        with pytest.raises(ValueError, match="at least 1"):
            board.slow_cpu(0.5)


@pytest.mark.board
def test_a_frozen_board_stays_frozen_under_a_slow_cpu(board_root: Path) -> None:
    with console_on(board_root) as (board, _):
        board.slow_cpu(4)
        board.freeze_vm()
        time.sleep(0.1)
        assert _stopped_samples(board, 20) == 20
