"""The virtual board is a faithful board: mpremote, which nobody here wrote, drives it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from belay_gen.emulator.relay import VirtualBoard


def mpremote(board: VirtualBoard, *args: str, timeout: float = 60) -> str:
    """Run mpremote against the board and return its stdout (fails on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", board.path, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"mpremote {args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_exec_and_eval(virtual_board: VirtualBoard) -> None:
    out = mpremote(virtual_board, "exec", "x = 6 * 7\nprint('x is', x)", "+", "eval", "x + 1")
    assert out.splitlines() == ["x is 42", "43"]


def test_run_a_host_script(virtual_board: VirtualBoard, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("import sys\nfor i in range(3):\n    print('line', i)\nprint(sys.platform)\n")
    out = mpremote(virtual_board, "run", str(script))
    assert out.splitlines() == ["line 0", "line 1", "line 2", "linux"]


def test_fs_cp_both_ways_ls_sha256sum_rm(
    virtual_board: VirtualBoard, board_root: Path, tmp_path: Path
) -> None:
    payload = bytes(range(256)) * 40  # binary, with every byte value incl. \r \n \x03 \x04
    local = tmp_path / "data.bin"
    local.write_bytes(payload)
    mpremote(virtual_board, "fs", "mkdir", ":sub", "+", "fs", "cp", str(local), ":sub/data.bin")
    assert (board_root / "sub" / "data.bin").read_bytes() == payload

    listing = mpremote(virtual_board, "fs", "ls", ":sub")
    assert "data.bin" in listing and str(len(payload)) in listing

    digest = mpremote(virtual_board, "fs", "sha256sum", ":sub/data.bin")
    assert hashlib.sha256(payload).hexdigest() in digest

    back = tmp_path / "back.bin"
    mpremote(virtual_board, "fs", "cp", ":sub/data.bin", str(back))
    assert back.read_bytes() == payload

    mpremote(virtual_board, "fs", "rm", ":sub/data.bin")
    assert not (board_root / "sub" / "data.bin").exists()


def test_soft_reset_clears_state_and_reruns_boot(
    virtual_board: VirtualBoard, board_root: Path
) -> None:
    (board_root / "boot.py").write_text("booted = 'yes'\n")
    out = mpremote(
        virtual_board,
        "exec",
        "leftover = 1",
        "+",
        "soft-reset",
        "+",
        "exec",
        "print('leftover' in globals(), booted)",
    )
    assert out.splitlines()[-1] == "False yes"


def test_mount_imports_a_host_module(virtual_board: VirtualBoard, tmp_path: Path) -> None:
    # mount streams binary over stdin with micropython.kbd_intr(-1): the relay must pass
    # every byte, Ctrl-C included, through untouched.
    (tmp_path / "hostmod.py").write_text("VALUE = bytes(range(8))\nprint('imported from host')\n")
    (tmp_path / "blob.bin").write_bytes(b"\x03\x04\r\n" * 100)
    out = mpremote(
        virtual_board,
        "mount",
        str(tmp_path),
        "exec",
        "import hostmod\nprint(hostmod.VALUE)\nprint(len(open('blob.bin','rb').read()))",
    )
    assert "imported from host" in out
    assert "b'\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07'" in out
    assert "400" in out
