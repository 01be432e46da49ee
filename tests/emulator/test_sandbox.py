"""The virtual board under an OS sandbox (``BELAY_GEN_SANDBOX=bwrap``): only its folder is
writable, the host's files and network are out of reach, Ctrl-C still interrupts.

The board tests need bubblewrap and user namespaces; they are skipped (with the reason)
where either is missing. A missing or unknown sandbox is a clear error, tested everywhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from belay_gen.emulator.sandbox import SANDBOX_ENV, Bwrap, requested_sandbox
from belay_gen.errors import EmulatorUnavailable
from tests.support.requirements import require_board


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, SANDBOX_ENV: "bwrap"}
    return subprocess.run(
        [sys.executable, "-m", "belay_gen.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def _require_bwrap() -> None:
    require_board()
    try:
        requested_sandbox({SANDBOX_ENV: "bwrap"})
    except EmulatorUnavailable as exc:
        pytest.skip(str(exc))


def test_no_sandbox_unless_asked() -> None:
    assert requested_sandbox({}) is None
    assert requested_sandbox({SANDBOX_ENV: ""}) is None


def test_an_unknown_sandbox_is_a_clear_error() -> None:
    with pytest.raises(EmulatorUnavailable, match="unknown sandbox; the one known is bwrap"):
        requested_sandbox({SANDBOX_ENV: "docker"})


def test_a_missing_bwrap_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no bwrap on this PATH
    with pytest.raises(EmulatorUnavailable, match="bwrap is not installed: install bubblewrap"):
        requested_sandbox({SANDBOX_ENV: "bwrap"})


def test_the_command_binds_only_the_board_folder_writable(tmp_path: Path) -> None:
    args = Bwrap("/usr/bin/bwrap").wrap(["python", "-c", "pass"], tmp_path, info_fd=9)
    writable = [args[i + 1] for i, arg in enumerate(args) if arg == "--bind"]
    assert writable == [str(tmp_path.resolve())]
    assert "--unshare-all" in args and "--die-with-parent" in args
    assert str(Path.cwd()) not in [args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"]
    assert args[-3:] == ["python", "-c", "pass"]


@pytest.mark.board
def test_the_sandboxed_board_writes_its_folder_and_reaches_nothing_else(tmp_path: Path) -> None:
    _require_bwrap()
    board = tmp_path / "board"
    board.mkdir()
    (board / "out").symlink_to("/etc")  # a link out of the folder leads nowhere inside
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    code = (
        "import socket\n"
        "open('made.txt', 'w').write('here')\n"
        "try:\n open('/out/hostname').read(); print('host file read')\n"
        "except OSError: print('no host file')\n"
        "s = socket.socket()\n"
        f"try:\n s.connect(socket.getaddrinfo('127.0.0.1', {port})[0][-1]); print('reached')\n"
        "except OSError: print('no network')\n"
    )
    try:
        done = _cli("exec", f"virtual:{board}", code)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["no", "host", "file", "no", "network"]
    assert (board / "made.txt").read_text() == "here"


@pytest.mark.board
def test_ctrl_c_still_interrupts_the_sandboxed_board(tmp_path: Path) -> None:
    _require_bwrap()
    done = _cli("exec", "--timeout", "1", f"virtual:{tmp_path}", "while True: pass")
    assert done.returncode == 2
    assert "the code was interrupted (Ctrl-C)" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.board
def test_a_sandbox_asked_for_but_missing_stops_the_board_with_one_error(tmp_path: Path) -> None:
    require_board()
    empty = tmp_path / "bin"
    empty.mkdir()
    python_dir = Path(sys.executable).parent
    env = {**os.environ, SANDBOX_ENV: "bwrap", "PATH": f"{empty}:{python_dir}"}
    if shutil.which("bwrap", path=env["PATH"]):  # pragma: no cover - bwrap next to python
        pytest.skip("bwrap sits next to this Python")
    done = subprocess.run(
        [sys.executable, "-m", "belay_gen.cli", "exec", f"virtual:{tmp_path}", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "bwrap is not installed" in done.stderr
    assert "Traceback" not in done.stderr
