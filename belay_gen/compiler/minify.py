"""Shrink MicroPython source while keeping every statement on its original line.

Two passes over the stdlib's own parsers. :mod:`ast` finds what to cut (``minify_cuts``):
docstrings, and the annotations MicroPython ignores. Then the token stream (``minify_lex``) is
written back with the least whitespace the tokenizer allows, and int, str and bytes literals in
their shortest spelling. Tokens never move to another line, so a traceback from the board names
the user's own line, and the AST is unchanged but for the cuts.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from token import EXACT_TOKEN_TYPES
from tokenize import DEDENT, INDENT, NAME, NEWLINE, NUMBER, OP, STRING

from belay_gen.compiler.minify_cuts import Cut, find_cuts
from belay_gen.compiler.minify_lex import OPERATORS, Token, lex

__all__ = ["minify"]

# Every multi-character operator and its prefixes: two operators that would glue into one of
# these need a space between them ("* *" is not "**").
_OP_PREFIXES = frozenset(op[:n] for op in EXACT_TOKEN_TYPES for n in range(2, len(op) + 1))
_STRING_PREFIX_LETTERS = frozenset("rbuft")
_PREFIX_CHARS = "rbuftRBUFT"
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_BYTES_ESCAPES = frozenset("\n\\'\"abfnrtvx01234567")
_STR_ESCAPES = _BYTES_ESCAPES | frozenset("NuU")
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")
_LAYOUT = frozenset({INDENT, DEDENT, NEWLINE})


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
    tokens, indented, byte_columns = lex(code)
    cuts = find_cuts(code, indented, byte_columns=byte_columns)
    text = _emit(_apply_cuts(tokens, cuts), base_level=1 if indented else 0)
    text = text.rstrip("\n")
    return text + "\n" if text else ""


def _apply_cuts(tokens: list[Token], cuts: list[Cut]) -> list[Token]:
    """Drop the tokens of each cut, the `:`/`->` before an annotation and a `;` after a
    docstring; put a placeholder in place of the first token of a docstring that had one."""
    if not cuts:
        return tokens
    starts = [(t[2], t[4]) for t in tokens]
    dropped: set[int] = set()
    replaced: dict[int, Token] = {}
    for cut in cuts:
        first = bisect_left(starts, cut.start)
        while tokens[first][1] in (INDENT, DEDENT):  # they belong to the line, not the cut
            first += 1
        last = first
        # (The C tokenizer's NEWLINE is empty: it ends where the cut ends, outside it.)
        while (tokens[last][3], tokens[last][5]) <= cut.end and tokens[last][1] != NEWLINE:
            last += 1
        if first == last:
            raise AssertionError(f"minify: no tokens at {cut}")  # ast and tokenize disagree
        first, last = _with_parentheses(tokens, first, last)
        dropped.update(range(first, last))
        if cut.is_annotation:
            if first == 0 or tokens[first - 1][0] not in (":", "->"):
                raise AssertionError(f"minify: no annotation at {cut}")
            dropped.add(first - 1)
        elif tokens[last][0] == ";":
            dropped.add(last)
        if cut.placeholder:
            _, _, row, _, col, _ = tokens[first]
            end = col + len(cut.placeholder)
            replaced[first] = (cut.placeholder, NUMBER, row, row, col, end)
    return [replaced.get(i, t) for i, t in enumerate(tokens) if i not in dropped or i in replaced]


def _with_parentheses(tokens: list[Token], first: int, last: int) -> tuple[int, int]:
    """Widen ``tokens[first:last]`` over the parentheses around it: ast leaves them out of an
    expression's span. A cut follows `:`, `->` or a statement's start, so a `(` just before
    it opens a group around it (`x: (int) = 1`)."""
    while first > 0 and tokens[first - 1][0] == "(" and tokens[last][0] == ")":
        first, last = first - 1, last + 1
    return first, last


def _shortest_literal(text: str, kind: int) -> str:
    """An int, str or bytes literal in its shortest form for the same value (`0x00` is `0`,
    `b"\\x2e"` is `b"."`). Prefixed (raw, f, u) and multi-line strings are left alone."""
    value: object
    if kind == NUMBER:
        if text.isdigit() and (text[0] != "0" or len(text) == 1):
            return text  # already the shortest spelling
        try:
            value = int(text, 0)  # a float or an imaginary number raises
        except ValueError:
            return text
        if value.bit_length() > 10_000:  # repr() limits digits
            return text
    else:
        if "\\" not in text and text[-3:] not in ('"""', "'''"):
            return text  # no escape and no triple quote: repr() is not shorter
        if "\n" in text:
            return text
        prefix = text[: len(text) - len(text.lstrip(_PREFIX_CHARS))]
        valid = _BYTES_ESCAPES if prefix.lower() == "b" else _STR_ESCAPES
        if prefix.lower() not in ("", "b") or not set(_ESCAPE.findall(text)) <= valid:
            return text  # an invalid escape like "\\d" would warn when evaluated
        value = ast.literal_eval(text)
    shorter = repr(value)
    return shorter if len(shorter.encode()) < len(text.encode()) else text


def _emit(tokens: list[Token], base_level: int) -> str:
    """Write tokens back on their own lines with minimal whitespace: one space per indent level,
    none on continuation lines, a space between tokens only where the tokenizer needs one."""
    out: list[str] = []
    append = out.append
    row = 1  # the line being written, the same in input and output
    level = -base_level
    brackets = 0
    previous: tuple[str, int] | None = None  # last token written on this logical line
    semicolon = False  # a `;` waits until we know a statement follows it on this line
    operators, layout = OPERATORS, _LAYOUT
    for text, kind, start_row, end_row, _, _ in tokens:
        if kind in layout:
            if kind == NEWLINE:
                previous, semicolon = None, False
            elif kind == INDENT:
                level += 1
            else:
                level -= 1
            continue
        if text == ";":
            semicolon = previous is not None
            continue
        if not text:  # ENDMARKER
            continue
        if kind in (NUMBER, STRING):
            text = _shortest_literal(text, kind)
        if semicolon:
            append(";")
            previous, semicolon = (";", OP), False
        if start_row > row:
            append(("\n" if previous is None or brackets else "\\\n") * (start_row - row))
            if previous is None:
                append(" " * level)
        elif previous is None:
            append(" " * level)
        elif _needs_space(previous[0], previous[1], text, kind):
            append(" ")
        append(text)
        row = end_row
        if kind in operators:
            if text in _OPENING:
                brackets += 1
            elif text in _CLOSING:
                brackets -= 1
        previous = (text, kind)
    return "".join(out)


def _needs_space(a: str, left: int, b: str, right: int) -> bool:
    """Would token ``a`` (of type ``left``) and ``b`` (``right``) written together tokenize
    differently?"""
    if left in OPERATORS:
        return right in OPERATORS and a + b[0] in _OP_PREFIXES
    if left == NUMBER:  # `1 if`, `0x1 for`, `1 .real`
        return _is_word(b[0]) or b[0] == "."
    if _is_word(a[-1]):
        if _is_word(b[0]) or right == NUMBER:  # `not x`, `return 1`, `return .5`
            return True
        # A name of prefix letters before a string would become its prefix (`u "s"`). Valid
        # code never has one there (only keywords precede strings), but stay safe.
        return right == STRING and left == NAME and set(a.lower()) <= _STRING_PREFIX_LETTERS
    if left == STRING and right == STRING:  # `'' 'x'` is not `'''x'`
        return a[-1] == b[0]
    return False


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_" or not char.isascii()
