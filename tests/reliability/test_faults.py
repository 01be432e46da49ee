"""Under each fault of the virtual board, the call it hits and the next call either succeed
with the right answer or fail with the documented error: never a hang (every Device here has
a ``timeout``), never a wrong answer (issue 11, "Proof").

Fault (how injected): the call it hits; the next call works after each.

- reset with the link kept, esp32 (during a call; between calls; a call sent while it
  boots): ``BoardResetError``; fine; fine or ``BoardResetError``.
- link drop and return with the port gone, rp2040 (during a call; between calls; a call sent
  into the gone port): ``BoardResetError`` (``LinkDroppedError``); fine; ``LinkDroppedError``.
  A UART link hung up: tests/reliability/test_session_faults.py.
- stall (shorter; longer than the timeout): fine; ``DeviceTimeoutError``.
- garbage bytes (during a call; between calls): fine or a documented error; fine.
- lost bytes, either way (1 to 4 bytes at sampled offsets of a call): fine or a documented
  error.
- corrupted bytes, either way (the same): fine or a documented error; a wrong answer only
  where a bit flip turned one digit into another (the raw REPL has no checksum: reported).
- slow CPU, 10x (throughout: connect, calls, sync): fine.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import belay_gen as belay
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import (
    BelayError,
    BoardResetError,
    DeviceTimeoutError,
    ProtocolError,
    PyboardException,
    ResultNotLiteralError,
)
from tests.support.virtual_boards import FaultOnOutput, profile_board, wait_for

pytestmark = pytest.mark.board

#: What a call hit by damaged bytes may raise: the board ran code that lost or changed bytes
#: (its own error), the answer was damaged or never came (timeout), or the session saw the
#: board's helpers gone.
DAMAGE_ERRORS = (
    DeviceTimeoutError,
    ProtocolError,
    PyboardException,
    ResultNotLiteralError,
    BoardResetError,
)


@contextmanager
def _device(
    root: Path, profile: str = "unix", *, timeout: float = 3.0, seed: int = 11
) -> Iterator[tuple[VirtualBoard, belay.Device]]:
    """A board and a Device that reconnects, with the ``echo`` task defined."""
    with profile_board(profile, root, seed=seed) as board:
        device = belay.Device(board.path, attempts=20, reconnect_delay=0.1, timeout=timeout)
        try:
            device.session.idle_stream = None  # boot text after a reset, garbage: not checked

            @device.task
            def echo(n):  # type: ignore[no-untyped-def]
                print("go")
                time.sleep(0.2)
                return [n, n * 7 + 1]

            yield board, device
        finally:
            device.close()


def _call(device: belay.Device, n: int, fault: Callable[[], object] | None = None) -> object:
    """``echo(n)`` with ``fault`` run when the board starts it: ``"ok"``, ``"wrong"`` (an
    answer that is not echo(n)'s) or the belay-gen error it raised."""
    out = None if fault is None else FaultOnOutput("go", fault)
    try:
        got = device.call("echo", [("", n)], stream_out=out)
    except BelayError as exc:
        return exc
    return "ok" if got == [n, n * 7 + 1] else "wrong"


def _next_call_works(device: belay.Device, n: int) -> None:
    assert _call(device, n) == "ok"


def test_a_reset_with_the_link_kept(tmp_path: Path) -> None:
    with _device(tmp_path, "esp32") as (board, device):
        assert isinstance(_call(device, 1, board.inject_reset), BoardResetError)
        _next_call_works(device, 2)
        board.inject_reset()  # between calls: the next call finds a fresh board
        board.wait_booted(2)
        time.sleep(1.0)  # the next call comes later: the boot text has arrived by then
        _next_call_works(device, 3)


def test_a_call_sent_while_the_board_reboots(tmp_path: Path) -> None:
    with _device(tmp_path, "esp32") as (board, device):
        board.inject_reset()
        result = _call(device, 1)  # the board is still booting
        assert result == "ok" or isinstance(result, BoardResetError), result


def test_a_native_usb_port_that_goes_and_comes_back(tmp_path: Path) -> None:
    with _device(tmp_path, "rp2040") as (board, device):
        assert isinstance(_call(device, 1, lambda: board.drop_link(0.3)), BoardResetError)
        _next_call_works(device, 2)
        board.drop_link(0.3)  # between calls: reopened under the same name
        wait_for(lambda: os.path.exists(board.path))
        _next_call_works(device, 3)
        assert isinstance(_call(device, 4, board.inject_reset), BoardResetError)
        _next_call_works(device, 5)
        board.inject_reset()
        board.wait_booted(2)
        _next_call_works(device, 6)
        # A call sent into the gone port may not have reached the board, but the session
        # cannot tell: it says it may have run partly (LinkDroppedError), never runs it again.
        board.drop_link(0.3)
        assert isinstance(_call(device, 7), BoardResetError)
        _next_call_works(device, 8)


def test_a_stall_shorter_and_longer_than_the_timeout(tmp_path: Path) -> None:
    with _device(tmp_path, timeout=2.0) as (board, device):
        assert _call(device, 1, lambda: board.stall(0.3)) == "ok"
        assert isinstance(_call(device, 2, lambda: board.stall(3.0)), DeviceTimeoutError)
        board.faults.wait_stall()
        _next_call_works(device, 3)


def test_garbage_during_and_between_calls(tmp_path: Path) -> None:
    with _device(tmp_path) as (board, device):
        for n in range(4):
            board.inject_garbage(16)  # between calls
            _next_call_works(device, 10 * n)
            result = _call(device, 10 * n + 1, lambda: board.inject_garbage(16))
            assert result == "ok" or isinstance(result, DAMAGE_ERRORS), result
            _next_call_works(device, 10 * n + 2)


def _sweep(board: VirtualBoard, device: belay.Device, kind: str) -> list[object]:
    """Damage (``lose`` or ``corrupt``) 1 to 4 bytes at sampled offsets of calls, each way."""
    rng = random.Random(kind)
    results: list[object] = []
    for n, way in enumerate(["to_board", "from_board"] * 5):
        damage = board.lose_bytes if kind == "lose" else board.corrupt_bytes
        damage(**{way: rng.randint(1, 4)}, after=rng.randrange(0, 40))
        result = _call(device, 1000 + n)
        results.append(result)
        assert result in ("ok", "wrong") or isinstance(result, DAMAGE_ERRORS), result
        board.faults.clear()  # damage not used up by this call is not the next call's
        _next_call_works(device, 2000 + n)
    return results


def test_lost_bytes_either_way(tmp_path: Path) -> None:
    with _device(tmp_path, timeout=1.5) as (board, device):
        results = _sweep(board, device, "lose")
    assert "wrong" not in results
    assert any(result != "ok" for result in results)  # the faults did hit


def test_corrupted_bytes_either_way(tmp_path: Path) -> None:
    with _device(tmp_path, timeout=1.5) as (board, device):
        results = _sweep(board, device, "corrupt")
        flipped = board.faults.flipped
    assert any(result != "ok" for result in results)
    if "wrong" in results:  # only a digit turned into another digit goes unnoticed
        digits = set(b"0123456789")
        pairs = flipped["to_board"] + flipped["from_board"]
        assert any(was in digits and became in digits for was, became in pairs)


def test_a_slow_cpu(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "data.py").write_text("VALUE = 42\n")
    with profile_board("esp32", tmp_path / "board") as board:
        board.slow_cpu(10)
        with belay.Device(board.path, timeout=30) as device:  # connect at a tenth of the speed

            @device.task
            def work(n):  # type: ignore[no-untyped-def]
                total = 0
                for i in range(n):
                    total += i
                return total

            assert work(20000) == sum(range(20000))
            device.sync(folder)
            assert device("import data\ndata.VALUE") == 42
        board.slow_cpu(1)
