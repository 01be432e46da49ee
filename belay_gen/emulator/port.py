"""The client's end of a virtual board: a pseudo-terminal, and how it drops.

A board behind a UART bridge (CP210x, CH340) keeps its port when the board resets; pulling
the link hangs up open clients and the port works again at the same path (:meth:`hang_up`).
A native-USB board (RP2040) is its own USB device: on a reset or a pulled cable the port
disappears and comes back, under the same name when the system's rules keep it. Such a port
is a stable name (a symbolic link, like a udev ``/dev/serial/by-id`` entry) to the current
pty; :meth:`unplug` removes the name and closes the pty, so open clients see end of file and
opening the name fails, then :meth:`replug` makes a fresh pty under the same name.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shutil
import tempfile
import threading
import tty
from collections.abc import Callable

from belay_gen.emulator.line import hang_up

#: The name a native-USB port takes in its folder, as Linux names CDC-ACM devices.
USB_NAME = "ttyACM0"
#: Where native-USB names live: under /dev when the machine lets us (tmpfs), so the name
#: looks like a device to tools that check; elsewhere in the temp folder.
_SHM = "/dev/shm"


def _usb_folder() -> str:
    base = _SHM if os.access(_SHM, os.W_OK | os.X_OK) else None
    return tempfile.mkdtemp(prefix="belay-gen-usb-", dir=base)


class ClientPort:
    """The pty a client opens; ``usb``: the port vanishes on :meth:`unplug` (native USB)."""

    def __init__(self, *, usb: bool = False) -> None:
        self._lock = threading.Lock()  # guards the descriptors, which unplug replaces
        #: Set while the link is down: what either side sends is lost.
        self.down = threading.Event()
        self._closed = False
        self._folder = _usb_folder() if usb else None
        self._master_fd, self._slave_fd, self.pty_path = self._open()
        #: The port clients open: the pty, or the stable USB name for it.
        self.path = self.pty_path if self._folder is None else self._name(self.pty_path)

    def _open(self) -> tuple[int, int, str]:
        master, slave = pty.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        return master, slave, os.ttyname(slave)

    def _name(self, target: str) -> str:
        assert self._folder is not None
        name = os.path.join(self._folder, USB_NAME)
        staged = name + ".new"
        os.symlink(target, staged)
        os.replace(staged, name)  # the name appears at once, complete
        return name

    @property
    def vanishes(self) -> bool:
        """True for a native-USB port (a drop removes it; it comes back under the same name)."""
        return self._folder is not None

    # -- bytes ---------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Send ``data`` to the client, waiting while its buffer is full; lost while down."""
        view = memoryview(data)
        while view:
            with self._lock:
                if self.down.is_set() or self._closed:
                    return
                fd = self._master_fd
                try:
                    view = view[os.write(fd, view) :]
                    continue
                except BlockingIOError:
                    pass
                except OSError:
                    return  # hung up under us: the link is dropping
                select.select([], [fd], [], 0.05)

    def read(self, wake_fd: int, timeout: float) -> bytes:
        """What the client sent (``b""`` after ``timeout``, on ``wake_fd`` or while down)."""
        if self.down.is_set():
            select.select([wake_fd], [], [], 0.05)
            return b""
        fd = self._master_fd
        try:
            ready, _, _ = select.select([fd, wake_fd], [], [], timeout)
        except (OSError, ValueError):  # closed by unplug meanwhile
            ready = []
        if fd not in ready:
            return b""
        with self._lock:
            if self.down.is_set() or self._closed or fd != self._master_fd:
                return b""
            try:
                return os.read(fd, 65536)
            except OSError:  # nothing after all, or the terminal was hung up
                pass
        select.select([wake_fd], [], [], 0.05)
        return b""

    # -- drops ---------------------------------------------------------------------------
    def hang_up(self, seconds: float) -> None:
        """Hang up open clients; the port works again at the same path after ``seconds``.

        Needs Linux's ``TIOCVHANGUP`` (OSError where the machine forbids it).
        """
        self.down.set()
        try:
            with self._lock:
                self._slave_fd = hang_up(self._slave_fd, self.pty_path)
        except OSError:
            self.down.clear()
            raise
        self._later(seconds, self.down.clear)

    def unplug(self, seconds: float) -> None:
        """The port disappears (name removed, pty closed) and comes back after ``seconds``."""
        assert self._folder is not None, "only a native-USB port vanishes"
        self.down.set()
        with self._lock:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            for fd in (self._master_fd, self._slave_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._master_fd = self._slave_fd = -1
        self._later(seconds, self.replug)

    def replug(self) -> None:
        """A fresh pty under the same name: the port is back (after :meth:`unplug`)."""
        with self._lock:
            if self._closed or self._master_fd >= 0:
                return
            self._master_fd, self._slave_fd, self.pty_path = self._open()
            self._name(self.pty_path)
        self.down.clear()

    def _later(self, seconds: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        """Close the pty; the port (and a USB name's folder) disappears."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for fd in (self._master_fd, self._slave_fd):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master_fd = self._slave_fd = -1
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
