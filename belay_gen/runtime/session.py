"""The link to one board: transport, raw REPL and frame parser, one lock, connect, reconnect,
and the history a reconnect replays.

:class:`Session` is what ``Device`` stands on. Every exchange with the board takes its lock (an
``RLock``, so a replay inside a call is fine), which makes one board safe to share between host
threads. :meth:`Session.run` is the one place that sends code and reads results.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from belay_gen.errors import BoardResetError, ConnectionLost, LinkDroppedError, ProtocolError
from belay_gen.runtime.codec import (
    END_FUNCTION,
    MARKER_GLOBAL,
    RESULT,
    RESULT_FUNCTION,
    Frame,
    FrameParser,
    new_nonce,
)
from belay_gen.runtime.history import Exec, History, Sync
from belay_gen.runtime.implementation import Implementation, probe_program
from belay_gen.runtime.output import STDOUT, LineRouter
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.snippets import mark_defined, snippet, undefined
from belay_gen.runtime.tracebacks import SourceSpan, board_exception
from belay_gen.runtime.transport import Transport, open_transport

if TYPE_CHECKING:
    from belay_gen.runtime.sync.folder import SyncReport

#: Limit of the connect exec (frames, startup, probe) when the Device sets no ``timeout``.
CONNECT_TIMEOUT = 10.0
#: Calls that print a result frame last (a task call or trailing expression, a generator,
#: a thread start).
_FRAMED_CALLS = (f"{RESULT_FUNCTION}(", "_belayG(", "__belay_t(")
#: A NameError for one of belay-gen's board helpers: the board lost its state unseen.
_HELPER_GONE = re.compile(r"NameError: name '(_belay[A-Z]?|__belay_\w+)' ")


def _ends_with_frame(code: str) -> bool:
    """True when the last line of ``code`` is a call that prints a result frame, so the
    program, unless it raises, ends with one (printed data cannot end it early)."""
    return code.rstrip().rpartition("\n")[2].startswith(_FRAMED_CALLS)


class Session:
    """A connected board: the link, its lock and its history.

    Connects on creation: enters the raw REPL, soft-resets (not over WebREPL, where a reset
    ends the link), then one exec defines the result frames, runs ``startup`` (``None``: the
    common imports) and probes the firmware. The arguments are those of ``Device``.
    """

    def __init__(
        self,
        port: str | None,
        *,
        transport: Transport | None = None,
        password: str | None = None,
        startup: str | None = None,
        attempts: int = 0,
        timeout: float | None = None,
        reconnect_delay: float = 1.0,
    ) -> None:
        self._reopenable = port is not None  # a transport handed in cannot be opened again
        if port is None:
            if transport is None:
                raise TypeError("Device() needs a port (e.g. '/dev/ttyACM0' or 'virtual:')")
            port = transport.description
        self.port = port
        self.startup = startup
        self.attempts = attempts
        self.timeout = timeout
        self.reconnect_delay = reconnect_delay
        self.lock = threading.RLock()
        self.history = History()
        #: Function name -> where it lives on the host, to map board tracebacks.
        self.spans: dict[str, SourceSpan] = {}
        self.closed = False
        #: Where output the board prints between calls goes (board threads, timers, a
        #: thread's uncaught exception); ``None`` drops it.
        self.idle_stream: TextIO | None = STDOUT
        self._password = password
        #: Whether the program of the call in flight reached the board (it may have run).
        self._call_sent = False
        #: A restore that did not finish (the board was still booting, say): the next call
        #: finishes it first, so the reset fails no later call.
        self._restore_owed = False
        self._connect(transport)

    @property
    def timeout(self) -> float | None:
        """The default limit of each call (a Device's ``timeout``); it also bounds every wait
        of the protocol (entering the raw REPL, a soft reset, recovery: ``RawRepl.limit``)."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._timeout = value
        repl: RawRepl | None = getattr(self, "repl", None)  # none before the first connect
        if repl is not None:
            repl.limit = value

    # -- connection -------------------------------------------------------------------------
    def _connect(self, transport: Transport | None = None) -> None:
        if transport is None:
            transport = open_transport(self.port, password=self._password)
        self.transport = transport
        try:
            self._setup(transport)
        except BaseException:
            transport.close()
            raise

    def _setup(self, transport: Transport) -> None:
        """Bring the board behind ``transport`` to a known state and define our helpers."""
        repl = RawRepl(transport, limit=self.timeout)  # every wait within the timeout
        repl.on_sent = self._program_sent
        repl.enter()
        if not transport.reset_drops_link:
            repl.soft_reset()
        nonce = new_nonce()
        parser = FrameParser(nonce)
        startup = snippet("startup.py") if self.startup is None else self.startup
        # The frame helpers are compiled on their own (exec of their text): functions keep
        # their compiled unit's constants alive, which then are theirs only, not also those
        # of the startup and probe code (about 300 B of board heap for the connection).
        frames = f"exec({snippet('frames.py')!r})"
        code = f"{MARKER_GLOBAL}={parser.nonce!r}\n{frames}\n{startup}\n"
        code += probe_program(RESULT_FUNCTION + "({})")
        answers: list[object] = []
        router = LineRouter(parser, None, lambda frame: answers.append(frame.value))
        # The user's own startup code may take as long as it needs (unless the Device
        # sets a timeout), as it always could; ours has a deadline.
        limit = self.timeout
        if limit is None and self.startup is None:
            limit = CONNECT_TIMEOUT
        outcome = repl.exec(
            code,
            timeout=limit,
            stdout_callback=router.feed,
            promised=True,
            framed=router,
            idle=self._idle,
        )
        router.close()
        if not outcome.ok:
            raise board_exception(outcome.error)
        if router.error is not None or not answers:
            raise ProtocolError(f"{transport.description} did not answer the connect probe")
        self.implementation = Implementation.from_value(answers[-1])
        self.repl, self._parser = repl, parser

    def _idle(self, data: bytes) -> None:
        """Show what the board printed between calls; a stream that cannot take it (a closed
        file, a console without the characters) makes no call fail."""
        stream = self.idle_stream
        if stream is None:
            return
        text = data.replace(b"\r\n", b"\n").decode("utf-8", "replace")
        with contextlib.suppress(OSError, ValueError):
            try:
                stream.write(text)
            except UnicodeEncodeError:  # e.g. a cp1252 console: escape what it cannot show
                stream.write(text.encode("ascii", "backslashreplace").decode("ascii"))
            stream.flush()

    def restore(self) -> None:
        """After a board reset (the link kept): set the session up again on the same link and
        replay the history."""
        with self.lock, self._call_state_kept():
            self._restore_owed = True
            self._setup(self.transport)
            self._replay()
            self._restore_owed = False

    def reconnect(self, attempts: int | None = None) -> None:
        """Reconnect and replay the history; ``attempts`` tries (default: the Session's;
        negative: forever), ``reconnect_delay`` s apart, then :class:`ConnectionLost`."""
        budget = self.attempts if attempts is None else attempts
        with self.lock, self._call_state_kept():
            self._check_open()
            if not self._reopenable:
                raise ConnectionLost(
                    f"lost {self.port}, and a Device made from a transport cannot reopen it; "
                    "create the Device with a port string to reconnect"
                )
            self.transport.close()
            tries = 0
            while True:
                try:
                    self._connect()
                except Exception as exc:
                    failure: Exception = exc
                else:
                    try:
                        self._replay()
                        self._restore_owed = False
                        return
                    except ConnectionLost as exc:  # lost again while replaying: start over
                        self.transport.close()
                        failure = exc
                tries += 1
                if 0 <= budget <= tries:
                    raise ConnectionLost(
                        f"could not reconnect to {self.port} after {tries} attempt(s): {failure}"
                    ) from failure
                time.sleep(self.reconnect_delay)

    def _replay(self) -> None:
        """Run the history again on a fresh connection. A lost link propagates (the caller
        reconnects); replayed code is never retried on its own."""
        for step in list(self.history):
            if isinstance(step, Sync):
                self._sync(step)
            else:
                self._exec(step.code, None, self.timeout, None, None, ())

    @contextlib.contextmanager
    def _call_state_kept(self) -> Iterator[None]:
        """Around a restore or reconnect inside a call: the programs it sends are not the
        call's, so whether the call's own program reached the board stays as it was."""
        sent = self._call_sent
        try:
            yield
        finally:
            self._call_sent = sent

    def _program_sent(self) -> None:
        self._call_sent = True

    def close(self) -> None:
        """Release the link; later calls raise :class:`ConnectionLost`."""
        self.closed = True
        self.transport.close()

    def _check_open(self) -> None:
        if self.closed:
            raise ConnectionLost(f"the Device for {self.port} is closed")

    # -- the one place that runs code -------------------------------------------------------
    def run(
        self,
        code: str,
        *,
        stream_out: TextIO | None = None,
        timeout: float | None = None,
        on_frame: Callable[[Frame], None] | None = None,
        spans: Mapping[str, SourceSpan] | None = None,
        needs: Sequence[str] = (),
        record: bool = False,
        definition: str | None = None,
        idempotent: bool = False,
    ) -> Any:
        """Run ``code``; return the last result frame's value (``None`` without one).

        Prints go to ``stream_out`` line by line; ``on_frame`` takes every frame instead of
        collecting results. ``timeout``: ``None`` is the Session's. ``needs``: snippets the code
        calls (sent in front of it when this connection has not defined them). ``record``
        keeps the code as a command for replay, ``definition`` as the definition of that
        name.

        A lost link is reconnected (when ``attempts`` allows) and the history replayed. Code
        the board never received is then sent; code it did receive may have run partly, so
        the call raises :class:`LinkDroppedError` instead of running it twice, unless it is a
        ``definition`` (which a replay runs anyway) or ``idempotent`` (housekeeping that may
        safely run twice).
        """
        limit = self.timeout if timeout is None else timeout
        with self.lock:
            self._check_open()
            self._call_sent = False
            try:
                if self._restore_owed:
                    self.restore()
                result = self._exec(code, stream_out, limit, on_frame, spans, needs)
            except ConnectionLost as exc:
                if self.attempts == 0:
                    raise
                self.reconnect()
                if self._call_sent and definition is None and not idempotent:
                    raise LinkDroppedError(
                        f"the link to {self.port} dropped during the call ({exc}); the session"
                        " was reconnected and restored, and the call, which may have run"
                        " partly, was not run again"
                    ) from exc
                result = self._exec(code, stream_out, limit, on_frame, spans, needs)
            if definition is not None:
                self.history.define(definition, Exec(code))
            elif record:
                self.history.add_command(code)
        return result

    def _exec(
        self,
        code: str,
        stream_out: TextIO | None,
        timeout: float | None,
        on_frame: Callable[[Frame], None] | None,
        spans: Mapping[str, SourceSpan] | None,
        needs: Sequence[str],
    ) -> Any:
        if self.repl.drain_idle(self._idle):  # the board reset while the host was idle
            self.restore()
        results: list[object] = []

        def collect(frame: Frame) -> None:
            if frame.kind == RESULT:
                results.append(frame.value)

        router = LineRouter(self._parser, stream_out, on_frame or collect)
        if not _ends_with_frame(code):
            # An end frame, which printed data cannot forge, so nothing printed (by the code or
            # a board thread) can end the answer early or make it hang (runtime/answer.py).
            code = f"{code.rstrip()}\n{END_FUNCTION}()\n"
        if needs:
            code = undefined(self.repl, needs) + code
        try:
            outcome = self.repl.exec(
                code,
                timeout=timeout,
                stdout_callback=router.feed,
                promised=True,
                framed=router,
                idle=self._idle,
            )
        except BoardResetError:
            router.close()
            self.restore()
            raise
        router.close()
        if not outcome.ok:
            if _HELPER_GONE.search(outcome.error):
                # Our helpers are gone: the board reset without printing where we could see.
                self.restore()
                raise BoardResetError(
                    f"{self.port} lost its state (a reset?); the session was restored, and the"
                    " call, which may have run partly, was not run again"
                )
            raise board_exception(outcome.error, self.spans if spans is None else spans)
        if router.error is not None:
            raise router.error
        if needs:
            mark_defined(self.repl, needs)
        return results[-1] if results else None

    # -- sync -------------------------------------------------------------------------------
    def sync(self, folder: Path, options: Mapping[str, Any], *, record: bool) -> SyncReport:
        """``sync_folder(repl, folder, **options)``; ``record`` keeps it for replay. A board
        reset during it raises :class:`BoardResetError` (the session restored); a lost link
        is reconnected and the sync run again (it sends only what differs)."""
        with self.lock:
            self._check_open()
            step = Sync(folder, dict(options))
            try:
                if self._restore_owed or self.repl.drain_idle(self._idle):
                    self.restore()
                report = self._sync(step)
            except BoardResetError:
                self.restore()
                raise
            except ConnectionLost:
                if self.attempts == 0:
                    raise
                self.reconnect()
                report = self._sync(step)  # a sync is safe to run again: it compares first
            if record:
                self.history.define(f"sync {folder} {options.get('dst', '/')}", step)
        return report

    def _sync(self, step: Sync) -> SyncReport:
        from belay_gen.runtime.sync.folder import sync_folder

        with self.repl.programs_within(self.timeout):  # the listing, the receiver's setup
            return sync_folder(self.repl, step.folder, **step.options)


class SessionSetting:
    """A setting of an object with a ``session`` that lives on the session (``device.port =
    ...`` sets ``device.session.port``), so a reconnect sees the new value."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        return getattr(instance.session, self.name)

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(instance.session, self.name, value)
