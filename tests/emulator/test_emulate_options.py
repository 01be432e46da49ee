"""`belay-gen emulate` options for profiles and faults: bad values are usage errors."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.transport.serial import SerialTransport
from tests.support.requirements import require_board


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--heap", "lots"], "'lots' is not a size"),
        (["--heap", "1K"], "heap must be at least 16K"),
        (["--profile", "vax"], "'vax' is not one of"),
        (["--faults-every", "1", "--faults", "meteor"], "fault kinds must be among"),
        (["--slow-cpu", "0.5"], "0.5 is not in the range x>=1"),
    ],
)
def test_bad_options_are_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["emulate", *args])
    assert result.exit_code != 0
    assert message in result.output


@pytest.mark.board
def test_emulate_serves_a_profile(tmp_path: Path) -> None:
    require_board()
    server = subprocess.Popen(
        [sys.executable, "-m", "belay_gen.cli", "emulate", str(tmp_path), "--profile", "esp8266"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        path = server.stdout.readline().strip()
        with SerialTransport(path) as link:
            repl = RawRepl(link)
            repl.enter()
            started = time.monotonic()
            free = int(repl.exec_or_raise("import gc\ngc.collect()\nprint(gc.mem_free())"))
            assert 30 * 1024 < free < 44 * 1024
            assert time.monotonic() - started > 0.002  # 115200 baud: the reply takes wire time
    finally:
        server.terminate()
        server.wait(timeout=10)
