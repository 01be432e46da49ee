"""One parsed source text with what every scan question needs: positions, scopes, errors.

A :class:`Source` is a module (``belay-gen build``) or one function's text (``@device.task``,
whose lines are shifted by ``line_shift`` to the host file's). Errors point at
``file:line:col`` of the host file.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider, ScopeProvider

from belay_gen.compiler.model import Span
from belay_gen.errors import CompileError

_EMPTY = cst.Module(body=[])


class Source:
    """``source`` parsed, with positions and scopes; ``line_shift`` turns text lines into
    file lines.

    Raises:
        CompileError: the text is not valid Python.
    """

    def __init__(self, source: str, filename: str, line_shift: int = 0) -> None:
        self.filename = filename
        self.line_shift = line_shift
        self.lines = source.splitlines()
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as error:
            raise _syntax_error(source, filename, line_shift, error) from None
        self.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.scopes = self.wrapper.resolve(ScopeProvider)

    def where(self, node: cst.CSTNode) -> tuple[int, int]:
        """``(line, column)`` of ``node`` in the host file, both from 1."""
        start = self.positions[node].start
        return start.line + self.line_shift, start.column + 1

    def error(self, node: cst.CSTNode, message: str) -> CompileError:
        """A :class:`CompileError` pointing at ``node``."""
        line, column = self.where(node)
        return CompileError(message, self.filename, line, column)

    def span(self, node: cst.CSTNode, first: CodeRange | None = None) -> Span:
        """Where ``node`` is in the host file (starting at ``first`` when given)."""
        where = self.positions[node]
        start = (first or where).start
        return Span(
            start.line + self.line_shift,
            start.column + 1,
            where.end.line + self.line_shift,
            where.end.column + 1,
        )

    def code(self, node: cst.CSTNode) -> str:
        """The source text of ``node``, as the user wrote it."""
        return _EMPTY.code_for_node(node)


def _syntax_error(
    source: str, filename: str, line_shift: int, error: cst.ParserSyntaxError
) -> CompileError:
    """One location and one message for a syntax error: CPython's own (its parser names the
    construct and the column), else libcst's (whose text carries a second position)."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as cpython:
        if cpython.lineno is not None:
            what = cpython.msg
            return CompileError(
                what if what.startswith("invalid syntax") else f"invalid syntax: {what}",
                filename,
                cpython.lineno + line_shift,
                cpython.offset or 1,
            )
    except (ValueError, OverflowError, RecursionError, MemoryError):
        pass
    message = error.message.partition(": ")[2] or error.message
    return CompileError(
        f"invalid syntax: {message}", filename, error.raw_line + line_shift, error.raw_column + 1
    )
