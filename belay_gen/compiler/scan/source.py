"""One parsed source text with what every scan question needs: its tree, positions, names, errors.

A :class:`Source` is a module (``belay-gen build``) or one function's text (``@device.task``,
whose lines are shifted by ``line_shift`` to the host file's). Errors point at
``file:line:col`` of the host file.

libcst is the front end: the scan reads the structure and the user's text from its tree. The
stdlib parses the same text too (a small fraction of libcst's time), for what it answers
cheaply: where a ``def`` or ``class`` and its parts are (``ast`` positions and the logical
lines of the token stream) and where each name comes from (:mod:`.names`). libcst's
``PositionProvider`` is resolved only for an error message or a rare layout case.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from tokenize import DEDENT, ENDMARKER, INDENT, NEWLINE, STRING

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from belay_gen.compiler import pyast
from belay_gen.compiler.minify_lex import Token, lex
from belay_gen.compiler.model import Span
from belay_gen.compiler.scan import walk
from belay_gen.compiler.scan.names import Names, Scope
from belay_gen.errors import CompileError

_EMPTY = cst.Module(body=[])
_LAYOUT = frozenset({INDENT, DEDENT, NEWLINE, ENDMARKER})

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
# What holds statements: compound statements, except clauses, match cases.
_HOLDERS = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor,
    ast.While, ast.With, ast.AsyncWith, ast.Try, getattr(ast, "TryStar", ast.Try), ast.Match,
    ast.ExceptHandler, ast.match_case,
)  # fmt: skip
Position = tuple[int, int]  # (line of the text from 1, column in characters from 0)


class Source:
    """``source`` parsed, with positions and names; ``line_shift`` turns text lines into file
    lines.

    Raises:
        CompileError: the text is not valid Python.
    """

    def __init__(self, source: str, filename: str, line_shift: int = 0) -> None:
        self.filename = filename
        self.line_shift = line_shift
        self.text = source
        self.lines = source.splitlines()
        try:
            self.module = cst.parse_module(source)
        except cst.ParserSyntaxError as error:
            raise _syntax_error(source, filename, line_shift, error) from None
        try:
            self.tree = pyast.parse(source)
        except (SyntaxError, ValueError) as error:
            raise _cpython_error(error, filename, line_shift) from None

    @cached_property
    def names(self) -> Names:
        """Scopes, bindings and name reads of the text."""
        return Names(self.tree)

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """libcst's position of every node: costly, so only for errors and rare layouts."""
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return wrapper.resolve(PositionProvider)

    def definition(self, node: cst.FunctionDef | cst.ClassDef) -> Definition:
        """The ``ast`` node of a libcst ``def`` or ``class``."""
        return self._definitions[node]

    def function(self, node: cst.FunctionDef) -> ast.FunctionDef | ast.AsyncFunctionDef:
        """The ``ast`` node of a libcst ``def``."""
        found = self._definitions[node]
        assert not isinstance(found, ast.ClassDef)
        return found

    def scope(self, node: cst.FunctionDef) -> Scope:
        """The scope of a libcst ``def``: what it binds, reads, whether it yields..."""
        return self.names.scopes[self.function(node)]

    @cached_property
    def _definitions(self) -> dict[cst.CSTNode, Definition]:
        ours, theirs = list(_cst_definitions(self.module.body)), list(_ast_definitions(self.tree))
        if len(ours) != len(theirs) or any(
            a.name.value != b.name for a, b in zip(ours, theirs, strict=True)
        ):
            raise AssertionError(f"libcst and ast disagree on the definitions of {self.filename}")
        return dict(zip(ours, theirs, strict=True))

    # --- positions ---------------------------------------------------------------------------

    def column(self, line: int, byte_column: int) -> int:
        """The character column of ``byte_column`` (UTF-8, as ast counts) on text ``line``."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_column
        return len(text.encode()[:byte_column].decode(errors="replace"))

    def start(self, node: ast.stmt | ast.expr | ast.arg) -> Position:
        """Where an ``ast`` node starts in the text."""
        return node.lineno, self.column(node.lineno, node.col_offset)

    def end(self, node: ast.stmt | ast.expr) -> Position:
        """Where an ``ast`` node ends in the text."""
        line = node.end_lineno or node.lineno
        return line, self.column(line, node.end_col_offset or 0)

    def decorated_start(self, node: cst.FunctionDef) -> Position:
        """Where a ``def`` starts with its decorators: the first ``@``, else the keyword."""
        tree = self.function(node)
        return (
            self.logical_line(tree.decorator_list[0])[0]
            if tree.decorator_list
            else self.start(tree)
        )

    def logical_line(self, node: ast.stmt | ast.expr) -> tuple[Position, int]:
        """The start and the last line of the logical line holding ``node``'s start: for a
        decorator expression, the ``@`` and the line its closing bracket is on."""
        starts, ends = self._logical_lines
        index = bisect_right(starts, self.start(node)) - 1
        return starts[index], ends[index]

    @cached_property
    def _tokens(self) -> tuple[list[Token], bool]:
        tokens, _, byte_columns = lex(self.text)
        return tokens, byte_columns

    @cached_property
    def _logical_lines(self) -> tuple[list[Position], list[int]]:
        tokens, byte_columns = self._tokens
        starts: list[Position] = []
        ends: list[int] = []
        last_row, opened = 0, False
        for _, kind, row, end_row, column, _ in tokens:
            if kind in _LAYOUT:
                if kind == NEWLINE and opened:
                    ends.append(last_row)
                    opened = False
                continue
            if not opened:
                starts.append((row, self.column(row, column) if byte_columns else column))
                opened = True
            last_row = end_row
        if opened:
            ends.append(last_row)
        return starts, ends

    @cached_property
    def string_lines(self) -> frozenset[int]:
        """The lines that start inside a multi-line string literal (f-strings included)."""
        return frozenset(
            line
            for _, kind, row, end_row, _, _ in self._tokens[0]
            if kind == STRING and end_row > row
            for line in range(row + 1, end_row + 1)
        )

    def span(self, node: cst.FunctionDef | cst.ClassDef, first: Position | None = None) -> Span:
        """Where a ``def`` or ``class`` is in the host file (starting at ``first`` when given,
        else at its keyword)."""
        tree = self.definition(node)
        start, end = first or self.start(tree), self.end(tree)
        shift = self.line_shift
        return Span(start[0] + shift, start[1] + 1, end[0] + shift, end[1] + 1)

    def where(self, node: cst.CSTNode | ast.AST) -> tuple[int, int]:
        """``(line, column)`` of ``node`` (libcst's or ast's) in the host file, both from 1."""
        if isinstance(node, ast.AST):
            line = getattr(node, "lineno", 1)
            column = self.column(line, getattr(node, "col_offset", 0))
        else:
            start = self.positions[node].start
            line, column = start.line, start.column
        return line + self.line_shift, column + 1

    def error(self, node: cst.CSTNode | ast.AST, message: str) -> CompileError:
        """A :class:`CompileError` pointing at ``node``."""
        line, column = self.where(node)
        return CompileError(message, self.filename, line, column)

    def code(self, node: cst.CSTNode) -> str:
        """The source text of ``node``, as the user wrote it."""
        return _EMPTY.code_for_node(node)


def _cst_definitions(body: Sequence[cst.CSTNode]) -> Iterator[cst.FunctionDef | cst.ClassDef]:
    """Every ``def`` and ``class`` of libcst statements, in source order (nested ones too)."""
    for statement in walk.compound_statements(body):
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            yield statement


def _ast_definitions(node: ast.AST) -> Iterator[Definition]:
    """Every ``def`` and ``class`` under an ``ast`` node, in the order of
    :func:`_cst_definitions`."""
    for name in walk.BLOCK_FIELDS:
        for child in getattr(node, name, ()):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield child
            if isinstance(child, _HOLDERS):
                yield from _ast_definitions(child)


def _cpython_error(error: SyntaxError | ValueError, filename: str, line_shift: int) -> CompileError:
    if isinstance(error, SyntaxError) and error.lineno is not None:
        what = error.msg
        return CompileError(
            what if what.startswith("invalid syntax") else f"invalid syntax: {what}",
            filename,
            error.lineno + line_shift,
            error.offset or 1,
        )
    return CompileError(f"invalid syntax: {error}", filename, 1 + line_shift, 1)


def _syntax_error(
    source: str, filename: str, line_shift: int, error: cst.ParserSyntaxError
) -> CompileError:
    """One location and one message for a syntax error: CPython's own (its parser names the
    construct and the column), else libcst's (whose text carries a second position)."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as cpython:
        if cpython.lineno is not None:
            return _cpython_error(cpython, filename, line_shift)
    except (ValueError, OverflowError, RecursionError, MemoryError):
        pass
    message = error.message.partition(": ")[2] or error.message
    return CompileError(
        f"invalid syntax: {message}", filename, error.raw_line + line_shift, error.raw_column + 1
    )
