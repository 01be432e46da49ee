"""Shrink MicroPython source while keeping every statement on its original line.

Two passes. libcst finds what to cut: docstrings, and the annotations MicroPython ignores (kept in
functions compiled by a native emitter, where ``viper`` and the inline assemblers read them). Then
the token stream is written back with the least whitespace the tokenizer allows, and int, str and
bytes literals in their shortest spelling. Tokens never move to another line, so a traceback from
the board names the user's own line, and the AST is unchanged but for the cuts.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from token import EXACT_TOKEN_TYPES
from tokenize import (
    COMMENT,
    DEDENT,
    ENCODING,
    ENDMARKER,
    INDENT,
    NAME,
    NEWLINE,
    NL,
    NUMBER,
    OP,
    STRING,
    TokenInfo,
)

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

__all__ = ["minify"]

Position = tuple[int, int]  # (line from 1, column in characters), as tokenize and libcst count

# Decorators whose functions are compiled by a native emitter that reads annotations.
_NATIVE_EMITTERS = frozenset({"native", "viper", "asm_thumb", "asm_xtensa", "asm_rv32"})
_EMITTER = m.Name(value=m.MatchIfTrue(_NATIVE_EMITTERS.__contains__))
_EMITTER_REF = _EMITTER | m.Attribute(attr=_EMITTER)
# `@micropython.viper`, `@viper`, `@micropython.asm_thumb(...)` and the like.
_NATIVE_DECORATOR = m.Decorator(decorator=_EMITTER_REF | m.Call(func=_EMITTER_REF))
# Every multi-character operator and its prefixes: two operators that would glue into one of
# these need a space between them ("* *" is not "**").
_OP_PREFIXES = frozenset(op[:n] for op in EXACT_TOKEN_TYPES for n in range(2, len(op) + 1))
_STRING_PREFIX_LETTERS = frozenset("rbuft")
_PREFIX_CHARS = "rbuftRBUFT"
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_BYTES_ESCAPES = frozenset("\n\\'\"abfnrtvx01234567")
_STR_ESCAPES = _BYTES_ESCAPES | frozenset("NuU")
_SKIPPED = frozenset({COMMENT, NL, ENCODING, ENDMARKER})
# Python 3.12+ splits an f-string into several tokens (3.14 does the same for t-strings).
_FSTRING_START = frozenset(
    getattr(tokenize, name)
    for name in ("FSTRING_START", "TSTRING_START")
    if hasattr(tokenize, name)
)
_FSTRING_END = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)
)
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")


def _is_text(node: cst.BaseExpression) -> bool:
    """True for a str literal (possibly implicitly concatenated): what makes a docstring."""
    while isinstance(node, cst.ConcatenatedString):
        if not _is_text(node.left):
            return False
        node = node.right
    return isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower()


_DOCSTRING = m.Expr(value=m.MatchIfTrue(_is_text))


def minify(code: str) -> str:
    """Remove docstrings, comments, annotations and needless whitespace; keep names and lines.

    Every remaining statement stays on its original line; a body left empty by removing its
    docstring becomes ``0``. Annotations are dropped except bare ``x: int`` (it declares a
    local) and inside ``@micropython.viper``/``native``/``asm_*`` functions. Literals take
    their shortest spelling (``0x0F`` becomes ``15``). Input that is indented as a whole (a
    method's source) comes back dedented.

    >>> minify('def f(a: int) -> int:\\n    "Twice a."\\n    return a * 2  # double\\n')
    'def f(a):\\n\\n return a*2\\n'

    Raises:
        SyntaxError: ``code`` is not valid Python.
    """
    code = code.removeprefix("\ufeff").replace("\r\n", "\n")
    try:
        tokens = _lex(code)
    except tokenize.TokenError as error:  # an unclosed bracket or string
        _check_syntax(code, 0)
        raise SyntaxError(str(error)) from None
    indented = any(t.type == INDENT for t in _leading(tokens))
    cuts = _find_cuts(code, indented)
    tokens = [_shortest_literal(t) for t in _apply_cuts(tokens, cuts)]
    text = _emit(tokens, base_level=1 if indented else 0)
    text = text.rstrip("\n")
    return text + "\n" if text else ""


# --- pass 1: what to cut -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cut:
    """A source span to drop: a docstring (and a ``;`` after it) or an annotation (and its
    ``:``/``->``). ``placeholder`` replaces a docstring that was a whole body."""

    start: Position
    end: Position
    is_annotation: bool
    placeholder: str = ""


class _CutFinder(cst.CSTVisitor):
    """Collect the spans to cut; one walk over the tree."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line_offset: int) -> None:
        super().__init__()
        self.cuts: list[_Cut] = []
        self._line_offset = line_offset
        self._keep_annotations: list[bool] = [False]

    def visit_Module(self, node: cst.Module) -> None:
        self._docstring(node, may_empty=True)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._docstring(node.body, may_empty=False)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._docstring(node.body, may_empty=False)
        keep = self._keep_annotations[-1] or any(
            m.matches(decorator, _NATIVE_DECORATOR) for decorator in node.decorators
        )
        self._keep_annotations.append(keep)
        if node.returns is not None and not keep:
            self._cut(node.returns, is_annotation=True)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._keep_annotations.pop()

    def visit_Param(self, node: cst.Param) -> None:
        if node.annotation is not None and not self._keep_annotations[-1]:
            self._cut(node.annotation, is_annotation=True)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        # Without a value, `x: int` makes x local to its function: keep it.
        if node.value is not None and not self._keep_annotations[-1]:
            self._cut(node.annotation, is_annotation=True)

    def _docstring(self, body: cst.Module | cst.BaseSuite, *, may_empty: bool) -> None:
        line: Sequence[cst.BaseSmallStatement]
        if isinstance(body, cst.SimpleStatementSuite):  # `def f(): "doc"; return 1`
            line, statements = body.body, 1
        elif body.body and isinstance(body.body[0], cst.SimpleStatementLine):
            line, statements = body.body[0].body, len(body.body)
        else:
            return
        if line and m.matches(line[0], _DOCSTRING):
            alone = len(line) == 1 and statements == 1
            placeholder = "0" if alone and not may_empty else ""
            self._cut(line[0], is_annotation=False, placeholder=placeholder)

    def _cut(self, node: cst.CSTNode, *, is_annotation: bool, placeholder: str = "") -> None:
        where = self.get_metadata(PositionProvider, node)
        start = (where.start.line - self._line_offset, where.start.column)
        end = (where.end.line - self._line_offset, where.end.column)
        self.cuts.append(_Cut(start, end, is_annotation, placeholder))


def _find_cuts(code: str, indented: bool) -> list[_Cut]:
    """Parse with libcst and list the cuts, as positions in ``code``.

    Valid Python that libcst cannot handle (`(x): int = 1`; thousands of implicitly
    concatenated strings) gets no cuts and a warning: whitespace is still squeezed and the
    result is still correct, only larger.
    """
    # Code indented as a whole (a method's source) parses as the body of an `if`.
    source, offset = ("if 1:\n" + code, 1) if indented else (code, 0)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        _check_syntax(source, offset)  # Python's own message, when Python rejects it too
        return _give_up(error.message)
    try:
        return _visit(module, offset)
    except RecursionError:
        # libcst recurses once per nesting level, and a long implicit concatenation (a
        # firmware blob as b"..." lines) nests deeply. A level takes at least two characters
        # and a few frames, so this limit is enough; it is raised only for the retry. (On
        # Python 3.12 a fixed C recursion limit may still stop it.)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + 3 * len(code))
        try:
            return _visit(module, offset)
        except RecursionError:
            return _give_up("nesting too deep")
        finally:
            sys.setrecursionlimit(limit)


def _visit(module: cst.Module, line_offset: int) -> list[_Cut]:
    finder = _CutFinder(line_offset)
    MetadataWrapper(module, unsafe_skip_copy=True).visit(finder)
    return finder.cuts


def _give_up(reason: str) -> list[_Cut]:
    warnings.warn(f"minify keeps docstrings and annotations: libcst: {reason}", stacklevel=4)
    return []


def _check_syntax(source: str, line_offset: int) -> None:
    try:
        ast.parse(source)
    except SyntaxError as error:
        if error.lineno is not None:
            error.lineno -= line_offset
        raise


# --- pass 2: tokens ----------------------------------------------------------------------------


def _lex(code: str) -> list[TokenInfo]:
    """Tokenize, with each f-string (split into parts on Python 3.12+) as one STRING token
    holding its exact source text: re-joining the parts would lose `{{`/`}}` escapes."""
    lines = code.splitlines(keepends=True)
    tokens: list[TokenInfo] = []
    stream = tokenize.generate_tokens(io.StringIO(code).readline)
    for token in stream:
        if token.type in _FSTRING_START:
            end = _fstring_end(stream)
            text = _slice(lines, token.start, end)
            token = TokenInfo(STRING, text, token.start, end, token.line)
        tokens.append(token)
    return tokens


def _fstring_end(stream: Iterator[TokenInfo]) -> Position:
    """Consume the rest of an f-string (nested ones included); return where it ends."""
    depth = 1
    for token in stream:
        if token.type in _FSTRING_START:
            depth += 1
        elif token.type in _FSTRING_END:
            depth -= 1
            if depth == 0:
                return token.end
    raise SyntaxError("unterminated f-string")


def _slice(lines: list[str], start: Position, end: Position) -> str:
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1] : end[1]]
    middle = lines[start[0] : end[0] - 1]
    return "".join([lines[start[0] - 1][start[1] :], *middle, lines[end[0] - 1][: end[1]]])


def _leading(tokens: list[TokenInfo]) -> Iterator[TokenInfo]:
    """The tokens up to the first one that is code (comments and blank lines come first)."""
    for token in tokens:
        yield token
        if token.type not in _SKIPPED:
            return


def _apply_cuts(tokens: list[TokenInfo], cuts: list[_Cut]) -> list[TokenInfo]:
    """Drop the tokens of each cut, the `:`/`->` before an annotation and a `;` after a
    docstring; put a placeholder in place of the first token of a docstring that had one."""
    starts = [t.start for t in tokens]
    dropped: set[int] = set()
    replaced: dict[int, TokenInfo] = {}
    for cut in cuts:
        first = bisect_left(starts, cut.start)
        while tokens[first].type in (INDENT, DEDENT):  # they belong to the line, not the cut
            first += 1
        last = first
        while last < len(tokens) and tokens[last].end <= cut.end:
            last += 1
        if first == last:
            raise AssertionError(f"minify: no tokens at {cut}")  # libcst and tokenize disagree
        dropped.update(range(first, last))
        if cut.is_annotation:
            if tokens[first].string not in (":", "->"):  # libcst's span starts after it
                indicator = _significant(tokens, first - 1, step=-1)
                if tokens[indicator].string not in (":", "->"):
                    raise AssertionError(f"minify: no annotation at {cut}")
                dropped.add(indicator)
        else:
            after = _significant(tokens, last, step=1)
            if tokens[after].string == ";":
                dropped.add(after)
        if cut.placeholder:
            start = tokens[first].start
            end = (start[0], start[1] + len(cut.placeholder))
            replaced[first] = TokenInfo(NUMBER, cut.placeholder, start, end, tokens[first].line)
    return [replaced.get(i, t) for i, t in enumerate(tokens) if i not in dropped or i in replaced]


def _shortest_literal(token: TokenInfo) -> TokenInfo:
    """Write an int, str or bytes literal in its shortest form for the same value (`0x00` is
    `0`, `b"\\x2e"` is `b"."`). Prefixed (raw, f, u) and multi-line strings are left alone."""
    if token.type == NUMBER:
        value = ast.literal_eval(token.string)
        if type(value) is not int or value.bit_length() > 10_000:  # repr() limits digits
            return token
    elif token.type == STRING and token.start[0] == token.end[0]:
        prefix = token.string[: len(token.string) - len(token.string.lstrip(_PREFIX_CHARS))]
        valid = _BYTES_ESCAPES if prefix.lower() == "b" else _STR_ESCAPES
        if prefix.lower() not in ("", "b") or not set(_ESCAPE.findall(token.string)) <= valid:
            return token  # an invalid escape like "\\d" would warn when evaluated
        value = ast.literal_eval(token.string)
    else:
        return token
    shorter = repr(value)
    if len(shorter.encode()) >= len(token.string.encode()):
        return token
    end = (token.start[0], token.start[1] + len(shorter))
    return token._replace(string=shorter, end=end)


def _significant(tokens: list[TokenInfo], index: int, *, step: int) -> int:
    while tokens[index].type in (COMMENT, NL):
        index += step
    return index


def _emit(tokens: list[TokenInfo], base_level: int) -> str:
    """Write tokens back on their own lines with minimal whitespace: one space per indent level,
    none on continuation lines, a space between tokens only where the tokenizer needs one."""
    out: list[str] = []
    row = 1  # the line being written, the same in input and output
    level = -base_level
    brackets = 0
    previous: TokenInfo | None = None  # last token written on this logical line
    semicolon = False  # a `;` waits until we know a statement follows it on this line
    for token in tokens:
        kind = token.type
        if kind in _SKIPPED:
            continue
        if kind == INDENT:
            level += 1
        elif kind == DEDENT:
            level -= 1
        elif kind == NEWLINE:
            previous, semicolon = None, False
        elif token.string == ";":
            semicolon = previous is not None
        else:
            if semicolon:
                out.append(";")
                previous, semicolon = token._replace(type=OP, string=";"), False
            if token.start[0] > row:
                joiner = "\n" if previous is None or brackets else "\\\n"
                out.append(joiner * (token.start[0] - row))
                row = token.start[0]
                if previous is None:
                    out.append(" " * level)
            elif previous is None:
                out.append(" " * level)
            elif _needs_space(previous, token):
                out.append(" ")
            out.append(token.string)
            row = token.end[0]
            if kind == OP:
                brackets += (token.string in _OPENING) - (token.string in _CLOSING)
            previous = token
    return "".join(out)


def _needs_space(left: TokenInfo, right: TokenInfo) -> bool:
    """Would ``left`` and ``right`` written together tokenize differently?"""
    a, b = left.string, right.string
    if left.type == NUMBER:  # `1 if`, `0x1 for`, `1 .real`
        return _is_word(b[0]) or b[0] == "."
    if _is_word(a[-1]):
        if _is_word(b[0]) or right.type == NUMBER:  # `not x`, `return 1`, `return .5`
            return True
        # A name of prefix letters before a string would become its prefix (`u "s"`). Valid
        # code never has one there (only keywords precede strings), but stay safe.
        return (
            right.type == STRING and left.type == NAME and set(a.lower()) <= _STRING_PREFIX_LETTERS
        )
    if left.type == STRING and right.type == STRING:  # `'' 'x'` is not `'''x'`
        return a[-1] == b[0]
    if left.type == OP and right.type == OP:
        return a + b[0] in _OP_PREFIXES
    return False


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_" or not char.isascii()
