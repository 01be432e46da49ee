"""Is an expression a literal, and what is its value? (Defaults and decorator options must be.)"""

from __future__ import annotations

import ast
from collections.abc import Callable

import libcst as cst

NOT_LITERAL = object()
"""What :func:`literal_value` returns for an expression that is not a literal."""


def literal_value(node: cst.BaseExpression, code: Callable[[cst.CSTNode], str]) -> object:
    """The value of a literal expression (``ast.literal_eval`` rules), else NOT_LITERAL."""
    if _has_fstring(node):
        return NOT_LITERAL
    try:
        return ast.literal_eval(code(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_LITERAL


def _has_fstring(node: cst.BaseExpression) -> bool:
    # ast.literal_eval would accept f"x" on some Pythons (a JoinedStr of constants).
    if isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _has_fstring(node.left) or _has_fstring(node.right)
    return False
