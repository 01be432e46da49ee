"""Virtual boards modelled on real ones, for the reliability tests: a board per profile, a
stream that injects a fault while a call runs, and the outcome of a call under a fault."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from belay_gen.emulator.faults import LinkFaults
from belay_gen.emulator.profiles import get_profile
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import BelayError
from tests.support.requirements import require_board

#: The profiles of real boards (belay_gen/emulator/profiles.py) the proof runs on.
REAL_PROFILES = ("esp32", "esp8266", "rp2040", "circuitpython")

#: CircuitPython's filesystem is read-only to code until boot.py remounts it (its docs).
CIRCUITPY_BOOT = "import storage\nstorage.remount('/', False)\n"


@contextmanager
def profile_board(name: str, root: Path, *, seed: int | None = None) -> Iterator[VirtualBoard]:
    """A started board with profile ``name`` on ``root``; a CircuitPython one may write."""
    require_board()
    root.mkdir(parents=True, exist_ok=True)
    if name == "circuitpython":
        (root / "boot.py").write_text(CIRCUITPY_BOOT)
    with VirtualBoard(root, profile=get_profile(name), seed=seed) as board:
        yield board


class FaultOnOutput(io.StringIO):
    """A ``stream_out`` that runs ``fault`` the first time the board prints ``word``, so the
    fault hits while the call runs, whatever the machine's speed."""

    def __init__(self, word: str, fault: Callable[[], object]) -> None:
        super().__init__()
        self.word = word
        self.fault: Callable[[], object] | None = fault

    def write(self, text: str) -> int:
        if self.word in text and self.fault is not None:
            fault, self.fault = self.fault, None
            fault()
        return super().write(text)


def outcome(call: Callable[[], object], expected: object) -> str:
    """``"ok"``, or the class name of the belay-gen error ``call`` raised.

    A wrong answer (another call's, or ``None`` for a lost one) fails the test, and so does
    an exception that is not a belay-gen error.
    """
    try:
        got = call()
    except BelayError as exc:
        return type(exc).__name__
    assert got == expected, f"a wrong answer under a fault: {got!r}, not {expected!r}"
    return "ok"


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait until ``condition()`` holds; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


class SilentAfterOk(LinkFaults):
    """Link faults for ``VirtualBoard.faults``: once :attr:`armed`, the board's output passes
    up to and including the next ``OK`` (the raw REPL took a program), then nothing ever
    again: a board that goes silent after ``OK``."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self._silent = False
        self._seen = b""

    def filter_output(self, data: bytes) -> bytes:
        if self._silent:
            return b""
        if not self.armed:
            return super().filter_output(data)
        seen = self._seen + data
        at = seen.find(b"OK")
        if at < 0:
            self._seen = seen[-1:]
            return data
        self._silent = True
        return data[: max(0, at + 2 - len(self._seen))]
