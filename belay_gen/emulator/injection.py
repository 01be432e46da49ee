"""The public fault-injection controls of a virtual board: a crash, a hang, a reset, a link
that drops, stalls, line noise and lost bytes, for tests and demos.

:class:`FaultInjection` is a base of :class:`~belay_gen.emulator.relay.VirtualBoard`, which
provides the state declared here; it keeps the relay module to moving bytes.
"""

from __future__ import annotations

import threading

from belay_gen.emulator.faults import LinkFaults
from belay_gen.emulator.line import hang_up, link_drop_supported
from belay_gen.emulator.profiles import BoardProfile
from belay_gen.emulator.vm import BoardVM


class FaultInjection:
    """Faults a test can inject into a running virtual board (deterministic per seed)."""

    path: str
    profile: BoardProfile
    faults: LinkFaults
    _lock: threading.Lock
    _vm: BoardVM | None
    _hard_reset: bool
    _link_down: threading.Event
    _slave_fd: int

    def _send_to_client(self, data: bytes) -> None:
        raise NotImplementedError  # the relay's

    def kill_vm(self) -> None:
        """Crash the board: kill its VM. The relay boots a fresh one, so clients see a reset."""
        with self._lock:
            vm = self._vm
        if vm is not None:
            vm.kill()

    def freeze_vm(self) -> None:
        """Hang the board: its VM stops answering anything, Ctrl-C included.

        As with a hung board, a Ctrl-C that goes unanswered for ``HANG_AFTER_S`` seconds
        followed by another makes the relay kill the VM and boot a fresh one (a reset).
        """
        with self._lock:
            vm = self._vm
        if vm is not None:
            vm.freeze()

    def inject_reset(self) -> None:
        """Reset the board as ``machine.reset()``, a watchdog or a brown-out does.

        On a UART-bridge board the link is kept: the client sees the profile's boot text,
        then a fresh board in friendly mode (``boot.py`` and ``main.py`` ran); all state is
        gone. On a native-USB profile (``rp2040``, ``circuitpython``) the link also drops
        for half a second, as the USB device re-enumerates, and returns at the same path
        (where :func:`link_drop_supported`).
        """
        self._hard_reset = True
        if self.profile.native_usb and link_drop_supported():
            self.drop_link(0.5)
        self.kill_vm()

    def drop_link(self, seconds: float) -> None:
        """The link drops for ``seconds`` (a cable pulled, a USB port re-enumerating).

        Open clients are hung up at once (reads give end of file, writes ``EIO``), what
        either side sends meanwhile is lost, and the port works again at the same
        :attr:`path` afterwards; the board keeps running. Hanging up a terminal needs
        Linux (``TIOCVHANGUP``, which some containers and users may not be allowed).
        """
        self._link_down.set()
        try:
            self._slave_fd = hang_up(self._slave_fd, self.path)
        except OSError:
            self._link_down.clear()
            raise
        restore = threading.Timer(seconds, self._link_down.clear)
        restore.daemon = True
        restore.start()

    def stall(self, seconds: float) -> None:
        """The board goes silent for ``seconds``: nothing moves either way, nothing is lost."""
        self.faults.stall(seconds)

    def inject_garbage(self, count: int) -> bytes:
        """Send ``count`` bytes of line noise (seeded) to the client; returns them."""
        noise = self.faults.garbage(count)
        self._send_to_client(noise)
        return noise

    def lose_bytes(self, to_board: int = 0, from_board: int = 0) -> None:
        """Lose the next ``to_board`` bytes the client sends and ``from_board`` it would get."""
        self.faults.lose(to_board, from_board)
