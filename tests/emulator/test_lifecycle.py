"""A virtual board lives as long as its user, and a looping main.py does not lock clients out."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import belay_gen
from tests.support.requirements import require_board

_ORPHAN = """
import os, sys
from belay_gen.runtime.transport.virtual import VirtualTransport
link = VirtualTransport(sys.argv[1])
server = link._server.pid
children = []
for task in os.listdir(f"/proc/{server}/task"):
    with open(f"/proc/{server}/task/{task}/children") as f:
        children += f.read().split()
print(server, link.state_dir, *children, flush=True)
os._exit(0)  # no close(): as a script that simply ends
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_virtual_board_ends_with_the_process_that_started_it(virtual_port: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _ORPHAN, virtual_port], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    server, state_dir, *vms = done.stdout.split()
    assert vms, "the server had started a VM"
    deadline = time.monotonic() + 10
    pids = [int(server), *map(int, vms)]
    while any(map(_alive, pids)) or Path(state_dir).exists():
        assert time.monotonic() < deadline, "the board outlived its user"
        time.sleep(0.1)


def test_a_looping_main_py_is_interrupted_by_a_connecting_client(
    virtual_port: str, board_root: Path
) -> None:
    (board_root / "main.py").write_text("import time\nwhile True:\n    time.sleep_ms(5)\n")
    for _ in range(2):  # each connect boots the board afresh, and main.py loops again
        started = time.monotonic()
        device = belay_gen.Device(virtual_port)
        try:
            assert device("6 * 7") == 42
        finally:
            device.close()
        assert time.monotonic() - started < 10


@pytest.mark.board
def test_a_killed_server_leaves_no_vm_behind(board_root: Path) -> None:
    require_board()
    server = subprocess.Popen(
        [sys.executable, "-m", "belay_gen.emulator.serve", str(board_root)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("/dev/")
        vms = []
        for task in os.listdir(f"/proc/{server.pid}/task"):
            with open(f"/proc/{server.pid}/task/{task}/children") as children:
                vms += [int(pid) for pid in children.read().split()]
        assert vms
    finally:
        server.kill()  # SIGKILL: the server cleans nothing up itself
        server.wait()
    deadline = time.monotonic() + 5
    while any(map(_alive, vms)):
        assert time.monotonic() < deadline, "the VM outlived its server"
        time.sleep(0.05)
