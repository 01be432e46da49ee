"""minify's tokens: plain tuples, from CPython's C tokenizer where we can, else :mod:`tokenize`.

A :data:`Token` is ``(string, type, row, end_row, col, end_col)``: the layout of CPython 3.11's
C tokenizer (``_tokenize.TokenizerIter``, five times faster than the pure-Python
:mod:`tokenize`), so that path builds nothing per token. Comments and blank-line tokens are
left out (minify drops them anyway); every operator has the type ``OP``... or an exact type
(``LPAR``, ``COLON``): test with :data:`OPERATORS`. Columns count UTF-8 bytes on the fast path
and characters on the other; :func:`lex` says which.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Callable, Iterable, Iterator
from token import EXACT_TOKEN_TYPES
from tokenize import COMMENT, DEDENT, ENCODING, ENDMARKER, INDENT, NL, OP, STRING, TokenInfo

Token = tuple[str, int, int, int, int, int]
Position = tuple[int, int]  # (row from 1, column)

#: Operator tokens: OP from tokenize, an exact type (LPAR, COLON...) from the C tokenizer.
OPERATORS = frozenset({OP, *EXACT_TOKEN_TYPES.values()})
_SKIPPED = frozenset({COMMENT, NL, ENCODING})
# Python 3.12+ splits an f-string into several tokens (3.14 does the same for t-strings).
_FSTRING_START = frozenset(
    getattr(tokenize, name)
    for name in ("FSTRING_START", "TSTRING_START")
    if hasattr(tokenize, name)
)
_FSTRING_END = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, name)
)
# Before the first line of code, a line that starts with whitespace: input indented as a whole.
_INDENTED = re.compile(r"(?:[ \t\f]*(?:#[^\n]*)?\n)*[ \t\f]")


def _c_tokenizer() -> Callable[[str], Iterable[tuple[object, ...]]] | None:
    if sys.version_info[:2] != (3, 11):  # 3.12+ changed it; its tokenize is C-based already
        return None
    try:
        from _tokenize import TokenizerIter  # type: ignore[import-not-found]
    except ImportError:
        return None
    return TokenizerIter


_C_TOKENIZER = _c_tokenizer()


def lex(code: str) -> tuple[list[Token], bool, bool]:
    """The tokens of ``code``, whether it is indented as a whole (a method's source), and
    whether columns count bytes. The last token is always ENDMARKER.

    The fast path does not check syntax: the caller parses the same code with :mod:`ast`.

    Raises:
        SyntaxError: an unclosed bracket or string (on the :mod:`tokenize` path).
    """
    if _C_TOKENIZER is not None and not _INDENTED.match(code):
        fast = _fast_lex(_C_TOKENIZER, code)
        if fast is not None:
            return fast, False, True
    try:
        tokens = _lex(code)
    except tokenize.TokenError as error:  # an unclosed bracket or string
        import ast

        ast.parse(code)  # Python's own message
        raise SyntaxError(str(error)) from None
    indented = any(t[1] == INDENT for t in tokens[:1])
    return tokens, indented, False


def _fast_lex(
    tokenizer: Callable[[str], Iterable[tuple[object, ...]]], code: str
) -> list[Token] | None:
    try:
        # (string, type, row, end_row, col, end_col, line): drop the line, 7 -> 6 fields.
        tokens: list[Token] = [t[:6] for t in tokenizer(code)]  # type: ignore[misc]
    except Exception:  # a private API: any failure means "use tokenize"
        return None
    end = code.count("\n") + 2
    tokens.append(("", ENDMARKER, end, end, 0, 0))
    # A DEDENT comes with the row of the line before it; tokenize puts it where the next
    # token starts, which keeps token starts in order (the cuts are found by bisection).
    for i in reversed([i for i, token in enumerate(tokens) if token[1] == DEDENT]):
        after = tokens[i + 1]
        tokens[i] = ("", DEDENT, after[2], after[2], after[4], after[4])
    return tokens


def _lex(code: str) -> list[Token]:
    """Tokenize, with each f-string (split into parts on Python 3.12+) as one STRING token
    holding its exact source text: re-joining the parts would lose `{{`/`}}` escapes."""
    lines = code.splitlines(keepends=True)
    tokens: list[Token] = []
    stream = tokenize.generate_tokens(io.StringIO(code).readline)
    for token in stream:
        kind, text, start, end = token.type, token.string, token.start, token.end
        if kind in _SKIPPED:
            continue
        if kind in _FSTRING_START:
            end = _fstring_end(stream)
            kind, text = STRING, _slice(lines, start, end)
        tokens.append((text, kind, start[0], end[0], start[1], end[1]))
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
