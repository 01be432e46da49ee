"""Arguments out, results back: the literal encoding of task calls and the result frames.

A task call travels as Python source built from literals; the board answers with one line
per value, ``_BELAY<kind><nonce> <type> <repr>`` (see ``board/snippets/frames.py``), where the
nonce is chosen per connection so user output cannot forge a frame.
"""

from __future__ import annotations

import ast
import decimal
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from belay_gen.errors import ResultNotLiteralError

RESULT = "R"
YIELD = "Y"
#: The end of a program that returns nothing: a frame without a value.
END = "E"
#: The board function that prints an END frame (``board/snippets/frames.py``).
END_FUNCTION = "__belay_e"
#: The board function that prints a result frame (``board/snippets/frames.py``).
RESULT_FUNCTION = "__belay_r"
_CONSTANTS: dict[str, object] = {"None": None, "True": True, "False": False}
_INT_DIGITS = 4000  # under CPython's default int/str conversion limit (4300 digits)
_LITERAL_SCALARS = (bool, int, float, complex, str, bytes, type(None))


def new_nonce() -> str:
    """A fresh per-connection frame nonce."""
    return secrets.token_hex(6)


def is_literal(value: object) -> bool:
    """True when ``repr(value)`` reads back with :func:`ast.literal_eval` on both sides."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(value, _LITERAL_SCALARS):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(is_literal(item) for item in value)
    if isinstance(value, dict):
        return all(is_literal(k) and is_literal(v) for k, v in value.items())
    return False


def require_literal(value: object, label: str, function: str) -> None:
    """Raise ``TypeError`` naming ``label`` (e.g. "argument 'x'") unless ``value`` is a literal."""
    if not is_literal(value):
        raise TypeError(
            f"{label} of {function}() is a {type(value).__name__}; task arguments must be "
            "Python literals (None, bool, int, float, str, bytes, and lists, tuples, "
            "sets and dicts of those)"
        )


def encode_call(target: str, args: Iterable[tuple[str, object]]) -> str:
    """``target(arg=repr, ...)`` source, after checking each argument is a literal.

    ``args`` are ``(name, value)`` pairs; a name of ``""`` is positional. A non-literal value
    raises ``TypeError`` naming the parameter and its type, before anything is sent.
    """
    parts = []
    for name, value in args:
        require_literal(value, f"argument {name!r}" if name else "a positional argument", target)
        parts.append(f"{name}={value!r}" if name else repr(value))
    return f"{target}({', '.join(parts)})"


@dataclass(frozen=True)
class Frame:
    """One value the board sent back."""

    kind: str
    value: object


class FrameParser:
    """Splits board output into user text and result frames for one connection's nonce."""

    def __init__(self, nonce: str) -> None:
        self._markers = {f"_BELAY{kind}{nonce} ": kind for kind in (RESULT, YIELD, END)}
        #: The frame markers as they appear on the wire.
        self.markers = tuple(marker.encode() for marker in self._markers)

    def parse_line(self, line: str) -> Frame | None:
        """The frame that is all of ``line``, or None when the line is ordinary output."""
        before, frame = self.split_line(line)
        return frame if not before else None

    def split_line(self, line: str) -> tuple[str, Frame | None]:
        """``(output, frame)``: a frame may follow output the task printed without ending its
        line (``print(x, end="")``), so its marker is looked for anywhere in the line."""
        for marker, kind in self._markers.items():
            start = line.find(marker)
            if start >= 0:
                if kind == END:
                    return line[:start], Frame(END, None)
                type_name, _, text = line[start + len(marker) :].rstrip("\r\n").partition(" ")
                return line[:start], Frame(kind, decode_value(text, type_name))
        return line, None


def decode_value(text: str, type_name: str) -> object:
    """Read a board ``repr``; a value that is not a literal raises ResultNotLiteralError."""
    if text in _CONSTANTS:  # the commonest results, without a trip through the parser
        return _CONSTANTS[text]
    digits = text[1:] if text.startswith("-") else text
    if type_name == "int" and digits.isdigit() and digits.isascii():  # not "--5", not "²"
        if len(text) < _INT_DIGITS:
            return int(text)
        # int() refuses more digits than sys.get_int_max_str_digits(); Decimal does not.
        return int(decimal.Decimal(text))
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        article = "an" if type_name[:1].lower() in "aeiou" else "a"
        raise ResultNotLiteralError(
            f"the board's value is {article} {type_name}, which cannot travel back to the host"
            f" (repr {text[:80]!r}); return a literal (None, bool, int, float, str, bytes,"
            " or lists, tuples, sets and dicts of those) instead, or use proxy=True"
        ) from None


def wrap_trailing_expression(cmd: str, wrapper: str) -> str | None:
    """``cmd`` with its trailing expression ``E`` replaced by ``wrapper.format(E)``, or
    ``None`` when ``cmd`` does not end in an expression (or is not CPython syntax).

    ``E`` is parenthesized, so ``1, 2`` stays one tuple:

    >>> wrap_trailing_expression("x = 2\\nx, 3", "f({})")
    'x = 2\\nf((x, 3))\\n'
    """
    try:
        tree = ast.parse(cmd)
    except SyntaxError:
        return None  # MicroPython-only syntax: run as is, no value comes back
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    last = tree.body[-1]
    segment = ast.get_source_segment(cmd, last)
    if segment is None or last.end_lineno is None or last.end_col_offset is None:
        return None
    lines = cmd.splitlines()
    start, end = last.lineno - 1, last.end_lineno - 1
    prefix = lines[start][: last.col_offset]
    tail = lines[end][last.end_col_offset :]
    wrapped = prefix + wrapper.format(f"({segment})") + tail
    return "\n".join([*lines[:start], wrapped, *lines[end + 1 :]]) + "\n"
