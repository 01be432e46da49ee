"""Board text for one function, laid out so that its line k is the host's line k.

Host decorators become blank lines, a method's indentation is removed (never inside a
multi-line string), and a ``setup``/``teardown`` function learns to publish what it binds as
board globals without moving a line: its signature moves up onto the (now blank) decorator line
and the freed ``def`` line declares the globals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionLines:
    """Where the parts of one function are, as lines of its file (from 1).

    ``kept`` are the line ranges of decorators the board runs (``@micropython.native``);
    ``in_string`` the lines that start inside a multi-line string (never re-indented).
    ``body_line`` is the first body statement's line; ``suite`` is the text of a one-line
    body (``def f(): x = 1``), ``None`` for an indented block.
    """

    first: int
    def_line: int
    body_line: int
    last: int
    kept: tuple[tuple[int, int], ...]
    in_string: frozenset[int]
    suite: str | None


def function_text(lines: Sequence[str], where: FunctionLines) -> list[str]:
    """The function's lines ``first..last``: host decorators blank, dedented to column 0."""
    indent = _indent(lines[where.def_line - 1])
    out = []
    for number in range(where.first, where.last + 1):
        line = lines[number - 1]
        if number < where.def_line and not any(a <= number <= b for a, b in where.kept):
            out.append("")
        else:
            out.append(_dedent(line, number, indent, where))
    return out


def publish_globals(
    text: list[str], where: FunctionLines, signature: str, statement: str
) -> list[str] | None:
    """Rewrite ``text`` (from :func:`function_text`) so the function runs ``statement``
    (``global x;...``) first, keeping every body line where it was. ``None`` when the line
    above the ``def`` is not free (no host decorator there)."""
    above = where.def_line - 1 - where.first
    if above < 0 or text[above].strip():
        return None
    out = list(text)
    out[above] = signature
    if where.suite is not None:
        suite_line = where.body_line - where.first
        for index in range(above + 1, suite_line):
            out[index] = ""
        suite = where.suite.strip().split("\n")
        out[suite_line] = f" {statement};{suite[0]}"
        return out
    statement_line = where.body_line - 1 - where.first
    for index in range(above + 1, statement_line):
        out[index] = ""
    out[statement_line] = _indent(text[statement_line + 1]) + statement
    return out


def body_text(lines: Sequence[str], where: FunctionLines) -> list[str]:
    """The body alone at module level, lines ``first..last`` (blank before the body)."""
    out = [""] * (where.body_line - where.first)
    if where.suite is not None:
        suite = where.suite.strip().split("\n")
        out.append(suite[0])
        out.extend(suite[1:])
        out.extend([""] * (where.last - where.body_line + 1 - len(suite)))
        return out
    indent = _indent(lines[where.body_line - 1])
    for number in range(where.body_line, where.last + 1):
        out.append(_dedent(lines[number - 1], number, indent, where))
    return out


def _dedent(line: str, number: int, indent: str, where: FunctionLines) -> str:
    """Line ``number`` without ``indent``; blank if empty; as is inside a multi-line string."""
    if number in where.in_string:
        return line
    return line.removeprefix(indent) if line.strip() else ""


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
