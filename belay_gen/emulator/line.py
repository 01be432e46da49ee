"""The serial line of a virtual board: a UART carries ``baud / 10`` bytes per second."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import time
import tty


class Throttle:
    """Paces writes to ``rate`` bytes per second (no pacing when rate is None)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._next = time.monotonic()

    def chunks(self, data: bytes) -> list[bytes]:
        if self.rate is None:
            return [data]
        size = max(1, int(self.rate / 200))
        return [data[i : i + size] for i in range(0, len(data), size)]

    def wait(self, nbytes: int) -> None:
        """Sleep until the line could have carried ``nbytes`` more (the last byte included)."""
        if self.rate is None:
            return
        now = time.monotonic()
        self._next = max(self._next, now) + nbytes / self.rate
        delay = self._next - now
        if delay > 0:
            time.sleep(delay)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a non-blocking ``fd``, waiting while it is full."""
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            select.select([], [fd], [], 1.0)


def partial_suffix(data: bytearray, marker: bytes) -> int:
    """Length of the longest suffix of ``data`` that is a proper prefix of ``marker``."""
    for length in range(min(len(marker) - 1, len(data)), 0, -1):
        if data.endswith(marker[:length]):
            return length
    return 0


_TIOCVHANGUP = 0x5437  # Linux: hang up a terminal's open files; the device node stays


def hang_up(slave_fd: int, path: str) -> int:
    """Hang up every open file of the terminal at ``path``; returns a fresh ``slave_fd``.

    Raises OSError where the machine does not allow it (see :func:`link_drop_supported`).
    """
    fcntl.ioctl(slave_fd, _TIOCVHANGUP)
    # Our own hold on the terminal was hung up too; take a fresh one.
    fresh = os.open(path, os.O_RDWR | os.O_NOCTTY)
    os.close(slave_fd)
    tty.setraw(fresh)
    return fresh


def link_drop_supported() -> bool:
    """True when this machine lets the relay hang up a terminal (``VirtualBoard.drop_link``)."""
    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, _TIOCVHANGUP)
        return True
    except OSError:
        return False
    finally:
        os.close(slave)
        os.close(master)
