"""Small questions about libcst nodes: is it a literal, does it yield, what does it bind."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, Scope

from belay_gen.compiler.model import Parameter

NOT_LITERAL = object()
"""What :func:`literal_value` returns for an expression that is not a literal."""

_ITERATOR_TYPES = frozenset({"Iterator", "Iterable", "Generator"})


def literal_value(node: cst.BaseExpression, code: Callable[[cst.CSTNode], str]) -> object:
    """The value of a literal expression (``ast.literal_eval`` rules), else NOT_LITERAL."""
    if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)) and _has_fstring(node):
        return NOT_LITERAL
    try:
        return ast.literal_eval(code(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_LITERAL


def _has_fstring(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _has_fstring(node.left) or _has_fstring(node.right)
    return False


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


def _own_body(node: cst.FunctionDef) -> _OwnBody:
    visitor = _OwnBody()
    node.visit(visitor)
    return visitor


def is_generator(node: cst.FunctionDef) -> bool:
    """True when the function's own body yields (a nested function's yield does not count)."""
    return _own_body(node).yields


def returns_value(node: cst.FunctionDef) -> bool:
    """True when some ``return`` of the function's own body carries a value."""
    return _own_body(node).returns_value


def yield_type(annotation: cst.BaseExpression, code: Callable[[cst.CSTNode], str]) -> str | None:
    """``T`` from ``Iterator[T]``, ``Iterable[T]`` or ``Generator[T, ...]`` (any prefix)."""
    if not isinstance(annotation, cst.Subscript):
        return None
    value = annotation.value
    last = value.attr.value if isinstance(value, cst.Attribute) else None
    if isinstance(value, cst.Name):
        last = value.value
    if last not in _ITERATOR_TYPES or not annotation.slice:
        return None
    first = annotation.slice[0].slice
    return code(first.value) if isinstance(first, cst.Index) else None


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


def signature_line(name: str, params: Sequence[Parameter]) -> str:
    """``def name(a,b=1,*c,d,**e):`` from the IR, defaults as canonical literals."""
    parts: list[str] = []
    for index, param in enumerate(params):
        after_star = any(p.kind == "var_positional" for p in params[:index])
        if param.kind == "keyword_only" and not after_star and "*" not in parts:
            parts.append("*")
        text = param.name
        if param.kind == "var_positional":
            text = "*" + text
        elif param.kind == "var_keyword":
            text = "**" + text
        if param.default is not None:
            text += "=" + repr(ast.literal_eval(param.default.strip()))
        parts.append(text)
        is_last_posonly = param.kind == "positional_only" and (
            index + 1 == len(params) or params[index + 1].kind != "positional_only"
        )
        if is_last_posonly:
            parts.append("/")
    return f"def {name}({','.join(parts)}):"
