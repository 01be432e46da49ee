"""The forms a result can travel in: plain literals (the default), ``trusted`` (the board's
``repr``, evaluated with ``eval`` on the host) and ``return_time`` (paired with the board's
clock at the middle of the evaluation, converted to a host ``datetime``).

The board side is :mod:`~belay_gen.runtime.board_helpers`' ``__belay_ev``/``__belay_st``/
``__belay_gs``; a plain result needs none of them.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from belay_gen.runtime.clock import BoardClock


@dataclass(frozen=True)
class ResultForm:
    """How results of one call travel. ``trusted=True`` runs what the board sends: the
    board's ``repr`` text goes through ``eval`` on the host (Belay's opt-in; only for a board
    you trust as you trust your own code)."""

    trusted: bool = False
    return_time: bool = False
    #: The command calls board helpers itself (proxies), though its value is plain.
    calls_helpers: bool = False

    @property
    def plain(self) -> bool:
        """True when the value travels as a plain literal."""
        return not (self.trusted or self.return_time)

    @property
    def needs_helpers(self) -> bool:
        """True when the board helpers must be defined first."""
        return self.calls_helpers or not self.plain

    def _flags(self) -> str:
        return f"{int(self.return_time)},{int(self.trusted)}"

    def value(self, expression: str) -> str:
        """Board source whose value is ``expression`` in this form."""
        if self.plain:
            return expression
        return f"__belay_ev(lambda:{expression},{self._flags()})"

    def step(self, expression: str) -> str:
        """Board source for one generator step: ``(done, value in this form)``."""
        return f"__belay_st(lambda:{expression},{self._flags()})"

    def stream(self, generator: str) -> str:
        """Board source that yields every value of ``generator`` as a Y frame, in this form."""
        if self.plain:
            return f"_belayG({generator})"
        return f"__belay_gs({generator},{self._flags()})"

    def finish(self, value: Any, clock: Callable[[], BoardClock]) -> Any:
        """The host value for what the board sent; ``clock`` gives the synchronized clock."""
        if self.plain:
            return value
        ticks = None
        if self.return_time:
            ticks, value = value
        if self.trusted:
            # Opt-in (trusted=True): this runs whatever the board sent.
            value = eval(value, {"__builtins__": builtins})
        if ticks is not None:
            return value, clock().host_time(ticks)
        return value
