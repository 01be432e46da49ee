"""``belay-gen terminal`` in a real pseudo-terminal: keys reach the board's friendly REPL,
Ctrl-C reaches the board, Ctrl-] leaves with exit 0, and the terminal's settings are back."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from belay_gen.cli.main import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

CTRL_C = b"\x03"
CTRL_D = b"\x04"
CTRL_RIGHT_BRACKET = b"\x1d"


class PtySession:
    """``belay-gen terminal PORT`` with its stdin, stdout and stderr on a new pty."""

    def __init__(self, port: str) -> None:
        self.master, self.slave = os.openpty()
        self.settings_before = termios.tcgetattr(self.slave)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "belay_gen.cli", "terminal", port],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            start_new_session=True,
        )
        self.seen = b""

    def expect(self, wanted: bytes, timeout: float = 20.0) -> bytes:
        """Read the pty until ``wanted`` shows up; returns everything read so far."""
        deadline = time.monotonic() + timeout
        while wanted not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{wanted!r} not seen; the terminal showed {self.seen!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096)
                except OSError:  # EIO: every writer closed
                    time.sleep(0.05)
        return self.seen

    def settle(self, quiet: float = 0.3) -> None:
        """Read until the pty has been quiet for ``quiet`` seconds (the prompt has come)."""
        while select.select([self.master], [], [], quiet)[0]:
            try:
                self.seen += os.read(self.master, 4096)
            except OSError:
                return

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_for_raw_mode(self, timeout: float = 20.0) -> None:
        """Wait until the command has put the pty in raw mode (before it asks for a prompt)."""
        deadline = time.monotonic() + timeout
        while not self.raw_mode_on():
            assert time.monotonic() < deadline, f"never in raw mode; showed {self.seen!r}"
            time.sleep(0.02)

    def raw_mode_on(self) -> bool:
        """True while the command has the pty in raw mode (no echo, no canonical input)."""
        lflag = termios.tcgetattr(self.slave)[3]
        return not lflag & (termios.ECHO | termios.ICANON)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def session(virtual_port: str) -> Iterator[PtySession]:
    running = PtySession(virtual_port)
    try:
        yield running
    finally:
        running.close()


def test_typed_code_runs_and_ctrl_bracket_leaves_with_the_terminal_restored(
    session: PtySession,
) -> None:
    session.expect(b"Ctrl-] leaves")
    session.wait_for_raw_mode()
    session.expect(b">>> ")
    session.settle()
    session.type(b"print(6*7)\r")
    assert b"42" in session.expect(b"42\r\n>>> ")
    session.type(CTRL_RIGHT_BRACKET)
    assert session.process.wait(timeout=20) == 0
    assert termios.tcgetattr(session.slave) == session.settings_before


def test_ctrl_c_and_ctrl_d_reach_the_board_not_the_terminal(session: PtySession) -> None:
    session.wait_for_raw_mode()
    session.expect(b">>> ")
    session.settle()
    session.type(b"import time; time.sleep(60)\r")
    time.sleep(1.0)
    session.type(CTRL_C)
    session.expect(b"KeyboardInterrupt")
    session.type(b"print('still', 'here')\r")
    session.expect(b"still here")
    session.type(CTRL_D)  # at the >>> prompt: a soft reset of the board, not the end here
    session.expect(b"soft reboot")
    session.expect(b">>> ", timeout=20)
    assert session.process.poll() is None
    session.type(CTRL_RIGHT_BRACKET)
    assert session.process.wait(timeout=20) == 0
    assert termios.tcgetattr(session.slave) == session.settings_before


def test_sigterm_restores_the_terminal(session: PtySession) -> None:
    session.wait_for_raw_mode()
    session.expect(b">>> ")
    session.settle()
    session.process.send_signal(signal.SIGTERM)
    assert session.process.wait(timeout=20) == 128 + signal.SIGTERM
    assert termios.tcgetattr(session.slave) == session.settings_before


def test_a_missing_port_is_one_error_line() -> None:
    result = CliRunner().invoke(main, ["terminal", "/dev/no-such-board"])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "virtual:" in result.output
