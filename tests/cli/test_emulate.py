"""`belay-gen emulate`: serves a board any client can open, refuses a file as its folder."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

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
