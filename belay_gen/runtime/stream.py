"""The values of a generator task, handed to the host as the board yields them.

:class:`BoardGenerator` is what calling a generator task returns: iterated, it streams (below);
driven with ``send``/``throw``/``close``, it steps one round trip at a time.

The board runs the generator inside one exec that prints ``Y`` frames: a value at once when
the generator took 1 ms or more for it, else in a batch with the values that follow it fast
(see ``board/snippets/generator.py``). A worker thread runs that exec and queues each value,
so the caller's ``next()`` returns as soon as the value arrives, not when the generator ends.
"""

from __future__ import annotations

import builtins
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, Protocol

from belay_gen.runtime.codec import YIELD, Frame, is_literal, require_literal

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
        if frame.kind == YIELD:  # a batch: the values the board had when it sent them
            for value in frame.value:  # type: ignore[attr-defined]
                values.put(value)

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


class GeneratorRunner(Protocol):
    """How a :class:`BoardGenerator` drives its board generator (``Device`` provides it)."""

    def stream(self) -> Iterator[Any]:
        """Run the whole generator, handing back its values as they arrive."""

    def create(self) -> str:
        """Create the board generator; return the board name that holds it."""

    def step(self, expression: str) -> tuple[bool, Any]:
        """Run ``expression`` (a ``send``/``throw``/``close`` of the board generator):
        ``(True, None)`` when the generator ended, else ``(False, value)``."""

    def drop(self, name: str) -> None:
        """Delete ``name`` from the board (before the device's next command)."""


def _exception_source(exc: BaseException) -> str:
    """Board source that builds ``exc``: the builtin class of that name (else ``Exception``)
    with the literal arguments (others as their ``str``)."""
    name = type(exc).__name__
    board_class = name if isinstance(getattr(builtins, name, None), type) else "Exception"
    args = ",".join(repr(a) if is_literal(a) else repr(str(a)) for a in exc.args)
    return f"{board_class}({args})"


class BoardGenerator(Generator[Any, Any, None]):
    """A generator task's call: a Python generator whose body runs on the board.

    Iterated (``for``, ``list()``), it streams: the board runs the generator through in one
    exec and each value arrives as it is produced. Driven with ``next()``, ``send()``,
    ``throw()`` and ``close()``, it steps: each one is one round trip, with Python's
    generator semantics (code before the first ``yield`` runs at the first ``next()``).
    """

    def __init__(self, runner: GeneratorRunner) -> None:
        self._runner = runner
        self._stream: Iterator[Any] | None = None
        self._name: str | None = None
        self._finished = False

    def __iter__(self) -> BoardGenerator:
        if self._stream is None and self._name is None and not self._finished:
            self._stream = self._runner.stream()
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def send(self, value: Any) -> Any:
        if self._finished:
            raise StopIteration
        if self._stream is not None:
            if value is not None:
                raise TypeError("cannot send() to a generator task a for loop is iterating")
            return next(self._stream)
        if self._name is None:
            if value is not None:
                raise TypeError("can't send non-None value to a just-started generator")
            self._name = self._runner.create()
        require_literal(value, "the sent value", "send")
        return self._step(f"{self._name}.send({value!r})")

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        exc = typ if isinstance(typ, BaseException) else (typ(val) if val is not None else typ())
        if self._name is None or self._finished:
            self.close()
            raise exc
        return self._step(f"{self._name}.throw({_exception_source(exc)})")

    def close(self) -> None:
        if self._finished:
            return
        if self._stream is not None:
            close = getattr(self._stream, "close", None)
            if close is not None:
                close()
        elif self._name is not None:
            self._step(f"{self._name}.close()")
        self._end()

    def _step(self, expression: str) -> Any:
        try:
            done, value = self._runner.step(expression)
        except BaseException:
            self._end()  # a generator that raised is finished, as in Python
            raise
        if done:
            self._end()
            raise StopIteration
        return value

    def _end(self) -> None:
        self._finished = True
        if self._name is not None:
            self._runner.drop(self._name)
            self._name = None

    def __del__(self) -> None:
        if not self._finished and self._name is not None:
            self._runner.drop(self._name)
