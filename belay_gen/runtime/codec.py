"""Arguments out, results back: the literal encoding of task calls and the result frames.

A task call travels as Python source built from literals, as short as the board can bind it.
The board answers with one frame per result (see ``board/snippets/frames.py``)::

    <lead><nonce><payload>\\n

The nonce is chosen per connection (set once at connect), so user output cannot forge a
frame. The lead byte is the kind: ``\\x1e`` a return value, ``\\x1f`` a generator's values.
The payload is one of:

- ``<repr>``: a value whose type the host reads from its repr (``None`` is the empty
  payload); a generator frame carries one or more reprs joined by commas (a batch);
- ``:<type> <repr>``: any other type, named so an error can say what it was;
- ``=<code> <size>`` then, after the newline, ``size`` raw bytes: a bytes-like value written to
  ``sys.stdout.buffer`` (uncooked): ``y`` bytes, ``a`` bytearray, ``m`` memoryview,
  ``A<typecode><itemsize>`` an ``array.array``;
- ``!`` (after ``\\x1e``): the end of a program that returns nothing (no value).
"""

from __future__ import annotations

import array
import ast
import decimal
import math
import secrets
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from belay_gen.errors import ResultNotLiteralError

RESULT = "R"
YIELD = "Y"
#: The end of a program that returns nothing: a frame without a value.
END = "E"
#: The lead byte of each kind of frame (ASCII record and unit separators: rare in output).
LEADS = {RESULT: "\x1e", YIELD: "\x1f"}
#: The board function that prints a result frame (``board/snippets/frames.py``).
RESULT_FUNCTION = "_belay"
#: The board function that prints an END frame (``board/snippets/frames.py``).
END_FUNCTION = "_belayE"
#: The board global holding the nonce (set at connect, before ``frames.py`` runs).
MARKER_GLOBAL = "_belayM"
_NONCE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
NONCE_LENGTH = 5
#: MicroPython interns str and bytes literals up to this many bytes
#: (``MICROPY_ALLOC_PARSE_INTERN_STRING_LEN``), never to free them.
INTERN_LENGTH = 10
_CONSTANTS: dict[str, object] = {"None": None, "True": True, "False": False}
_INT_DIGITS = 4000  # under CPython's default int/str conversion limit (4300 digits)
_LITERAL_SCALARS = (bool, int, float, complex, str, bytes, type(None))
#: The type a repr names by its first character (for errors about an untyped payload).
_TYPE_BY_START = {"[": "list", "(": "tuple", "{": "dict", "'": "str", '"': "str", "b": "bytes"}


def new_nonce() -> str:
    """A fresh per-connection frame nonce (letters and digits, about 30 bits)."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


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


def encode_literal(value: object) -> str:
    """``repr(value)`` without the spaces after commas and colons of lists, tuples and dicts
    (every byte sent costs line time); other values are their ``repr``."""
    kind = type(value)
    if kind is list:
        return "[" + ",".join(map(encode_literal, value)) + "]"  # type: ignore[call-overload]
    if kind is tuple:
        items = tuple(map(encode_literal, value))  # type: ignore[call-overload]
        return "(" + ",".join(items) + ("," if len(items) == 1 else "") + ")"
    if kind is dict:
        pairs = value.items()  # type: ignore[attr-defined]
        return "{" + ",".join(f"{encode_literal(k)}:{encode_literal(v)}" for k, v in pairs) + "}"
    if kind is str or kind is bytes:
        return _uninterned(value)  # type: ignore[arg-type]
    return repr(value)


def _uninterned(value: str | bytes) -> str:
    """The literal of ``value``, written so MicroPython does not intern it.

    MicroPython interns every str or bytes literal of at most
    :data:`INTERN_LENGTH` bytes it compiles and never frees it: a few hundred distinct short
    arguments (ids, timestamps) would fill a small board's heap for good. Such a value is sent
    padded past that length and sliced back (``'k1         '[:2]``), which makes an ordinary
    object that goes with the call. One-byte values (at most 256 of them) and non-ASCII text
    (a board without unicode slices bytes, not characters) are sent as they are.
    """
    size = len(value)
    if size < 2 or size > INTERN_LENGTH or (isinstance(value, str) and not value.isascii()):
        return repr(value)
    padding = " " * (INTERN_LENGTH + 1 - size)
    padded = value + padding if isinstance(value, str) else value + padding.encode()
    return f"{padded!r}[:{size}]"


def encode_call(target: str, args: Iterable[tuple[str, object]]) -> str:
    """``target(arg,name=arg)`` source, after checking each argument is a literal.

    ``args`` are ``(name, value)`` pairs; a name of ``""`` is positional. A non-literal value
    raises ``TypeError`` naming the parameter and its type, before anything is sent.
    """
    parts = []
    for name, value in args:
        require_literal(value, f"argument {name!r}" if name else "a positional argument", target)
        parts.append(f"{name}={encode_literal(value)}" if name else encode_literal(value))
    return f"{target}({','.join(parts)})"


@dataclass(frozen=True)
class Frame:
    """One frame the board sent: a ``RESULT``'s value, a ``YIELD``'s list of values (a
    batch), or an ``END`` (``None``)."""

    kind: str
    value: object


@dataclass(frozen=True)
class BinaryHead:
    """The head of a binary frame: ``size`` raw bytes follow, a value of type ``code``."""

    code: str
    size: int


class FrameParser:
    """Splits board output into user text and result frames for one connection's nonce."""

    def __init__(self, nonce: str) -> None:
        self.nonce = nonce
        self._kinds = {lead + nonce: kind for kind, lead in LEADS.items()}
        #: The frame markers as they appear on the wire (all of one length).
        self.markers = tuple(marker.encode() for marker in self._kinds)

    def parse_line(self, line: str) -> Frame | None:
        """The frame that is all of ``line``, or None when the line is ordinary output."""
        before, frame = self.split_line(line)
        return frame if not before else None

    def split_line(self, line: str) -> tuple[str, Frame | None]:
        """``(output, frame)``: a frame may follow output the task printed without ending its
        line (``print(x, end="")``), so its marker is looked for anywhere in the line. A binary
        frame's value is its :class:`BinaryHead` (the bytes follow the line)."""
        at = line.find(self.nonce, 1)
        while at > 0 and line[at - 1 : at + len(self.nonce)] not in self._kinds:
            at = line.find(self.nonce, at + 1)  # the nonce without a lead: printed text
        if at < 0:
            return line, None
        start = at - 1
        kind = self._kinds[line[start : at + len(self.nonce)]]
        text = line[at + len(self.nonce) :].rstrip("\r\n")
        if text == "!" and kind == RESULT:
            return line[:start], Frame(END, None)
        return line[:start], Frame(kind, decode_payload(text, batch=kind == YIELD))


def decode_payload(text: str, *, batch: bool) -> object:
    """The value of a frame's payload (a list of values when ``batch``); a binary payload
    gives its :class:`BinaryHead`."""
    start = text[:1]
    if start == ":":
        type_name, _, rest = text[1:].partition(" ")
        value = decode_value(rest, type_name)
        return [value] if batch else value
    if start == "=":
        return _binary_head(text[1:])
    if batch:
        return decode_batch(text)
    return decode_value(text, _inferred_type(text)) if text else None


def _inferred_type(text: str) -> str:
    """The type name of an untyped repr, for an error message."""
    name = _TYPE_BY_START.get(text[:1])
    if name is not None:
        return name
    return "int" if text.lstrip("-").isdigit() else "float"


def decode_batch(text: str) -> list[object]:
    """The values of a ``Y`` frame: reprs joined by commas (an empty payload is one None)."""
    if not text:
        return [None]
    pieces = text.split(",")
    if all(_is_int(piece) for piece in pieces):  # a generator counting: the common case
        return [decode_value(piece, "int") for piece in pieces]
    try:
        values = ast.literal_eval(f"[{text}]")
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        values = None
    if not isinstance(values, list):
        raise ResultNotLiteralError(
            f"the board's values (repr {text[:80]!r}) cannot travel back to the host; yield "
            "literals (None, bool, int, float, str, bytes, or lists, tuples, sets and dicts "
            "of those) instead"
        )
    return values


def _is_int(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return digits.isdigit() and digits.isascii()  # not "--5", not "²"


def decode_value(text: str, type_name: str) -> object:
    """Read a board ``repr``; a value that is not a literal raises ResultNotLiteralError."""
    if text in _CONSTANTS:  # the commonest results, without a trip through the parser
        return _CONSTANTS[text]
    if type_name == "int" and _is_int(text):
        if len(text) < _INT_DIGITS:
            return int(text)
        # int() refuses more digits than sys.get_int_max_str_digits(); Decimal does not.
        return int(decimal.Decimal(text))
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        raise _not_literal(type_name, text) from None


def _not_literal(type_name: str, text: str) -> ResultNotLiteralError:
    article = "an" if type_name[:1].lower() in "aeiou" else "a"
    return ResultNotLiteralError(
        f"the board's value is {article} {type_name}, which cannot travel back to the host"
        f" (repr {text[:80]!r}); return a literal (None, bool, int, float, str, bytes,"
        " or lists, tuples, sets and dicts of those) or bytes-like data (bytes, bytearray,"
        " memoryview, array.array) instead, or use proxy=True"
    )


# -- binary payloads ---------------------------------------------------------------------------

_BINARY_CODES = {"y": "bytes", "a": "bytearray", "m": "memoryview"}
_ITEM_FORMATS = {1: "b", 2: "h", 4: "i", 8: "q"}


def _binary_head(text: str) -> BinaryHead:
    code, _, size = text.partition(" ")
    known = code in _BINARY_CODES or (
        len(code) == 3 and code[0] == "A" and code[1] in array.typecodes and code[2] in "012348"
    )
    if not known or not size.isdigit() or not size.isascii() or len(size) > 15:
        raise ResultNotLiteralError(f"the board sent a malformed binary frame ({text[:40]!r})")
    return BinaryHead(code, int(size))


def decode_binary(code: str, data: bytes) -> object:
    """The host value of a binary payload: the board's type (an ``array.array`` keeps its
    typecode; the board is little-endian, as every MicroPython port is)."""
    if code == "y":
        return data
    if code == "a":
        return bytearray(data)
    if code == "m":
        return memoryview(data)
    typecode, board_size = code[1], int(code[2])
    values = array.array(typecode)
    if not data:
        return values
    if board_size == values.itemsize and len(data) % board_size == 0:
        values.frombytes(data)
        if sys.byteorder == "big":
            values.byteswap()
        return values
    # The board's item has another size than the host's ("l" is 4 bytes on a 32-bit MCU).
    item = "f" if typecode == "f" else "d" if typecode == "d" else _ITEM_FORMATS.get(board_size)
    if item is None or len(data) % board_size:
        raise ResultNotLiteralError(f"the board sent a malformed array ({code!r}, {len(data)} B)")
    if typecode.isupper():
        item = item.upper()
    try:
        return array.array(typecode, struct.unpack(f"<{len(data) // board_size}{item}", data))
    except OverflowError:
        raise ResultNotLiteralError(
            f"the board's array('{typecode}') holds values this host's array('{typecode}') "
            "cannot (its items are smaller here)"
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
