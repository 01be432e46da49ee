"""`belay-gen emulate`: serves a board any client can open; failures are one error line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen import Device
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


EMULATE = [sys.executable, "-m", "belay_gen.cli", "emulate"]


@pytest.mark.board
@pytest.mark.filterwarnings(r"ignore:set(Daemon|Name)\(\) is deprecated")  # pyserial 3.5
def test_emulate_serves_the_board_on_the_network(tmp_path: Path) -> None:
    require_board()
    env = {**os.environ, "BELAY_GEN_WEBREPL_PASSWORD": "lab-pw"}
    env.pop("BELAY_GEN_FORBID_VM", None)
    server = subprocess.Popen(
        [*EMULATE, str(tmp_path), "--listen", "0", "--webrepl", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline().strip() for _ in range(4)]
        pty_path, rfc2217, raw, ws = lines
        assert pty_path.startswith("/dev/pts/")
        assert rfc2217.startswith("rfc2217://127.0.0.1:")
        assert raw == "socket://" + rfc2217.removeprefix("rfc2217://")
        assert ws.startswith("ws://127.0.0.1:")
        with Device(rfc2217) as device:
            device("open('net.txt', 'w').write('over rfc2217')")
        with Device(ws, password="lab-pw") as device:
            assert device("open('net.txt').read()") == "over rfc2217"
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert f"virtual board ready at {', '.join(lines)}; Ctrl-C stops it" in err


def test_webrepl_without_a_password_or_a_terminal_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BELAY_GEN_WEBREPL_PASSWORD", "")
    result = CliRunner().invoke(main, ["emulate", "--webrepl", "8266"], input="")
    assert result.exit_code == 2
    assert "4 to 9 characters" in result.output
    monkeypatch.delenv("BELAY_GEN_WEBREPL_PASSWORD")
    # CliRunner's stdin is no terminal: the password cannot be asked for.
    result = CliRunner().invoke(main, ["emulate", "--webrepl", "8266"], input="")
    assert result.exit_code == 2
    assert "--webrepl needs a password: set BELAY_GEN_WEBREPL_PASSWORD" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "host:port"], "'host:port' is not HOST:PORT or PORT"),
        (["--listen", "127.0.0.1:99999"], "is not HOST:PORT or PORT"),
        (["--profile", "circuitpython", "--webrepl", "8266"], "CircuitPython has no WebREPL"),
    ],
)
def test_network_options_are_checked_before_the_board_boots(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BELAY_GEN_WEBREPL_PASSWORD", "lab-pw")
    result = CliRunner().invoke(main, ["emulate", *args])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.board
def test_an_address_in_use_is_one_error_line(tmp_path: Path) -> None:
    require_board()
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "BELAY_GEN_FORBID_VM"}
        done = subprocess.run(
            [*EMULATE, str(tmp_path), "--listen", f"127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=env,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port} (--listen): ")
    assert done.stderr.count("\n") == 1
