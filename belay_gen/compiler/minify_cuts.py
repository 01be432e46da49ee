"""minify's first pass: what to cut, found with the stdlib's :mod:`ast`.

Docstrings, and the annotations MicroPython ignores (kept in functions compiled by a native
emitter, where ``viper`` and the inline assemblers read them, and bare ``x: int``, which makes
``x`` local). A span covers a node as ast reports it, which leaves out the parentheses around
an expression: the token pass widens it over them.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from belay_gen.compiler import pyast

Position = tuple[int, int]  # (row from 1, column)

# Decorators whose functions are compiled by a native emitter that reads annotations.
_NATIVE_EMITTERS = frozenset({"native", "viper", "asm_thumb", "asm_xtensa", "asm_rv32"})


@dataclass(frozen=True)
class Cut:
    """A source span to drop: a docstring (and a ``;`` after it) or an annotation (and its
    ``:``/``->``). ``placeholder`` replaces a docstring that was a whole body. The span may
    sit inside parentheses that belong to it; minify's token pass takes them too."""

    start: Position
    end: Position
    is_annotation: bool
    placeholder: str = ""


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def find_cuts(code: str, indented: bool, *, byte_columns: bool) -> list[Cut]:
    """Parse with :mod:`ast` and list the cuts, as positions in ``code`` (columns in UTF-8
    bytes, as ast counts, or in characters, as :mod:`tokenize` counts)."""
    # Code indented as a whole (a method's source) parses as the body of an `if`.
    source, offset = ("if 1:\n" + code, 1) if indented else (code, 0)
    try:
        tree = pyast.parse(source)
    except SyntaxError as error:
        if error.lineno is not None:
            error.lineno -= offset
        raise
    finder = _CutFinder(None if byte_columns else source.splitlines(), offset)
    finder.body(tree.body, docstring=True, may_empty=True, keep=False)
    return finder.cuts


class _CutFinder:
    """Collect the spans to cut in one walk over the statements (expressions hold none)."""

    def __init__(self, lines: list[str] | None, line_offset: int) -> None:
        self.cuts: list[Cut] = []
        self._lines = lines
        self._line_offset = line_offset

    def body(self, body: list[ast.stmt], *, docstring: bool, may_empty: bool, keep: bool) -> None:
        if docstring and body and _is_docstring(body[0]):
            placeholder = "0" if len(body) == 1 and not may_empty else ""
            self._cut(body[0], is_annotation=False, placeholder=placeholder)
        for statement in body:
            self.statement(statement, keep)

    def statement(self, node: ast.stmt, keep: bool) -> None:
        if isinstance(node, _FUNCTIONS):
            keep = keep or any(_is_native(d) for d in node.decorator_list)
            if not keep:
                arguments = node.args
                for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                            arguments.vararg, arguments.kwarg):  # fmt: skip
                    if arg is not None and arg.annotation is not None:
                        self._cut(arg.annotation, is_annotation=True)
                if node.returns is not None:
                    self._cut(node.returns, is_annotation=True)
            self.body(node.body, docstring=True, may_empty=False, keep=keep)
        elif isinstance(node, ast.ClassDef):
            self.body(node.body, docstring=True, may_empty=False, keep=keep)
        elif isinstance(node, ast.AnnAssign):
            # Without a value, `x: int` makes x local to its function: keep it.
            if node.value is not None and not keep:
                self._cut(node.annotation, is_annotation=True)
        else:
            for field in _BLOCK_FIELDS.get(type(node), ()):
                for child in getattr(node, field):
                    if isinstance(child, ast.stmt):
                        self.statement(child, keep)
                    else:  # an except handler or a match case: statements inside
                        self.body(child.body, docstring=False, may_empty=True, keep=keep)

    def _cut(
        self, node: ast.stmt | ast.expr, *, is_annotation: bool, placeholder: str = ""
    ) -> None:
        start = self._position(node.lineno, node.col_offset)
        end = self._position(node.end_lineno or node.lineno, node.end_col_offset or 0)
        self.cuts.append(Cut(start, end, is_annotation, placeholder))

    def _position(self, line: int, byte_column: int) -> Position:
        """ast counts columns in UTF-8 bytes, tokenize in characters."""
        if self._lines is None:
            return (line - self._line_offset, byte_column)
        text = self._lines[line - 1]
        if not text.isascii():
            byte_column = len(text.encode()[:byte_column].decode())
        return (line - self._line_offset, byte_column)


# Where statements nest in statements other than def and class.
_BLOCK_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.Match: ("cases",),
}
if sys.version_info >= (3, 11):
    _BLOCK_FIELDS[ast.TryStar] = ("body", "handlers", "orelse", "finalbody")


def _is_docstring(node: ast.stmt) -> bool:
    """A statement that is a str literal alone (implicitly concatenated parts included)."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_native(decorator: ast.expr) -> bool:
    """`@micropython.viper`, `@viper`, `@micropython.asm_thumb(...)` and the like."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr in _NATIVE_EMITTERS
    return isinstance(decorator, ast.Name) and decorator.id in _NATIVE_EMITTERS
