"""`belay-gen emulate`: serves a board any client can open; failures are one error line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.transport.serial import SerialTransport
from tests.support.requirements import require_board


def test_a_file_is_not_a_board_folder(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    result = CliRunner().invoke(main, ["emulate", str(not_a_folder)])
    assert result.exit_code == 2
    assert "is a file; give a folder" in result.output


def test_a_folder_that_cannot_be_made_is_one_error_line(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    board = not_a_folder / "board"
    result = CliRunner().invoke(main, ["emulate", str(board)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {board}: Not a directory\n"
    assert result.stdout == ""


def test_emulator_not_installed_is_one_error_line(tmp_path: Path) -> None:
    # An installation without the [emulator] extra: sitecustomize hides the MicroPython unix
    # port from this process only, so the real command runs into the real missing module.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['micropython_unix'] = None\n")
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hide), env.get("PYTHONPATH")]))
    env.pop("BELAY_GEN_FORBID_VM", None)  # tests/conftest.py's guard: no VM can start anyway
    done = subprocess.run(
        [sys.executable, "-m", "belay_gen.cli", "emulate", str(tmp_path / "board")],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "error: the virtual board needs the MicroPython unix port:"
        " pip install 'belay-gen[emulator]'\n"
    )
    assert done.stdout == ""


@pytest.mark.board
def test_emulate_prints_its_port_and_serves_until_terminated(tmp_path: Path) -> None:
    require_board()
    server = subprocess.Popen(
        [sys.executable, "-m", "belay_gen.cli", "emulate", str(tmp_path), "--trace"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        assert port.startswith("/dev/pts/")
        with SerialTransport(port) as link:
            repl = RawRepl(link)
            repl.enter()
            repl.exec_or_raise(
                "open('made.txt', 'w').write('on the board')\nimport machine\nmachine.Pin(3).on()"
            )
        assert (tmp_path / "made.txt").read_text() == "on the board"
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=10)
    assert server.returncode == 0
    assert "virtual board ready" in err
    assert "trace: pin 3 value 1" in err
