"""The virtual board: a MicroPython VM behind a pseudo-terminal that clients open as a port.

The relay owns the client-facing pty and one :class:`~belay_gen.emulator.vm.BoardVM` at a time.
It passes bytes both ways and adds what a real board has and the unix port lacks:

- Ctrl-C while code runs becomes a SIGINT, which MicroPython turns into a KeyboardInterrupt at
  its next safe point; while the REPL waits for input, or after ``micropython.kbd_intr(-1)``,
  the byte passes through as data (so binary transfers such as ``mpremote mount`` work).
- Soft reset: the unix port exits on Ctrl-D; the relay prints ``MPY: soft reboot``, starts a
  fresh VM (``boot.py``, and ``main.py`` in friendly mode) and puts it back in the mode the
  client was in. A VM that crashes, or dies from a second Ctrl-C while hung, is restarted the
  same way, so the client sees a reset instead of a dead port.
- Output is cooked (``\\n`` leaves as ``\\r\\n``) in every mode, as a board's console does,
  while ``sys.stdout.buffer`` stays binary (see :mod:`belay_gen.emulator.cooking`).
- A profile (:mod:`belay_gen.emulator.profiles`) sets the heap, a UART rate (every byte costs
  its line time, both ways) and an input ring that drops what does not fit.
- Faults for tests and demos (:mod:`belay_gen.emulator.injection`): resets, link drops,
  stalls, line noise, lost and corrupted bytes, a slow CPU, a crashed or hung VM.
- The client's pty is a :class:`~belay_gen.emulator.port.ClientPort`; on a native-USB
  profile it is a stable name that vanishes on a reset and comes back.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path

from belay_gen.emulator.cooking import BannerRewriter, Cooker
from belay_gen.emulator.faults import LinkFaults
from belay_gen.emulator.injection import FaultInjection
from belay_gen.emulator.line import Throttle, partial_suffix, write_all
from belay_gen.emulator.port import ClientPort
from belay_gen.emulator.profiles import BoardProfile, get_profile
from belay_gen.emulator.slowcpu import SlowCpu
from belay_gen.emulator.vm import MARKER, UP_MARKER, BoardVM

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
FRIENDLY_BANNER_END = b'Type "help()" for more information.'
SOFT_REBOOT = b"MPY: soft reboot\r\n"
# How long start() waits for boot.py and main.py to finish before it lets clients in.
MAIN_GRACE_S = 2.0
# How long output that may be the start of a binary frame waits for the rest.
HOLD_S = 0.05
CTRL_A = b"\x01"
CTRL_C = 0x03
# A second Ctrl-C this soon after one the VM has not yet answered is the same burst (clients
# send "\r\x03\x03"); MicroPython's unix port would exit on it.
INTERRUPT_DEBOUNCE_S = 0.25
# A VM that has not answered a Ctrl-C for this long when the next one comes is hung.
HANG_AFTER_S = 3.0


class VirtualBoard(FaultInjection):
    """A MicroPython board made of a VM, a relay and a pty; ``path`` is the port to open."""

    def __init__(
        self,
        root: Path,
        *,
        profile: BoardProfile | None = None,
        baud: int | None = None,
        trace: Callable[[str], None] | None = None,
        seed: int | None = None,
        die_with_parent: bool = False,
    ) -> None:
        if root.exists() and not root.is_dir():
            raise NotADirectoryError(f"{root} is a file; the board's filesystem must be a folder")
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        #: What board this is (heap, UART, input ring, flavour); ``baud`` overrides its rate.
        self.profile = profile or get_profile()
        if baud:
            self.profile = get_profile(self.profile.name, baud=baud)
        baud = self.profile.baud
        rate = None if not baud else baud / 10
        self._nonce = secrets.token_hex(8)
        self._cooker = Cooker(self._nonce)
        #: Faults scheduled on the link; deterministic given ``seed``.
        self.faults = LinkFaults(seed)
        self._hard_reset = False
        # Linux: each VM gets SIGKILL when the thread that started it ends, so a killed
        # server leaves no VM behind. Only for a process that owns the board for its whole
        # life (``serve``): the first VM is started by the thread calling start().
        self._die_with_parent = die_with_parent
        self._to_client = Throttle(rate)
        self._to_vm = Throttle(rate)
        self._trace = trace
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._up = threading.Event()  # the firmware is up and about to run boot.py/main.py
        self._stopping = threading.Event()
        self._pending_input = bytearray()
        self._raw_mode = False
        self._last_interrupt = 0.0
        self._interrupt_pending = False  # a SIGINT was sent and the VM has said nothing since
        self._pending_since = 0.0  # when the first unanswered SIGINT was sent
        self._tail = b""  # last output bytes, to find banners split across reads
        banner = self.profile.banner
        self._banner = None if banner is None else BannerRewriter(banner)
        self._vm: BoardVM | None = None
        self._trace_r, self._trace_w = os.pipe()
        self._wake_r, self._wake_w = os.pipe()  # written on close to end the pumps' selects
        self._port = ClientPort(usb=self.profile.native_usb)
        #: The port to open: a pty, or on a native-USB profile a stable name that vanishes
        #: on a reset and comes back (:mod:`belay_gen.emulator.port`).
        self.path = self._port.path
        self._frozen: BoardVM | None = None  # a VM hung on purpose (freeze_vm)
        self._slow = SlowCpu(lambda: self._vm, lambda vm: vm is self._frozen)
        self._threads: list[threading.Thread] = []
        #: Number of resets (soft reboots and VM restarts) since start.
        self.resets = 0
        #: Pin/peripheral events reported by the board's ``machine`` module, in order.
        self.trace_lines: list[str] = []
        #: Bytes the client sent to the board and the board sent to the client (read-only).
        self.bytes_to_board = 0
        self.bytes_from_board = 0
        #: Bytes the board's full input ring dropped.
        self.bytes_dropped = 0

    # -- life cycle ---------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> None:
        """Boot the VM and start relaying; returns once the board shows its first prompt."""
        try:
            self._boot(raw=False, run_main=True)
        except BaseException:
            self.close()  # release the pty and pipes: the board never came up
            raise
        for target in (self._pump_output, self._pump_input):
            thread = threading.Thread(target=target, daemon=True, name=target.__name__)
            thread.start()
            self._threads.append(thread)
        # As on a real board, the port is there while boot.py and main.py run: a client
        # that connects interrupts a main.py that never returns. Most boots reach the REPL
        # quickly; wait for that (so files written after start() are not boot's business),
        # but not for a main.py that loops.
        if not self._up.wait(timeout):
            self.close()
            raise RuntimeError("the virtual board did not boot in time")
        self._ready.wait(MAIN_GRACE_S)

    def wait_booted(self, resets: int, timeout: float = 10.0) -> None:
        """Wait until the board has reset ``resets`` times since start and is at its prompt
        again (its port back, for a native-USB board); RuntimeError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.resets < resets or not self._ready.is_set() or self._port.down.is_set():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the virtual board did not boot again within {timeout} s")
            time.sleep(0.02)

    def close(self) -> None:
        """Stop the VM and the relay; the port disappears."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        os.write(self._wake_w, b"x")
        self._slow.close()
        with self._lock:
            if self._vm is not None:
                self._vm.stop()
        for thread in self._threads:
            thread.join(timeout=2)
        with self._lock:  # a reset that was under way may have booted one more VM
            if self._vm is not None:
                self._vm.stop()
        self._port.close()
        for fd in (self._trace_r, self._trace_w, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> VirtualBoard:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- VM management ------------------------------------------------------------------
    def _boot(self, *, raw: bool, run_main: bool) -> None:
        with self._lock:
            if self._stopping.is_set():
                return  # close() has stopped the VM; a new one would outlive the board
            self._ready.clear()
            self._raw_mode = raw
            self._cooker.reset()
            self._vm = BoardVM(
                self.root,
                run_main=run_main,
                trace_fd=self._trace_w,
                nonce=self._nonce,
                flavour=self.profile.flavour,
                heap=self.profile.heap,
                die_with_parent=self._die_with_parent,
            )

    def _reboot(self) -> None:
        """The VM exited (soft reset, SystemExit, crash): start a fresh one in the same mode.

        After :meth:`inject_reset` the board comes up as from power-on instead: friendly mode.
        """
        with self._lock:  # close() may be stopping it at the same time
            assert self._vm is not None
            self._vm.stop()
        self.resets += 1
        if self._hard_reset:
            self._hard_reset = False
            self._raw_mode = False
            self._send_to_client(self.profile.reset_text)
        else:
            self._send_to_client(self.profile.soft_reboot_text)
        self._boot(raw=self._raw_mode, run_main=not self._raw_mode)

    def _set_ready(self) -> None:
        with self._lock:
            vm = self._vm
            pending = bytes(self._pending_input)
            self._pending_input.clear()
            self._ready.set()
        if pending and vm is not None:
            self._send_to_vm(vm, pending)

    # -- board -> client ----------------------------------------------------------------
    def _send_to_client(self, data: bytes) -> None:
        if self._port.down.is_set():
            return  # the link is down: what the board sends is lost
        self.faults.wait_stall()
        data = self.faults.filter_output(data)
        self.bytes_from_board += len(data)
        for chunk in self._to_client.chunks(data):
            self._to_client.wait(len(chunk))
            self._port.write(chunk)

    def _pump_output(self) -> None:
        booting = bytearray()  # output before the start-up marker
        awaiting_raw_banner: bytearray | None = None
        while not self._stopping.is_set():
            vm = self._vm
            assert vm is not None
            holding = self._cooker.holding or bool(self._banner and self._banner.holding)
            wait = HOLD_S if holding else 0.5
            try:
                ready, _, _ = select.select(
                    [vm.master_fd, self._trace_r, self._wake_r], [], [], wait
                )
            except (OSError, ValueError):
                ready = []
                if self._stopping.is_set():
                    return
            if self._trace_r in ready:
                self._forward_trace()
            if vm.master_fd not in ready:
                if not ready and holding:
                    held = b"" if self._banner is None else self._banner.flush()
                    self._send_to_client(held + self._cooker.flush())
                continue
            try:
                data = os.read(vm.master_fd, 65536)
            except OSError:
                data = b""
            if not data:  # the VM exited
                if self._stopping.is_set():
                    return
                self._reboot()
                booting.clear()
                awaiting_raw_banner = None
                continue
            self._interrupt_pending = False
            if not self._ready.is_set():
                if awaiting_raw_banner is None:
                    booting += data
                    up_at = booting.find(UP_MARKER)
                    if up_at >= 0:
                        del booting[up_at : up_at + len(UP_MARKER)]
                        self._up.set()
                    index = booting.find(MARKER)
                    if index < 0:
                        keep = max(
                            partial_suffix(booting, MARKER), partial_suffix(booting, UP_MARKER)
                        )
                        out = bytes(booting[: len(booting) - keep])
                        del booting[: len(booting) - keep]
                        self._send_to_client(self._cooker.feed(out))
                        continue
                    self._send_to_client(self._cooker.feed(bytes(booting[:index])))
                    data = bytes(booting[index + len(MARKER) :])
                    booting.clear()
                    if self._raw_mode:
                        awaiting_raw_banner = bytearray()
                        self._send_to_vm(vm, CTRL_A)
                    else:
                        self._set_ready()
                if awaiting_raw_banner is not None:
                    awaiting_raw_banner += data
                    index = awaiting_raw_banner.find(RAW_BANNER)
                    if index < 0:
                        continue
                    data = bytes(awaiting_raw_banner[index:])
                    awaiting_raw_banner = None
                    self._set_ready()
            self._send_to_client(self._track_mode(data))

    def _track_mode(self, data: bytes) -> bytes:
        """Follow raw/friendly mode from the banners (for resets) and cook the output."""
        seen = self._tail + data
        self._tail = seen[-64:]
        raw_at = seen.find(RAW_BANNER)
        if raw_at >= 0 and seen.find(FRIENDLY_BANNER_END, raw_at) < 0:
            self._raw_mode = True
        elif FRIENDLY_BANNER_END in seen:
            self._raw_mode = False
        out = self._cooker.feed(data)
        return out if self._banner is None else self._banner.feed(out)

    def _forward_trace(self) -> None:
        try:
            data = os.read(self._trace_r, 65536)
        except OSError:
            return
        for line in data.decode("utf-8", "replace").splitlines():
            self.trace_lines.append(line)
            if self._trace is not None:
                self._trace(line)

    # -- client -> board ----------------------------------------------------------------
    def _send_to_vm(self, vm: BoardVM, data: bytes) -> None:
        ring = self.profile.rxbuf
        for chunk in self._to_vm.chunks(data):
            self._to_vm.wait(len(chunk))
            if ring is not None:  # a full input ring drops what does not fit
                room = max(0, ring - vm.unread_input())
                self.bytes_dropped += max(0, len(chunk) - room)
                chunk = chunk[:room]
            try:
                write_all(vm.master_fd, chunk)
            except OSError:
                return  # the VM is restarting; a real board loses such bytes too

    def _pump_input(self) -> None:
        while not self._stopping.is_set():
            data = self._port.read(self._wake_r, 0.5)
            if not data:
                continue  # nothing yet, or the link is down: nobody is there to carry it
            self.faults.wait_stall()
            data = self.faults.filter_input(data)
            self.bytes_to_board += len(data)
            start = 0
            index = data.find(CTRL_C)
            while index >= 0:
                if self._deliver_interrupt():
                    self._forward(data[start:index])
                    start = index + 1
                index = data.find(CTRL_C, index + 1)
            self._forward(data[start:])

    def _forward(self, data: bytes) -> None:
        if not data:
            return
        with self._lock:
            vm = self._vm
            if not self._ready.is_set():
                self._pending_input += data
                return
        assert vm is not None
        self._send_to_vm(vm, data)

    def _deliver_interrupt(self) -> bool:
        """Turn a Ctrl-C byte into a SIGINT if code is running; False: pass it as data."""
        vm = self._vm
        if vm is None or not vm.interrupts_enabled():
            return False
        now = time.monotonic()
        if self._interrupt_pending and now - self._pending_since >= HANG_AFTER_S:
            # Ctrl-C went unanswered for seconds: the VM hangs. Kill it; the output pump
            # sees it exit and boots a fresh one, so the client sees a reset.
            vm.kill()
            self._interrupt_pending = False
        elif not (self._interrupt_pending and now - self._last_interrupt < INTERRUPT_DEBOUNCE_S):
            vm.interrupt()
            self._last_interrupt = now
            if not self._interrupt_pending:
                self._pending_since = now
            self._interrupt_pending = True
        return True
