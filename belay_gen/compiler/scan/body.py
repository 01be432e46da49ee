"""What does a function's body do (read from its :class:`~.names.Scope`)? Does it yield,
return a value, which names does it bind? And what does a generator's annotation say it
yields?"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from belay_gen.compiler.scan.names import Scope

_ITERATOR_NAMES = frozenset({"Iterator", "Iterable", "Generator"})


def is_generator(scope: Scope) -> bool:
    """True when the function's own body yields (a nested function's yield does not count)."""
    return scope.yields


def returns_value(scope: Scope) -> bool:
    """True when some ``return`` of the function's own body carries a value."""
    return scope.returns_value


def yield_node(annotation: cst.BaseExpression) -> cst.BaseExpression | None:
    """``T`` of an ``Iterator[T]``, ``Iterable[T]`` or ``Generator[T, ...]`` annotation (any
    prefix, e.g. ``typing.Iterator[T]``), else ``None``."""
    if not isinstance(annotation, cst.Subscript):
        return None
    value = annotation.value
    name = value.attr if isinstance(value, cst.Attribute) else value
    if not isinstance(name, cst.Name) or name.value not in _ITERATOR_NAMES:
        return None
    if not annotation.slice:
        return None
    first = annotation.slice[0].slice
    return first.value if isinstance(first, cst.Index) else None


def yield_type(annotation: cst.BaseExpression, code: Callable[[cst.CSTNode], str]) -> str | None:
    """The source text of :func:`yield_node`'s ``T``, else ``None``."""
    found = yield_node(annotation)
    return None if found is None else code(found)


def bound_names(scope: Scope) -> set[str]:
    """The names the function binds in its own scope (parameters included; a ``global``
    name is the module's)."""
    return scope.bound - scope.globals
