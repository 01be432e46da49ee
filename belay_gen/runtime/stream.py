"""The values of a generator task, handed to the host as the board yields them.

The board runs the generator inside one exec that prints a ``Y`` frame per value; a worker
thread runs that exec and queues each value, so the caller's ``next()`` returns as soon as the
board produced it, not when the generator ends.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from belay_gen.runtime.codec import YIELD, Frame

#: Runs the generator's exec, handing every result frame to its argument; returns when done.
RunWithFrames = Callable[[Callable[[Frame], None]], object]

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Abandoned(Exception):
    """Internal: nobody reads a generator task's values any more."""


class ValueStream(Iterator[Any]):
    """The values of a generator task, as the board yields them.

    Closing it, or dropping the last reference, stops the task at its next value, so an
    endless generator does not keep the device busy after the caller stopped reading.
    """

    def __init__(self) -> None:
        self.values: queue.Queue[Any] = queue.Queue()
        self.abandoned = threading.Event()
        self._finished = False

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        item = self.values.get()
        if item is _DONE or isinstance(item, _Failure):
            self._finished = True
            if isinstance(item, _Failure):
                raise item.exc
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop reading: the board's generator is interrupted at its next value."""
        self.abandoned.set()

    def __del__(self) -> None:
        self.abandoned.set()


def stream_values(run: RunWithFrames) -> ValueStream:
    """Start ``run`` in a worker thread and return its yielded values as they arrive.

    A board error (or a lost link) is raised by the ``next()`` that reaches it.
    """
    stream = ValueStream()
    # The worker holds the queue and the flag, not the stream, so dropping the stream
    # reaches its __del__.
    values, abandoned = stream.values, stream.abandoned

    def on_frame(frame: Frame) -> None:
        if abandoned.is_set():
            raise _Abandoned  # RawRepl interrupts the board and returns to the prompt
        if frame.kind == YIELD:
            values.put(frame.value)

    def worker() -> None:
        try:
            run(on_frame)
            values.put(_DONE)
        except _Abandoned:
            pass
        except BaseException as exc:
            values.put(_Failure(exc))

    threading.Thread(target=worker, daemon=True, name="belay-gen generator").start()
    return stream
