"""The public fault-injection controls of a virtual board: a crash, a hang, a reset, a link
that drops, stalls, line noise, lost and corrupted bytes and a slow CPU, for tests and demos.

:class:`FaultInjection` is a base of :class:`~belay_gen.emulator.relay.VirtualBoard`, which
provides the state declared here; it keeps the relay module to moving bytes.
"""

from __future__ import annotations

import threading

from belay_gen.emulator.faults import LinkFaults
from belay_gen.emulator.port import ClientPort
from belay_gen.emulator.profiles import BoardProfile
from belay_gen.emulator.slowcpu import SlowCpu
from belay_gen.emulator.vm import BoardVM

#: How long a native-USB board's port is gone after a reset (USB re-enumeration).
USB_GONE_S = 0.5


class FaultInjection:
    """Faults a test can inject into a running virtual board (deterministic per seed)."""

    path: str
    profile: BoardProfile
    faults: LinkFaults
    _lock: threading.Lock
    _vm: BoardVM | None
    _hard_reset: bool
    _port: ClientPort
    _frozen: BoardVM | None
    _slow: SlowCpu

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
            self._frozen = vm  # a slow CPU must not wake it
            vm.freeze()

    def inject_reset(self) -> None:
        """Reset the board as ``machine.reset()``, a watchdog or a brown-out does.

        On a UART-bridge board the link is kept: the client sees the profile's boot text,
        then a fresh board in friendly mode (``boot.py`` and ``main.py`` ran); all state is
        gone. On a native-USB profile (``rp2040``, ``circuitpython``) the port disappears
        (opening :attr:`path` fails, open clients see end of file) for :data:`USB_GONE_S`
        while the USB device re-enumerates, and comes back under the same name.
        """
        self._hard_reset = True
        if self._port.vanishes:
            self._port.unplug(USB_GONE_S)
        self.kill_vm()

    def drop_link(self, seconds: float) -> None:
        """The link drops for ``seconds`` (a cable pulled, a USB port re-enumerating).

        Open clients are hung up at once (reads give end of file, writes ``EIO``), what
        either side sends meanwhile is lost, and the port works again at the same
        :attr:`path` afterwards; the board keeps running. On a native-USB profile the port
        disappears meanwhile (opening it fails). Elsewhere hanging up a terminal needs
        Linux (``TIOCVHANGUP``, which some containers and users may not be allowed).
        """
        if self._port.vanishes:
            self._port.unplug(seconds)
        else:
            self._port.hang_up(seconds)

    def stall(self, seconds: float) -> None:
        """The board goes silent for ``seconds``: nothing moves either way, nothing is lost."""
        self.faults.stall(seconds)

    def inject_garbage(self, count: int) -> bytes:
        """Send ``count`` bytes of line noise (seeded) to the client; returns them."""
        noise = self.faults.garbage(count)
        self._send_to_client(noise)
        return noise

    def lose_bytes(self, to_board: int = 0, from_board: int = 0, *, after: int = 0) -> None:
        """Lose the next ``to_board`` bytes the client sends and ``from_board`` it would get
        (after ``after`` more bytes each way)."""
        self.faults.lose(to_board, from_board, after=after)

    def corrupt_bytes(self, to_board: int = 0, from_board: int = 0, *, after: int = 0) -> None:
        """Flip one bit (seeded) in each of the next ``to_board`` bytes the client sends and
        ``from_board`` bytes it would get (after ``after`` more bytes each way): noise inside
        the data."""
        self.faults.corrupt(to_board, from_board, after=after)

    def slow_cpu(self, factor: float, seconds: float | None = None) -> None:
        """Run the board ``factor`` times slower for ``seconds`` (``None``: until changed;
        ``factor=1``: full speed again). Computing, Ctrl-C, reading input and printing all
        slow down (see :mod:`belay_gen.emulator.slowcpu`)."""
        self._slow.slow(factor, seconds)
