"""The ``belay-gen`` commands: in-process with CliRunner, and as a real process for exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from belay_gen.emulator.relay import VirtualBoard
from tests.support.requirements import require_board
from tests.support.unix_port_pty import UnixPortPty


def _command() -> list[str]:
    script = shutil.which("belay-gen", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-c", "from belay_gen.cli import main; main()"]


@pytest.mark.board
def test_exec_streams_stdout(unix_port: UnixPortPty) -> None:
    result = CliRunner().invoke(main, ["exec", unix_port.path, "print('hello')"])
    assert (result.exit_code, result.stdout) == (0, "hello\n")


@pytest.mark.board
def test_exec_reads_code_from_stdin(unix_port: UnixPortPty) -> None:
    result = CliRunner().invoke(main, ["exec", unix_port.path, "-"], input="print(6 * 7)\n")
    assert (result.exit_code, result.stdout) == (0, "42\n")


@pytest.mark.board
def test_exec_board_exception_exits_1_with_the_traceback(unix_port: UnixPortPty) -> None:
    result = CliRunner().invoke(main, ["exec", unix_port.path, "print('before')\n1/0"])
    assert result.exit_code == 1
    assert result.stdout == "before\n"
    assert result.stderr.rstrip().endswith("ZeroDivisionError: divide by zero")


@pytest.mark.board
def test_info_shows_the_implementation(unix_port: UnixPortPty) -> None:
    result = CliRunner().invoke(main, ["info", unix_port.path])
    assert result.exit_code == 0, result.output
    assert "name:     micropython\n" in result.stdout
    assert "platform: linux\n" in result.stdout


def test_bad_port_is_one_error_line() -> None:
    result = CliRunner().invoke(main, ["exec", "/dev/nope0", "print(1)"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: serial port /dev/nope0 does not exist")
    assert result.stderr.count("\n") == 1


def test_help_explains_port_forms() -> None:
    result = CliRunner().invoke(main, ["exec", "--help"])
    assert result.exit_code == 0
    assert "virtual:[DIR]" in result.stdout and "/dev/ttyACM0" in result.stdout


@pytest.mark.board
def test_exit_codes_of_the_real_command(unix_port: UnixPortPty) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command(), *args], capture_output=True, text=True, timeout=30, check=False
        )

    ok = run("exec", unix_port.path, "print('fine')")
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "fine\n", "")
    raised = run("exec", unix_port.path, "raise KeyError('k')")
    assert raised.returncode == 1 and "KeyError: k" in raised.stderr
    missing = run("info", "/dev/nope0")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr


@pytest.mark.board
def test_virtual_port_starts_a_board_for_the_command(tmp_path: Path) -> None:
    require_board()
    result = CliRunner().invoke(
        main, ["exec", f"virtual:{tmp_path}", "open('f.txt', 'w').write('hi')"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "f.txt").read_text() == "hi"


@pytest.mark.board
def test_exec_timeout_is_an_error_line(virtual_board: VirtualBoard) -> None:
    result = CliRunner().invoke(
        main, ["exec", "--timeout", "0.3", virtual_board.path, "while True:\n    pass"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "interrupted" in result.stderr
