"""The ``virtual:`` port: a virtual board owned by this process, stopped on close.

``virtual:`` boots a board on a temporary folder; ``virtual:DIR`` keeps its files in DIR;
options follow a ``?``: ``virtual:DIR?baud=115200``. The board runs in a child process (see
:mod:`belay_gen.emulator.serve`) and is reached through its pty like any serial port.
"""

from __future__ import annotations

import contextlib
import select
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from belay_gen.errors import ConnectionFailed
from belay_gen.runtime.transport import VIRTUAL_PREFIX as PREFIX
from belay_gen.runtime.transport.serial import SerialTransport

BOOT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class VirtualPortSpec:
    """A parsed ``virtual:`` port string."""

    root: Path | None
    baud: int | None


def parse_virtual_port(port: str) -> VirtualPortSpec:
    """Parse ``virtual:[DIR][?baud=N]``; raises ConnectionFailed on a malformed string."""
    if not port.startswith(PREFIX):
        raise ConnectionFailed(f"{port!r} is not a virtual port (expected 'virtual:[DIR]')")
    body = port[len(PREFIX) :]
    location, _, query = body.partition("?")
    baud = None
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key != "baud":
            raise ConnectionFailed(f"unknown option {key!r} in {port!r}; the option is baud=N")
        if not value.isdigit() or int(value) <= 0:
            raise ConnectionFailed(f"baud must be a positive integer in {port!r}")
        baud = int(value)
    root = Path(location).expanduser() if location else None
    if root is not None and root.exists() and not root.is_dir():
        raise ConnectionFailed(
            f"{root} is a file; a virtual board needs a folder for its filesystem"
        )
    return VirtualPortSpec(root=root, baud=baud)


class VirtualTransport(SerialTransport):
    """A serial transport to a virtual board that this object started and will stop."""

    def __init__(self, port: str) -> None:
        spec = parse_virtual_port(port)
        self.state_dir = Path(tempfile.mkdtemp(prefix="belay-gen-virtual-"))
        #: Pin and peripheral events the board reported, one line each (see machine stub).
        self.trace_path = self.state_dir / "trace.log"
        root = spec.root if spec.root is not None else self.state_dir / "fs"
        command = [sys.executable, "-m", "belay_gen.emulator.serve", str(root)]
        command += ["--trace-file", str(self.trace_path)]
        if spec.baud:
            command += ["--baud", str(spec.baud)]
        self._server = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )
        try:
            pty_path = self._read_announcement()
            super().__init__(pty_path)
        except BaseException:
            self._stop_server()
            raise
        self.description = f"{port} ({pty_path})"

    def _read_announcement(self) -> str:
        assert self._server.stdout is not None
        ready, _, _ = select.select([self._server.stdout], [], [], BOOT_TIMEOUT_S)
        line = self._server.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("/dev/"):
            self._server.kill()
            _, err = self._server.communicate(timeout=5)
            detail = err.decode(errors="replace").strip() or "no output"
            raise ConnectionFailed(f"the virtual board did not start: {detail}")
        return line

    def trace(self) -> list[str]:
        """The board's pin/peripheral event lines so far."""
        try:
            return self.trace_path.read_text().splitlines()
        except FileNotFoundError:
            return []

    def _stop_server(self) -> None:
        if self._server.poll() is None:
            self._server.terminate()
            try:
                self._server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
        for stream in (self._server.stdout, self._server.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def close(self) -> None:
        super().close()
        with contextlib.suppress(OSError):
            self._stop_server()


def open_virtual(port: str) -> VirtualTransport:
    """Start a virtual board for ``port`` (``virtual:[DIR][?baud=N]``) and connect to it."""
    return VirtualTransport(port)


__all__ = ["VirtualPortSpec", "VirtualTransport", "open_virtual", "parse_virtual_port"]
