"""The ``virtual:`` port: a virtual board owned by this process, stopped on close.

``virtual:`` boots a board on a temporary folder; ``virtual:DIR`` keeps its files in DIR;
options follow a ``?``: ``virtual:?profile=esp32``, ``virtual:DIR?baud=115200&heap=64K``
(``profile``, ``heap``, ``baud``, ``rxbuf``, ``seed``; see :mod:`belay_gen.emulator.profiles`).
The board runs in a child process (see :mod:`belay_gen.emulator.serve`) and is reached through
its pty like any serial port. The child watches a pipe from this process and stops, removing its
temporary folders, when this process ends, even without :meth:`VirtualTransport.close`.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from belay_gen.emulator.profiles import get_profile, parse_size
from belay_gen.errors import ConnectionFailed
from belay_gen.runtime.transport import VIRTUAL_PREFIX as PREFIX
from belay_gen.runtime.transport.serial import SerialTransport

BOOT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class VirtualPortSpec:
    """A parsed ``virtual:`` port string."""

    root: Path | None
    baud: int | None = None
    profile: str | None = None
    heap: int | None = None
    rxbuf: int | None = None
    seed: int | None = None

    def server_options(self) -> list[str]:
        """The options of ``python -m belay_gen.emulator.serve`` for this board."""
        options = [] if self.profile is None else ["--profile", self.profile]
        for name in ("heap", "baud", "rxbuf", "seed"):
            value = getattr(self, name)
            if value is not None:
                options += [f"--{name}", str(value)]
        return options


_OPTIONS = ("profile", "heap", "baud", "rxbuf", "seed")


def parse_virtual_port(port: str) -> VirtualPortSpec:
    """Parse ``virtual:[DIR][?profile=NAME&heap=N&baud=N&rxbuf=N&seed=N]``.

    Raises ConnectionFailed on a malformed string, an unknown option or profile.
    """
    if not port.startswith(PREFIX):
        raise ConnectionFailed(f"{port!r} is not a virtual port (expected 'virtual:[DIR]')")
    body = port[len(PREFIX) :]
    location, _, query = body.partition("?")
    profile: str | None = None
    numbers: dict[str, int] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in _OPTIONS:
            known = ", ".join(_OPTIONS)
            raise ConnectionFailed(f"unknown option {key!r} in {port!r}; the options are {known}")
        try:
            if key == "profile":
                get_profile(value)
                profile = value
            elif key == "heap":
                numbers[key] = parse_size(value)
            elif not value.isdigit() or (int(value) <= 0 and key != "seed"):
                raise ValueError(f"{key} must be a positive integer")
            else:
                numbers[key] = int(value)
        except ValueError as exc:
            raise ConnectionFailed(f"{exc} (in {port!r})") from None
    root = Path(location).expanduser() if location else None
    if root is not None and root.exists() and not root.is_dir():
        raise ConnectionFailed(
            f"{root} is a file; a virtual board needs a folder for its filesystem"
        )
    return VirtualPortSpec(
        root=root,
        profile=profile,
        baud=numbers.get("baud"),
        heap=numbers.get("heap"),
        rxbuf=numbers.get("rxbuf"),
        seed=numbers.get("seed"),
    )


class VirtualTransport(SerialTransport):
    """A serial transport to a virtual board that this object started and will stop."""

    def __init__(self, port: str) -> None:
        spec = parse_virtual_port(port)
        self.state_dir = Path(tempfile.mkdtemp(prefix="belay-gen-virtual-"))
        #: Pin and peripheral events the board reported, one line each (see machine stub).
        self.trace_path = self.state_dir / "trace.log"
        root = spec.root if spec.root is not None else self.state_dir / "fs"
        command = [sys.executable, "-m", "belay_gen.emulator.serve", str(root)]
        command += ["--trace-file", str(self.trace_path), *spec.server_options()]
        # The server's stdin is a pipe from us: when this process ends, however it ends, the
        # server sees end of file, stops the board and removes our state folder.
        command += ["--watch-stdin", "--owned-dir", str(self.state_dir)]
        self._server = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE
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
        if not os.path.isabs(line):  # a pty, or a native-USB profile's stable port path
            self._server.kill()
            _, err = self._server.communicate(timeout=5)
            detail = err.decode(errors="replace").strip() or "no output"
            detail = detail.removeprefix("error: ")  # the server's own report: one prefix
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
        for stream in (self._server.stdin, self._server.stdout, self._server.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def close(self) -> None:
        super().close()
        with contextlib.suppress(OSError):
            self._stop_server()


def open_virtual(port: str) -> VirtualTransport:
    """Start a virtual board for ``port`` (``virtual:[DIR][?options]``) and connect to it."""
    return VirtualTransport(port)


__all__ = ["VirtualPortSpec", "VirtualTransport", "open_virtual", "parse_virtual_port"]
