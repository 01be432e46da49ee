"""Board exceptions as host exceptions: the right class, and the host file and line.

Task code is sent so that its line ``k`` is line ``first_line + k - 1`` of the host file
(the minifier keeps line numbers), so a board traceback entry ``File "<stdin>", line k, in
NAME`` maps back to where the user wrote that line.
"""

from __future__ import annotations

import builtins
import linecache
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from belay_gen.errors import PyboardException

#: A whole traceback entry line, its line ending included (``\r\n`` on a real board).
_ENTRY_LINE = re.compile(r'File "([^"]*)", line (\d+), in (\S+)\r?\n')
_TYPE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")
_ERRNO = re.compile(r"^\[Errno (\d+)\]")
_SUBCLASSES: dict[str, type[PyboardException]] = {}
#: Host exception classes a board exception may also be caught as.
_MIRRORED = {
    name
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type)
    and issubclass(getattr(builtins, name), Exception)
    and not issubclass(getattr(builtins, name), (Warning, StopIteration, StopAsyncIteration))
    and name not in {"BaseException", "Exception", "BaseExceptionGroup", "ExceptionGroup"}
}


@dataclass(frozen=True)
class SourceSpan:
    """Where a function sent to the board lives on the host."""

    filename: str
    first_line: int


def exception_class(exc_type: str) -> type[PyboardException]:
    """``PyboardException``, or a subclass also derived from the builtin of that name.

    A builtin that cannot be built from a message alone (``UnicodeDecodeError`` wants five
    arguments) is mirrored by its nearest base that can (``UnicodeError``).
    """
    if exc_type not in _MIRRORED:
        return PyboardException
    if exc_type not in _SUBCLASSES:
        _SUBCLASSES[exc_type] = _mirror(exc_type, getattr(builtins, exc_type))
    return _SUBCLASSES[exc_type]


def _mirror(name: str, builtin: type[BaseException]) -> type[PyboardException]:
    for base in builtin.__mro__:
        if not issubclass(base, Exception) or base is Exception:
            break

        # PyboardException first, so its __new__ and __init__ run; a builtin with a __new__
        # of its own (MemoryError) refuses that order, so it goes first, with ours pinned.
        for bases in ((PyboardException, base), (base, PyboardException)):
            namespace = {"__new__": PyboardException.__new__, "__init__": PyboardException.__init__}
            if bases[0] is base:
                namespace["__new__"] = _builtin_new(base)
            cls = type(name, bases, namespace)
            try:
                usable = "probe" in str(cls("probe", name, ""))
            except TypeError:
                continue
            if usable:
                return cls
    return PyboardException


def _builtin_new(base: type[BaseException]) -> Callable[..., object]:
    def new(cls: type, message: str = "", *args: object, **kwargs: object) -> object:
        return base.__new__(cls, message)

    return new


def _last_line_and_type(error: str) -> tuple[str, str]:
    """The last line of a board traceback and the exception type it names (or ``""``)."""
    lines = [line for line in error.replace("\r\n", "\n").split("\n") if line.strip()]
    last = lines[-1].strip() if lines else "unknown error"
    match = _TYPE.match(last)
    return last, match.group(1) if match else ""


def board_exception(error: str, spans: Mapping[str, SourceSpan] | None = None) -> PyboardException:
    """Build the host exception for a board traceback.

    The type is read from the last line (``ValueError: bad`` -> a ``PyboardException`` that is
    also a ``ValueError``), and the board's text is kept as ``board_traceback``. Without
    ``spans`` (the raw REPL, which knows no tasks) the message is that last line. With them
    (``Device``: function name -> where it lives on the host) the message is the board's
    traceback with each task frame rewritten, as Belay does, to the host file, line and
    source line, so editors and terminals link to it::

        Traceback (most recent call last):
          File "<stdin>", line 1, in <module>
          File "/home/me/app.py", line 12, in read
            return sensor.value()
        OSError: [Errno 5] EIO
    """
    if spans is None:
        last, exc_type = _last_line_and_type(error)
        return _make_exception(last, last, exc_type, error)
    last, exc_type = _last_line_and_type(error)
    return _make_exception(_host_traceback(error, spans), last, exc_type, error)


def _host_traceback(error: str, spans: Mapping[str, SourceSpan]) -> str:
    """``error`` with each ``File "<stdin>", line K, in TASK`` entry of a known task replaced
    by the host file, line and (when readable) source line; other text as the board sent it."""

    def host_frame(entry: re.Match[str]) -> str:
        span = spans.get(entry.group(3))
        if span is None or entry.group(1) != "<stdin>":
            return entry.group(0)
        host_line = span.first_line + int(entry.group(2)) - 1
        frame = f'File "{span.filename}", line {host_line}, in {entry.group(3)}'
        source = linecache.getline(span.filename, host_line).strip()
        return f"{frame}\n    {source}\n" if source else f"{frame}\n"

    return _ENTRY_LINE.sub(host_frame, error)


def _make_exception(message: str, last: str, exc_type: str, text: str) -> PyboardException:
    """The exception for a board error whose last traceback line is ``last``: the class
    mirroring ``exc_type``, and ``errno`` set for an ``OSError: [Errno N] ...``."""
    exc = exception_class(exc_type)(message, exc_type, text)
    errno_match = _ERRNO.match(last.partition(":")[2].strip())
    if errno_match and isinstance(exc, OSError):
        exc.errno = int(errno_match.group(1))
    return exc
