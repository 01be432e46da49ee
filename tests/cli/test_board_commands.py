"""The ``belay-gen`` commands: in-process with CliRunner, and as a real process for exit codes."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from belay_gen.cli.board import print_trailing_value
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
    assert "virtual:" in result.stderr  # the way to a board without hardware
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


@pytest.mark.board
def test_exec_prints_a_trailing_expression(unix_port: UnixPortPty) -> None:
    result = CliRunner().invoke(main, ["exec", unix_port.path, "1+1"])
    assert (result.exit_code, result.stdout) == (0, "2\n")
    result = CliRunner().invoke(main, ["exec", unix_port.path, "x = 'a'\nprint('p')\nx * 2"])
    assert (result.exit_code, result.stdout) == (0, "p\n'aa'\n")
    result = CliRunner().invoke(main, ["exec", unix_port.path, "None"])
    assert (result.exit_code, result.stdout) == (0, "")


def test_print_trailing_value_keeps_line_numbers() -> None:
    assert print_trailing_value("x = 1") == "x = 1"
    assert print_trailing_value("a = 1; a + 1  # c") == (
        "a = 1; __belay_v=(a + 1)  # c\nif __belay_v is not None:print(repr(__belay_v))\n"
    )
    multi = print_trailing_value("x = 1\n(x +\n 2)")
    assert multi.splitlines()[1:3] == ["__belay_v=((x +", " 2))"]
    assert print_trailing_value("x = (") == "x = ("  # not Python: sent as it is


@pytest.mark.board
def test_exec_runs_belays_startup_imports_unless_told(virtual_board: VirtualBoard) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["exec", virtual_board.path, "Pin.OUT, sleep is time.sleep"])
    assert (result.exit_code, result.stdout) == (0, "(1, True)\n"), result.output
    bare = runner.invoke(main, ["exec", "--no-startup", virtual_board.path, "del Pin\nPin"])
    assert bare.exit_code == 1 and "NameError" in bare.stderr


@pytest.mark.board
def test_board_output_cannot_drive_the_terminal(unix_port: UnixPortPty) -> None:
    osc52 = "print('\\x1b]52;c;aGk=\\x07\\x1b[2Jok\\x9b')"
    result = CliRunner().invoke(main, ["exec", unix_port.path, osc52])
    assert result.exit_code == 0
    assert result.stdout == "\\x1b]52;c;aGk=\\x07\\x1b[2Jok\\x9b\n"
    raised = CliRunner().invoke(
        main, ["exec", unix_port.path, "raise ValueError('\\x1b]0;t\\x07')"]
    )
    assert raised.exit_code == 1 and "\x1b" not in raised.stderr and "\x07" not in raised.stderr
    assert "\\x1b]0;t\\x07" in raised.stderr


@pytest.mark.board
def test_port_may_be_left_out(unix_port: UnixPortPty, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BELAY_GEN_PORT", unix_port.path)
    result = CliRunner().invoke(main, ["exec", "6*7"])
    assert (result.exit_code, result.stdout) == (0, "42\n")
    forgot = CliRunner().invoke(main, ["exec", unix_port.path])  # a port is no CODE
    assert forgot.exit_code == 2 and "Missing argument 'CODE'" in forgot.stderr


@pytest.mark.board
def test_run_streams_a_host_file(unix_port: UnixPortPty, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("for i in range(3):\n    print('line', i)\n{'value': 1}\n")
    result = CliRunner().invoke(main, ["run", unix_port.path, str(script)])
    assert (result.exit_code, result.stdout) == (0, "line 0\nline 1\nline 2\n")
    script.write_text("print('start')\n\nraise ValueError('bad')\n")
    raised = CliRunner().invoke(main, ["run", unix_port.path, "--no-minify", str(script)])
    assert raised.exit_code == 1 and raised.stdout == "start\n"
    assert f'File "{script}", line 3' in raised.stderr  # an editor can jump there
    assert raised.stderr.rstrip().endswith("ValueError: bad")


def test_run_errors_before_the_port_opens(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["run", "/dev/nope0", str(tmp_path / "none.py")])
    assert missing.exit_code == 2 and "none.py" in missing.stderr and "nope0" not in missing.stderr
    no_file = CliRunner().invoke(main, ["run", "virtual:"])
    assert no_file.exit_code == 2 and "Missing argument 'FILE'" in no_file.stderr


@pytest.mark.board
def test_run_ctrl_c_interrupts_the_board_and_leaves_it_usable(
    virtual_board: VirtualBoard, tmp_path: Path
) -> None:
    script = tmp_path / "forever.py"
    script.write_text("import time\nwhile True:\n    print('tick')\n    time.sleep(0.05)\n")
    process = subprocess.Popen(
        [*_command(), "run", virtual_board.path, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline() == "tick\n"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        assert process.stderr.read().splitlines()[-1] == "error: interrupted"
    finally:
        process.kill()
        process.wait()
    after = subprocess.run(
        [*_command(), "exec", virtual_board.path, "'still here'"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert (after.returncode, after.stdout) == (0, "'still here'\n"), after.stderr


@pytest.mark.board
def test_latency_reports_four_numbers(virtual_port: str) -> None:
    result = CliRunner().invoke(main, ["latency", virtual_port, "-n", "5"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"5 calls of an empty task on virtual:\S*: min [\d.]+ ms, median [\d.]+ ms, "
        r"p99 [\d.]+ ms, max [\d.]+ ms\n",
        result.stdout,
    )
    bad = CliRunner().invoke(main, ["latency", virtual_port, "-n", "0"])
    assert bad.exit_code == 2


def test_latency_summary() -> None:
    from belay_gen.cli.latency import summary

    stats = summary([i / 1000 for i in range(1, 101)])
    assert stats == {"min": 1.0, "median": 50.5, "p99": 99.0, "max": 100.0}
