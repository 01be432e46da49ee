"""MicroPython's own C raw REPL on a port path: ``micropython -i`` behind a plain byte relay.

An independent reference for the raw-REPL engine, apart from the virtual board: nothing is
added or translated. The VM runs on a raw pty; a thread copies bytes between that pty and a
second one whose slave path (``.path``) clients open like a serial port. What it lacks: Ctrl-C
while code runs (the unix port takes interrupts as SIGINT, not bytes) and soft reset (Ctrl-D
at the raw prompt exits the process).
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shutil
import subprocess
import sys
import threading
import tty

from belay_gen.emulator.vm import FORBID_VM_ENV


def find_micropython() -> str | None:
    """The ``micropython`` executable next to this Python, else on PATH."""
    here = os.path.dirname(sys.executable)
    return shutil.which("micropython", path=here) or shutil.which("micropython")


class UnixPortPty:
    """``micropython -i`` reachable at ``self.path``; use as a context manager."""

    def __init__(self, binary: str) -> None:
        forbidden = os.environ.get(FORBID_VM_ENV)  # the guard BoardVM has, for this VM too
        if forbidden:
            raise RuntimeError(f"a MicroPython REPL may not start here: {forbidden}")
        self._vm_master, vm_slave = pty.openpty()
        tty.setraw(vm_slave)
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        # The relay keeps self._slave open (never reading it) so the master never sees EIO
        # between clients.
        self.path = os.ttyname(self._slave)
        self.process = subprocess.Popen(
            [binary, "-i"],
            stdin=vm_slave,
            stdout=vm_slave,
            stderr=vm_slave,
            start_new_session=True,
        )
        os.close(vm_slave)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._relay, daemon=True)
        self._thread.start()

    def _relay(self) -> None:
        route = {self._vm_master: self._master, self._master: self._vm_master}
        while True:
            ready, _, _ = select.select([*route, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return  # the VM exited
                view = memoryview(data)
                while view:
                    view = view[os.write(route[fd], view) :]

    def alive(self) -> bool:
        return self.process.poll() is None and self._thread.is_alive()

    def close(self) -> None:
        os.write(self._stop_w, b"x")
        self._thread.join(timeout=2)
        self.process.kill()
        self.process.wait()
        for fd in (self._vm_master, self._master, self._slave, self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> UnixPortPty:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
