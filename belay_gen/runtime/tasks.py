"""``@device.task``, ``@device.thread``, ``@device.setup``, ``@device.teardown``.

An executor turns a host function into a :class:`BoardFunction`: the function is compiled
for the board once (the compiler's pipeline), defined there, and each host call becomes one
remote call. Class-style methods (``@Device.task`` in a ``Device`` subclass) are
:mod:`~belay_gen.runtime.methods`'.

Executors need only what :class:`Board` describes, so this module knows no ``Device``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from belay_gen.compiler.model import OPTIONS, reserved_name_reason
from belay_gen.errors import (
    FeatureUnavailableError,
    NoMatchingExecuterError,
    PyboardException,
    SpecialFunctionNameError,
)
from belay_gen.runtime.codec import require_literal
from belay_gen.runtime.dynamic import CompiledForBoard, compile_for_board
from belay_gen.runtime.implementation import Implementation


class Board(Protocol):
    """What an executor needs from a board (``Device`` is one)."""

    @property
    def port(self) -> str: ...

    @property
    def implementation(self) -> Implementation: ...

    @property
    def has_threads(self) -> bool: ...

    def define(self, compiled: CompiledForBoard) -> None: ...

    def call(
        self,
        target: str,
        args: Sequence[tuple[str, object]],
        *,
        generator: bool = False,
        trusted: bool = False,
        return_time: bool = False,
    ) -> Any: ...

    def spawn(self, target: str, args: Sequence[tuple[str, object]]) -> None: ...

    def run_body(
        self, compiled: CompiledForBoard, args: Sequence[tuple[str, object]], *, record: bool
    ) -> Any: ...

    def add_teardown(self, function: BoardFunction) -> None: ...


def check_name(name: str) -> None:
    """Reject names MicroPython or belay-gen reserve, before anything is sent."""
    reason = reserved_name_reason(name)
    if reason is not None:
        raise SpecialFunctionNameError(reason)


def check_options(kind: str, options: dict[str, Any]) -> None:
    """Refuse options a decorator does not have (the compiler's table), rather than
    silently dropping them as Belay does."""
    for key, value in options.items():
        if key not in OPTIONS[kind]:
            known = ", ".join(sorted(OPTIONS[kind]))
            raise TypeError(f"@device.{kind} has no option {key!r}; its options are {known}")
        if key == "record" and kind in ("task", "thread") and value:
            raise TypeError(
                f"@device.{kind}(record=True) is not supported: calls are never replayed "
                "after a reconnect (definitions are)"
            )


def literal_arguments(
    name_of_function: str,
    signature: inspect.Signature,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> list[tuple[str, object]]:
    """Bind a call to ``signature`` and return ``(name, value)`` pairs to encode.

    Everything that can travel positionally does (name ``""``; MicroPython binds positional
    arguments faster), keyword-only and ``**kwargs`` values by keyword. A value that is not a
    literal is a ``TypeError`` naming its parameter, before anything is sent.
    """
    bound = signature.bind(*args, **kwargs)
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            items = [(f"{name}[{i}]", item) for i, item in enumerate(value)]
        elif kind is inspect.Parameter.VAR_KEYWORD:
            items = list(value.items())
        else:
            items = [(name, value)]
        for label, item in items:
            require_literal(item, f"argument {label!r}", name_of_function)
    return [("", value) for value in bound.args] + list(bound.kwargs.items())


def named_arguments(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[tuple[str, object]]:
    """``(name, value)`` for every parameter, defaults filled in, as Belay binds them: what a
    setup or teardown body finds as globals (``*args`` a tuple, ``**kwargs`` a dict)."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return list(bound.arguments.items())


def check_no_parameters(func: Callable[..., Any], why: str) -> None:
    """``ValueError`` when ``func`` takes parameters (an autoinit setup, a class teardown:
    nothing would pass them)."""
    if inspect.signature(func).parameters:
        raise ValueError(f"{func.__name__}() {why}, so it must take no parameters")


@dataclass
class BoardFunction:
    """A host callable that runs its function on one or more boards.

    Called with one device it returns the board's value; decorated for several devices
    (stacked decorators) it runs on each, bottom decorator first, and returns a list.
    """

    func: Callable[..., Any]
    kind: str
    compiled: CompiledForBoard
    devices: list[Board] = field(default_factory=list)
    #: Return None instead of raising when the board raises (Belay's ``ignore_errors``).
    ignore_errors: bool = False
    #: setup/teardown only: record each run for replay after a reconnect.
    record: bool = True
    #: task only: read the result with ``eval`` on the host (runs what the board sends).
    trusted: bool = False
    #: task only: return ``(value, datetime)``, the host time the board computed the value.
    return_time: bool = False

    def __post_init__(self) -> None:
        functools.update_wrapper(self, self.func)
        self._signature = inspect.signature(self.func)  # bound on every call: compute once

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        pairs = literal_arguments(self.func.__name__, self._signature, args, kwargs)
        if self.kind in ("setup", "teardown"):  # the body sees its arguments as globals
            pairs = named_arguments(self._signature, args, kwargs)
        results = [self._run_on(device, pairs) for device in self.devices]
        return results[0] if len(results) == 1 else results

    def _run_on(self, device: Board, pairs: list[tuple[str, object]]) -> Any:
        if not self.ignore_errors:
            return self._run_or_raise(device, pairs)
        try:
            return self._run_or_raise(device, pairs)
        except PyboardException:
            return None

    def _run_or_raise(self, device: Board, pairs: list[tuple[str, object]]) -> Any:
        name = self.compiled.name
        if self.kind == "thread":
            device.spawn(name, pairs)
            return None
        if self.kind in ("setup", "teardown"):
            return device.run_body(self.compiled, pairs, record=self.record)
        return device.call(
            name,
            pairs,
            generator=self.compiled.is_generator,
            trusted=self.trusted,
            return_time=self.return_time,
        )

    def __repr__(self) -> str:
        return f"<{self.kind} {self.compiled.name} on {len(self.devices)} device(s)>"


class NotOnThisBoard:
    """A board function with no version for this board's implementation.

    What ``@device.task(implementation="circuitpython")`` gives on a MicroPython board:
    calling it raises :class:`NoMatchingExecuterError`; the host function never runs.
    """

    def __init__(self, func: Callable[..., Any], implementation: str, board: str) -> None:
        functools.update_wrapper(self, func)
        self.__name__: str = func.__name__
        self._wanted = implementation
        self._board = board

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NoMatchingExecuterError(
            f"{self.__name__}() was defined for {self._wanted} only and this board runs "
            f"{self._board}; define a version for {self._board} (or one without "
            "implementation=...)"
        )

    def __repr__(self) -> str:
        return f"<{self.__name__} for {self._wanted}, not on this {self._board} board>"


class Executor:
    """The ``device.task`` (or ``thread``/``setup``/``teardown``) decorator of one device.

    ``@device.task``, ``@device.task(minify=False, register=False)``; registered functions
    are reachable as ``device.task.NAME``.
    """

    def __init__(self, device: Board, kind: str) -> None:
        self._device = device
        self._kind = kind
        self._registry: dict[str, BoardFunction] = {}
        self._methods: dict[str, Any] = {}  # class-style methods, as defined on this board

    def __call__(self, f: Callable[..., Any] | None = None, **options: Any) -> Any:
        check_options(self._kind, options)
        if f is None:
            return functools.partial(self.__call__, **options)
        return self.define(f, **options)

    def define(
        self,
        f: Callable[..., Any],
        *,
        minify: bool = True,
        register: bool = True,
        ignore_errors: bool = False,
        record: bool = True,
        implementation: str = "",
        autoinit: bool = False,
        trusted: bool = False,
        return_time: bool = False,
    ) -> Any:
        """Compile ``f``, define it on the board and return its host callable.

        With ``implementation`` set (``"micropython"``, ``"circuitpython"``) the function is
        only defined when the board runs that implementation; on another board the result
        raises :class:`NoMatchingExecuterError` when called (or is the version of that name
        already defined for this board). A setup with ``autoinit`` runs at once.
        """
        earlier = f if isinstance(f, BoardFunction) else None
        func = earlier.func if earlier is not None else f
        check_name(func.__name__)
        if autoinit:
            check_no_parameters(func, "runs by itself (autoinit=True)")
        board_implementation = self._device.implementation.name
        if implementation and implementation != board_implementation:
            defined = self._registry.get(func.__name__)
            if defined is not None:
                return defined  # the version for this board, defined above this one
            return NotOnThisBoard(func, implementation, board_implementation)
        if self._kind == "thread" and not self._device.has_threads:
            raise FeatureUnavailableError(
                f"the board at {self._device.port} ({self._device.implementation.name} on "
                f"{self._device.implementation.platform}) has no _thread module, so "
                f"@device.thread cannot run {func.__name__}(); use @device.task instead"
            )
        compiled = compile_for_board(func, kind=self._kind, minify=minify)
        if self._kind in ("task", "thread"):
            self._device.define(compiled)
        # device.task.NAME (and close()'s teardowns) run on this device only, even when the
        # function is stacked on several devices.
        extras: dict[str, Any] = {
            "ignore_errors": ignore_errors,
            "record": record,
            "trusted": trusted,
            "return_time": return_time,
        }
        own = BoardFunction(func, self._kind, compiled, [self._device], **extras)
        if register:
            self._registry[compiled.name] = own
        if self._kind == "teardown":
            self._device.add_teardown(own)
        devices = earlier.devices if earlier is not None and earlier.kind == self._kind else []
        combined = BoardFunction(func, self._kind, compiled, [*devices, self._device], **extras)
        if autoinit:
            own()
        return combined

    def __getattr__(self, name: str) -> BoardFunction:
        try:
            return self.__dict__["_registry"][name]  # type: ignore[no-any-return]
        except KeyError:
            raise AttributeError(
                f"no {self.__dict__.get('_kind', 'task')} named {name!r} is registered "
                "on this device"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry)

    def bind(self, name: str, func: Callable[..., Any], settings: Mapping[str, Any]) -> Any:
        """Define a class-style method on this board; ``device.NAME`` returns the result."""
        function = self.define(func, **settings)
        self._methods[name] = function
        return function

    def method(self, name: str) -> Any:
        """The class-style method ``name`` as this board defined it."""
        try:
            return self._methods[name]
        except KeyError:
            raise AttributeError(f"{name} is defined when the device connects") from None
