"""The compiler's intermediate representation: plain frozen data, made by ``scan``, read by
``emit``. Nothing here does I/O or links to a parent; everything a template needs is here.

Source text kept in the IR (annotations, defaults, board source) is the user's own text, so
the stub and the board code say what the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["task", "thread", "generator", "setup", "teardown"]
"""What a function is on the board. ``generator`` is a task whose body yields."""

DecoratorKind = Literal["task", "thread", "setup", "teardown"]
"""A device decorator: ``@device.task``, ``.thread``, ``.setup`` or ``.teardown``."""

DECORATOR_KINDS: tuple[DecoratorKind, ...] = ("task", "thread", "setup", "teardown")

#: The one table of decorator options, read by the compiler (AOT scan) and the runtime
#: (``@device.task(...)``): an option not listed for a kind is an error, never dropped.
OPTIONS: dict[str, frozenset[str]] = {
    "task": frozenset({"minify", "register", "record", "trusted", "return_time", "implementation"}),
    "thread": frozenset({"minify", "register", "record", "implementation"}),
    "setup": frozenset(
        {"minify", "register", "record", "autoinit", "ignore_errors", "implementation"}
    ),
    "teardown": frozenset({"minify", "register", "record", "ignore_errors", "implementation"}),
}


def reserved_name_reason(name: str) -> str | None:
    """Why ``name`` cannot be a board function's name, or ``None`` when it can.

    Dunder names belong to MicroPython; names starting ``_belay``/``__belay`` to belay-gen's
    own board globals (frames, receivers).
    """
    if (name.startswith("__") and name.endswith("__")) or name.startswith(("_belay", "__belay")):
        return (
            f"{name!r} is reserved (dunder names and names starting with '_belay' or "
            "'__belay' belong to MicroPython and belay-gen); rename the function"
        )
    return None


ParamKind = Literal[
    "positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"
]


@dataclass(frozen=True)
class Span:
    """Where a construct is in its file: lines and columns counted from 1."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Parameter:
    """One parameter as the user wrote it. ``annotation`` and ``default`` are source text
    (``default`` is always a literal); ``None`` when absent."""

    name: str
    kind: ParamKind
    annotation: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Function:
    """A function the board runs.

    ``span`` covers the decorators and the body; ``board_source`` is the text the board
    compiles (host decorators blanked, dedented, not yet minified) whose line 1 is
    ``span.line``. ``owner`` is the ``Device`` subclass of a method, else ``None``.
    ``returns`` is the return annotation, ``yields`` the value type of a generator (from an
    ``Iterator[T]``/``Generator[T, ...]`` annotation). ``returns_value`` tells whether any
    ``return`` carries a value (so an unannotated task that returns nothing is ``-> None``).
    """

    name: str
    kind: Kind
    parameters: tuple[Parameter, ...]
    returns: str | None
    yields: str | None
    returns_value: bool
    docstring: str | None
    span: Span
    def_line: int
    board_source: str
    owner: str | None = None
    minify: bool = True
    autoinit: bool = False


@dataclass(frozen=True)
class DeviceClass:
    """A ``Device`` subclass. ``base`` is another subclass in the same module, or ``None``
    for a direct subclass of ``Device``; ``methods`` name its board functions."""

    name: str
    base: str | None
    methods: tuple[str, ...]
    docstring: str | None
    span: Span


@dataclass(frozen=True)
class Module:
    """One source module with board functions.

    ``board_imports`` are import statements the board code needs at call time (names the
    functions use that the host module imports, or Belay's startup names such as ``Pin``).
    ``stub_imports`` and ``stub_aliases`` are what the host stub's annotations refer to.
    """

    name: str
    filename: str
    functions: tuple[Function, ...]
    classes: tuple[DeviceClass, ...]
    board_imports: tuple[str, ...]
    stub_imports: tuple[str, ...]
    stub_aliases: tuple[str, ...]

    @property
    def module_functions(self) -> tuple[Function, ...]:
        """The functions bound to ``Device`` instances (not methods of a subclass)."""
        return tuple(f for f in self.functions if f.owner is None)


@dataclass(frozen=True)
class CompiledFunction:
    """One function compiled for the dynamic ``@device.task`` path.

    ``device_code`` defines the function on the board without host decorators; its line k
    is host line ``line_offset + k``. ``body_code`` is the body alone at module level (same
    line numbering), for running ``setup``/``teardown`` in the board's global scope (empty
    for the other kinds, which the board calls by name).
    ``free_names`` are names the function uses but does not define (board globals,
    builtins aside): the runtime may check them against the host function's closure.
    """

    name: str
    kind: Kind
    parameters: tuple[Parameter, ...]
    device_code: str
    body_code: str
    line_offset: int
    docstring: str | None
    free_names: tuple[str, ...]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)
