"""A slow CPU: the board's VM runs ``factor`` times slower than the host lets it.

The VM's process group is stopped and continued (``SIGSTOP``/``SIGCONT``) in a duty cycle:
it runs about ``PERIOD / factor`` seconds at a time and is stopped ``factor - 1`` times as long
as it actually ran. Everything
the board does slows down alike: computing, answering Ctrl-C, reading input (which waits in
its ring meanwhile, so a small ring fills sooner), printing. The cycle has no randomness, so
a run is as deterministic as the host's scheduler allows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable

from belay_gen.emulator.vm import BoardVM

#: One run-and-stop cycle, in seconds: short enough that a board never seems hung.
PERIOD = 0.02


class SlowCpu:
    """Runs whatever VM ``current()`` returns at 1/``factor`` of its speed, while asked to.

    ``frozen(vm)`` says a VM was frozen on purpose (a hang): it is left stopped.
    """

    def __init__(
        self, current: Callable[[], BoardVM | None], frozen: Callable[[BoardVM], bool]
    ) -> None:
        self._current = current
        self._frozen = frozen
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._factor = 1.0
        self._until: float | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def factor(self) -> float:
        """How many times slower the board runs now (1: full speed)."""
        with self._lock:
            if self._until is not None and time.monotonic() >= self._until:
                return 1.0
            return self._factor

    def slow(self, factor: float, seconds: float | None = None) -> None:
        """Run ``factor`` times slower, for ``seconds`` (``None``: until changed; 1: stop)."""
        if factor < 1:
            raise ValueError(f"a slow CPU's factor must be at least 1, not {factor}")
        with self._lock:
            self._factor = factor
            self._until = None if seconds is None else time.monotonic() + seconds
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, daemon=True, name="slow-cpu")
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop slowing the board down (the VM is left running)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=2)

    def _run(self) -> None:
        resumed: float | None = None  # when the VM was last let run
        while True:
            with self._lock:
                if self._closed:
                    return
            factor = self.factor
            vm = self._current() if factor > 1 else None
            if vm is None or self._frozen(vm):
                resumed = None
                self._wake.wait(0.5 if factor <= 1 else PERIOD)
                self._wake.clear()
                continue
            _signal(vm, signal.SIGSTOP)
            # Stop the VM ``factor - 1`` times as long as it actually ran since it was let
            # go: measured up to the stop, since this thread may wait for the GIL after its
            # sleep while the VM runs on, and a fixed schedule would slow it less than asked.
            ran = PERIOD / factor if resumed is None else time.monotonic() - resumed
            try:
                time.sleep(ran * (factor - 1))
            finally:
                if not self._frozen(vm):
                    resumed = time.monotonic()
                    _signal(vm, signal.SIGCONT)
            time.sleep(PERIOD / factor)


def _signal(vm: BoardVM, signum: int) -> None:
    """Send ``signum`` to the VM's process group (a sandbox launcher and the VM alike)."""
    if vm.process.poll() is not None:
        return  # reaped: its pid may belong to another process by now
    try:
        os.killpg(vm.pid, signum)
    except (ProcessLookupError, PermissionError):  # not a group leader after all
        with contextlib.suppress(ProcessLookupError):
            vm.process.send_signal(signum)
