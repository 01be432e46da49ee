"""Generator tasks on a ``Device``: the board side of :class:`BoardGenerator`.

Streaming runs the whole generator in one exec (``_belayG``, or ``__belay_gs`` for the
``trusted``/``return_time`` forms); stepping keeps the generator in a board global
(``_belay_gen<n>``) and moves it one ``send``/``throw``/``close`` per round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TextIO

from belay_gen.runtime.board_helpers import helper_frames_hidden, run_with_helpers
from belay_gen.runtime.clock import BoardClock
from belay_gen.runtime.codec import RESULT_FUNCTION
from belay_gen.runtime.results import ResultForm
from belay_gen.runtime.session import Session
from belay_gen.runtime.stream import GeneratorRunner, stream_values


class GeneratorHost(Protocol):
    """What a generator task needs from its device (``Device``)."""

    @property
    def session(self) -> Session: ...

    def synced_clock(self) -> BoardClock: ...

    def new_generator_number(self) -> int: ...

    def forget(self, name: str) -> None: ...


class TaskGenerator(GeneratorRunner):
    """Drives a generator task's board generator for :class:`BoardGenerator`: ``call`` is
    the task call's source, ``form`` how its values travel."""

    def __init__(
        self,
        device: GeneratorHost,
        call: str,
        form: ResultForm,
        timeout: float | None,
        stream_out: TextIO | None,
    ) -> None:
        self._device = device
        self._call = call
        self._form = form
        self._options: dict[str, Any] = {"timeout": timeout, "stream_out": stream_out}

    def stream(self) -> Iterator[Any]:
        session, form = self._device.session, self._form
        code = form.stream(self._call)

        def run(on_frame: Callable[..., None]) -> object:
            with helper_frames_hidden():
                return run_plain_or_helped(on_frame)

        def run_plain_or_helped(on_frame: Callable[..., None]) -> object:
            if form.plain:
                return session.run(
                    code, needs=("generator.py",), on_frame=on_frame, **self._options
                )
            return run_with_helpers(session, code, on_frame=on_frame, **self._options)

        values = stream_values(run)
        if form.plain:
            return values
        return (form.finish(value, self._device.synced_clock) for value in values)

    def create(self) -> str:
        name = f"_belay_gen{self._device.new_generator_number()}"
        self._device.session.run(f"{name}={self._call}", **self._options)
        return name

    def step(self, expression: str) -> tuple[bool, Any]:
        code = f"{RESULT_FUNCTION}({self._form.step(expression)})"
        done, value = run_with_helpers(self._device.session, code, **self._options)
        if done:
            return True, None
        return False, self._form.finish(value, self._device.synced_clock)

    def drop(self, name: str) -> None:
        self._device.forget(name)
