"""What does a function's body do? Does it yield, return a value, which names does it bind,
which scopes nest in it, which lines sit inside a multi-line string?"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping

import libcst as cst
import libcst.matchers as m
from libcst.metadata import CodeRange, Scope

_ITERATOR_NAMES = ("Iterator", "Iterable", "Generator")
# Iterator[T], typing.Iterator[T], collections.abc.Generator[T, None, None]...
_ITERATOR = m.Subscript(
    value=m.OneOf(
        *(m.Name(name) for name in _ITERATOR_NAMES),
        *(m.Attribute(attr=m.Name(name)) for name in _ITERATOR_NAMES),
    )
)


class _OwnBody(cst.CSTVisitor):
    """Visits a function's own body: nested functions, lambdas and classes are skipped."""

    def __init__(self) -> None:
        super().__init__()
        self.yields = False
        self.returns_value = False
        self.depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return self.depth == 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Yield(self, node: cst.Yield) -> None:
        self.yields = True

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.returns_value = True


@functools.lru_cache(maxsize=64)  # nodes hash by identity; each function is asked thrice
def _own_body(node: cst.FunctionDef) -> tuple[bool, bool]:
    """``(yields, returns a value)`` for the function's own body."""
    visitor = _OwnBody()
    node.visit(visitor)
    return visitor.yields, visitor.returns_value


def is_generator(node: cst.FunctionDef) -> bool:
    """True when the function's own body yields (a nested function's yield does not count)."""
    return _own_body(node)[0]


def returns_value(node: cst.FunctionDef) -> bool:
    """True when some ``return`` of the function's own body carries a value."""
    return _own_body(node)[1]


def yield_node(annotation: cst.BaseExpression) -> cst.BaseExpression | None:
    """``T`` of an ``Iterator[T]``, ``Iterable[T]`` or ``Generator[T, ...]`` annotation (any
    prefix, e.g. ``typing.Iterator[T]``), else ``None``."""
    if not m.matches(annotation, _ITERATOR):
        return None
    assert isinstance(annotation, cst.Subscript)
    if not annotation.slice:
        return None
    first = annotation.slice[0].slice
    return first.value if isinstance(first, cst.Index) else None


def yield_type(annotation: cst.BaseExpression, code: Callable[[cst.CSTNode], str]) -> str | None:
    """The source text of :func:`yield_node`'s ``T``, else ``None``."""
    found = yield_node(annotation)
    return None if found is None else code(found)


class _Strings(cst.CSTVisitor):
    def __init__(self, positions: Mapping[cst.CSTNode, CodeRange]) -> None:
        super().__init__()
        self.positions = positions
        self.lines: set[int] = set()

    def _string(self, node: cst.CSTNode) -> bool:
        where = self.positions[node]
        self.lines.update(range(where.start.line + 1, where.end.line + 1))
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        return self._string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        return self._string(node)


def lines_in_strings(
    node: cst.CSTNode, positions: Mapping[cst.CSTNode, CodeRange]
) -> frozenset[int]:
    """The lines that start inside a multi-line string literal within ``node``."""
    visitor = _Strings(positions)
    node.visit(visitor)
    return frozenset(visitor.lines)


def bound_names(node: cst.FunctionDef, scopes: Mapping[cst.CSTNode, Scope | None]) -> set[str]:
    """The names the function binds in its own scope (parameters included)."""
    scope = scopes[node.body]
    if scope is None:
        return set()
    return {assignment.name for assignment in scope.assignments}


def scopes_within(scope: Scope, all_scopes: Iterable[Scope | None]) -> list[Scope]:
    """``scope`` and every scope nested in it."""
    found: list[Scope] = []
    for candidate in {s for s in all_scopes if s is not None}:
        probe: Scope | None = candidate
        while probe is not None:
            if probe is scope:
                found.append(candidate)
                break
            parent = probe.parent
            probe = None if parent is probe else parent
    return found
