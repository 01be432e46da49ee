"""What a ``Device`` owes its board before the next command, and closing at interpreter exit.

A collected proxy or generator cannot talk to the board from a finalizer (the garbage
collector may run in the middle of another exchange), and a ``soft_reset``/``terminal`` leaves
the board outside the raw REPL: both are settled at the start of the next command.
"""

from __future__ import annotations

import atexit
import weakref
from collections import deque
from collections.abc import Callable
from typing import Protocol

from belay_gen.runtime.session import Session


class PendingWork:
    """Board names to delete and a pending reconnect, settled by :meth:`settle`."""

    def __init__(self, session: Session, reconnect: Callable[[], None]) -> None:
        self._session = session
        self._reconnect = reconnect
        self._forgotten: deque[str] = deque()
        self.reconnect_pending = False

    def forget(self, name: str) -> None:
        """Delete the board global ``name`` before the next command (nothing is sent now)."""
        self._forgotten.append(name)

    def settle(self) -> None:
        """Reconnect if one is pending, then delete the forgotten board names (one round
        trip, only when there are some)."""
        if self.reconnect_pending:
            self.reconnect_pending = False
            self._reconnect()
        names = []
        while self._forgotten:
            names.append(self._forgotten.popleft())
        if names and not self._session.closed:
            code = f"for __belay_k in {tuple(names)!r}:\n globals().pop(__belay_k,None)\n"
            self._session.run(code, idempotent=True)  # deleting twice is harmless


class Closable(Protocol):
    def close(self) -> None: ...


#: Devices not yet closed; closed (teardowns run) when the interpreter exits, as Belay does.
OPEN_DEVICES: weakref.WeakSet[Closable] = weakref.WeakSet()


@atexit.register
def _close_open_devices() -> None:
    for device in list(OPEN_DEVICES):
        try:
            device.close()
        except Exception:
            continue
