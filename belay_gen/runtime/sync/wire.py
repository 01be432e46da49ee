"""The binary file channel of ``sync``: operations streamed to a receiver on the board (I/O only).

The receiver (``board/snippets/sync_receiver.py``) runs as one raw-REPL exec with Ctrl-C
disabled and reads the batches of :mod:`belay_gen.runtime.sync.operations` from
``sys.stdin.buffer``.

It answers ``R<size>\\n`` once (the largest batch it accepts), then ``A`` after each batch or
``E(errno, path, repr(error))\\n`` when it stopped. The host sends the next batch only after
the ``A``, so at most one batch is in flight: the board reads it whole into RAM before it
touches flash, and its small receive buffer cannot overflow.

The call ends with the connection's end mark (:mod:`~belay_gen.runtime.endmark`), so a
board thread that prints ``\\x04\\x04>`` cannot end the receiver's answer early; its end is
read as any answer's (:func:`~belay_gen.runtime.answer.read_answer`).

If the board stops answering, the host sends one batch worth of zero bytes. Whatever the
receiver was waiting for, that ends with a bad header or trailer, so it stops, removes its
temp file and restores Ctrl-C; then the raw prompt is re-entered as usual.
"""

from __future__ import annotations

import ast
import contextlib
import os
import time
from collections.abc import Callable, Iterable, Mapping

from belay_gen.errors import (
    BelayError,
    ConnectionLost,
    DeviceTimeoutError,
    FeatureUnavailableError,
    ProtocolError,
    PyboardException,
    SyncTransferError,
)
from belay_gen.runtime.answer import BoardRestarted, collector, read_answer
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.snippets import define_once
from belay_gen.runtime.sync.operations import (
    DEFAULT_BATCH,
    HEADER,
    Batch,
    Operation,
    batches,
    write_operations,
)
from belay_gen.runtime.tracebacks import board_exception
from belay_gen.runtime.transport.reader import NoAnswer

_SLOWEST_RATE = 960.0  # bytes/s of a 9600-baud link: how long a batch may take to arrive
_EROFS = 30
_ENOSPC = 28


def send_operations(
    repl: RawRepl,
    operations: Iterable[Operation],
    *,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[Batch], None] | None = None,
) -> int:
    """Run the receiver on the board and stream ``operations`` to it; return the bytes sent.

    ``on_batch`` is called after the board acknowledged each batch. Raises
    :class:`SyncTransferError` when the board reports a failure (a full or read-only
    filesystem ...) and :class:`DeviceTimeoutError` when it stops answering; either way the
    board is left at the raw prompt with no half-written file. A board that resets meanwhile
    raises :class:`BoardResetError`.
    """
    define_once(repl, "sync_receiver.py")
    transport = repl.transport
    reader = repl.reader
    step = repl.step_timeout
    size = batch_size
    sent = 0
    current = "the receiver"
    try:
        # A short call in plain raw mode, run by hand: the program keeps reading stdin.
        call = repl.end_mark.append_to(f"__belay_sync_recv({batch_size})".encode())
        transport.write(call + b"\x04")
        if reader.take(2, time.monotonic() + step, "the raw REPL's OK") != b"OK":
            raise ProtocolError(f"{transport.description} did not accept the sync receiver")
        ready = reader.take(1, time.monotonic() + step, "the receiver's ready line")
        if ready != b"R":
            _fail_before_start(repl, ready)
        line = reader.until(b"\n", time.monotonic() + step, "the receiver's ready line")
        if not line.strip().isdigit():
            raise ProtocolError(
                f"{transport.description} answered {line[:40]!r} to the sync receiver"
            )
        size = int(line)
        for batch in batches(operations, size):
            if batch.paths:
                current = batch.paths[-1]
            transport.write(batch.data)
            sent += len(batch.data)
            deadline = time.monotonic() + step + len(batch.data) / _SLOWEST_RATE
            answer = reader.take(1, deadline, f"an acknowledgement while writing {current}")
            if answer == b"E":
                _fail(repl)
            if answer != b"A":
                raise ProtocolError(
                    f"{transport.description} answered {answer!r} to a sync batch"
                    f" (writing {current})"
                )
            if on_batch is not None:
                on_batch(batch)
        _finish(repl)
    except NoAnswer as exc:
        raise _stopped_answering(repl, size, current, str(exc)) from None
    except BoardRestarted:
        raise repl.restarted() from None
    except (SyncTransferError, PyboardException, FeatureUnavailableError, ConnectionLost):
        raise  # the receiver already ended and the board is at the raw prompt (or gone)
    except BaseException:
        _abort(repl, size)
        raise
    return sent


def write_files(repl: RawRepl, files: Mapping[str, bytes]) -> int:
    """Write ``files`` (absolute board path -> content) through the receiver, making their
    folders first; each file is written to a temp name and renamed. Returns the bytes sent."""
    return send_operations(repl, write_operations(files.items()))


def _finish(repl: RawRepl) -> None:
    """Read the end of the receiver's raw-REPL answer (its output, dropped, through the end
    mark; error text; prompt) and raise the board's exception if it raised."""
    port = repl.transport.description
    marks = repl.end_mark.watch(collector(bytearray(), port))
    deadline = time.monotonic() + repl.step_timeout
    error = read_answer(repl.reader, deadline, marks.feed, promised=True, framed=marks.done)
    if error:
        raise board_exception(error.decode("utf-8", "replace"))


def _fail_before_start(repl: RawRepl, first: bytes) -> None:
    """The receiver raised before it was ready (e.g. no ``micropython.kbd_intr``)."""
    port = repl.transport.description
    repl.reader.buffer[:0] = first
    try:
        _finish(repl)
    except PyboardException as exc:
        if exc.exc_type in ("AttributeError", "ImportError", "NameError"):
            raise FeatureUnavailableError(
                f"{port} cannot take sync's binary transfer: it lacks"
                f" micropython.kbd_intr or sys.stdin.buffer ({exc})"
            ) from exc
        raise
    raise ProtocolError(f"the sync receiver on {port} ended before it was ready")


def _fail(repl: RawRepl) -> None:
    port = repl.transport.description
    line = repl.reader.until(b"\n", time.monotonic() + repl.step_timeout, "the receiver's error")
    _finish(repl)
    try:
        errno, path, text = ast.literal_eval(line.decode("utf-8", "replace").strip())
    except (ValueError, SyntaxError, TypeError):
        errno, path, text = 0, None, line.decode("utf-8", "replace")
    where = f" {path}" if path else ""
    if errno == _EROFS:
        raise SyncTransferError(
            f"the filesystem of {port} is read-only (writing{where}); on CircuitPython add"
            ' `import storage; storage.remount("/")` to boot.py and reset the board'
        )
    if errno == _ENOSPC:
        raise SyncTransferError(
            f"the filesystem of {port} is full (writing{where}); delete files or sync less"
        )
    reason = f"[Errno {errno}] {os.strerror(errno)}" if errno else text
    raise SyncTransferError(f"{port} could not write{where}: {reason}; nothing half-written stays")


def _abort(repl: RawRepl, size: int) -> None:
    """Stop the receiver wherever it is and bring the board back to the raw prompt."""
    _flood(repl, size)
    with contextlib.suppress(BelayError):
        repl.enter()


def _flood(repl: RawRepl, size: int) -> None:
    """Send more zero bytes than the receiver can still be waiting for: it stops at once."""
    with contextlib.suppress(BelayError, OSError):
        repl.transport.write(bytes(size + 2 * HEADER))


def _stopped_answering(repl: RawRepl, size: int, current: str, what: str) -> BelayError:
    port = repl.transport.description
    _flood(repl, size)
    try:
        repl.enter()
    except DeviceTimeoutError:
        return DeviceTimeoutError(
            f"{port} stopped answering during sync (waiting for {what}) and did not respond"
            " to Ctrl-C; reset the board, then run sync again"
        )
    return DeviceTimeoutError(
        f"{port} stopped answering during sync (waiting for {what}); the transfer stopped"
        f" at {current}, and since files are renamed into place only when complete none is"
        " half-written; the board is back at the raw REPL: run sync again to finish"
    )
