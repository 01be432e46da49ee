"""The link to one board: transport, raw REPL and frame parser, one lock, connect, reconnect,
and the history a reconnect replays.

:class:`Session` is what ``Device`` stands on. Every exchange with the board takes its lock (an
``RLock``, so a replay inside a call is fine), which makes one board safe to share between host
threads. :meth:`Session.run` is the one place that sends code and reads results.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from belay_gen.errors import BoardResetError, ConnectionLost, ProtocolError
from belay_gen.runtime.codec import (
    END_FUNCTION,
    RESULT,
    RESULT_FUNCTION,
    Frame,
    FrameParser,
    new_nonce,
)
from belay_gen.runtime.implementation import Implementation, probe_program
from belay_gen.runtime.output import STDOUT, LineRouter
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.snippets import mark_defined, snippet, undefined
from belay_gen.runtime.tracebacks import SourceSpan, board_exception
from belay_gen.runtime.transport import Transport, open_transport

if TYPE_CHECKING:
    from belay_gen.runtime.sync.folder import SyncReport

#: Commands (``device(cmd)`` with ``record=True``) a reconnect replays: the most recent ones.
MAX_COMMANDS = 1000
#: Limit of the connect exec (frames, startup, probe) when the Device sets no ``timeout``.
CONNECT_TIMEOUT = 10.0
#: Calls that print a result frame last (a task call or trailing expression, a generator,
#: a thread start).
_FRAMED_CALLS = (f"{RESULT_FUNCTION}(", "__belay_g(", "__belay_t(")


def _ends_with_frame(code: str) -> bool:
    """True when the last line of ``code`` is a call that prints a result frame, so the
    program, unless it raises, ends with one (printed data cannot end it early)."""
    return code.rstrip().rpartition("\n")[2].startswith(_FRAMED_CALLS)


@dataclass(frozen=True)
class Exec:
    """Replay by running ``code`` on the board."""

    code: str


@dataclass(frozen=True)
class Sync:
    """Replay by syncing ``folder`` again with the same ``options`` (``sync_folder``'s)."""

    folder: Path
    options: Mapping[str, Any]


Step = Exec | Sync


class History:
    """What a reconnect replays, in the order it was made.

    Definitions are kept by name and never evicted: a task or thread (``def NAME``), a
    recorded setup run (``run NAME``), a generated module (``module NAME``), a sync (``sync
    FOLDER DST``). A re-definition replaces the earlier one in its place, so what was defined
    before a command still is when the command is replayed. Commands are bounded: the most
    recent ``max_commands`` are kept.
    """

    def __init__(self, max_commands: int = MAX_COMMANDS) -> None:
        self._order = itertools.count()
        self._definitions: dict[str, tuple[int, Step]] = {}
        self._commands: deque[tuple[int, Step]] = deque(maxlen=max_commands)

    def define(self, name: str, step: Step) -> None:
        """Keep ``step`` as the definition ``name`` (replacing, in place, an earlier one)."""
        earlier = self._definitions.get(name)
        position = earlier[0] if earlier is not None else next(self._order)
        self._definitions[name] = (position, step)

    def add_command(self, code: str) -> None:
        """Keep the command ``code`` (the oldest command goes when there are too many)."""
        self._commands.append((next(self._order), Exec(code)))

    @property
    def definitions(self) -> list[str]:
        """The names of the definitions, in replay order."""
        return list(self._definitions)

    def __len__(self) -> int:
        return len(self._definitions) + len(self._commands)

    def __iter__(self) -> Iterator[Step]:
        # A definition keeps the position of its first version, so both sources are sorted.
        merged = heapq.merge(self._definitions.values(), self._commands, key=lambda e: e[0])
        return (step for _, step in merged)


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
        self._connect(transport)

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
        repl = RawRepl(transport)
        repl.enter()
        if not transport.reset_drops_link:
            repl.soft_reset()
        nonce = new_nonce()
        parser = FrameParser(nonce)
        startup = snippet("startup.py") if self.startup is None else self.startup
        code = f"__belay_nonce={nonce!r}\n{snippet('frames.py')}{startup}\n"
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
            framed=lambda: router.result_seen,
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
        stream = self.idle_stream
        if stream is not None:
            stream.write(data.replace(b"\r\n", b"\n").decode("utf-8", "replace"))
            stream.flush()

    def restore(self) -> None:
        """After a board reset (the link kept): set the session up again on the same link and
        replay the history."""
        with self.lock:
            self._setup(self.transport)
            self._replay()

    def reconnect(self, attempts: int | None = None) -> None:
        """Reconnect and replay the history; ``attempts`` tries (default: the Session's;
        negative: forever), ``reconnect_delay`` s apart, then :class:`ConnectionLost`."""
        budget = self.attempts if attempts is None else attempts
        with self.lock:
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
                    break
                except Exception as exc:
                    tries += 1
                    if 0 <= budget <= tries:
                        raise ConnectionLost(
                            f"could not reconnect to {self.port} after {tries} attempt(s): {exc}"
                        ) from exc
                    time.sleep(self.reconnect_delay)
            self._replay()

    def _replay(self) -> None:
        for step in list(self.history):
            if isinstance(step, Sync):
                self._sync(step)
            else:
                self.run(step.code)

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
    ) -> Any:
        """Run ``code``; return the last result frame's value (``None`` without one).

        Prints go to ``stream_out`` line by line; ``on_frame`` takes every frame instead of
        collecting results. ``timeout``: ``None`` is the Session's. ``needs``: snippets the code
        calls (sent in front of it when this connection has not defined them). ``record``
        keeps the code as a command for replay, ``definition`` as the definition of that
        name. A lost link is reconnected (when ``attempts`` allows) and the code run again.
        """
        limit = self.timeout if timeout is None else timeout
        with self.lock:
            self._check_open()
            try:
                result = self._exec(code, stream_out, limit, on_frame, spans, needs)
            except ConnectionLost:
                if self.attempts == 0:
                    raise
                self.reconnect()
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
                framed=lambda: router.result_seen,
                idle=self._idle,
            )
        except BoardResetError:
            router.close()
            self.restore()
            raise
        router.close()
        if not outcome.ok:
            if "NameError" in outcome.error and "'__belay_" in outcome.error:
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
        """``sync_folder(repl, folder, **options)``; ``record`` keeps it for replay."""
        with self.lock:
            step = Sync(folder, dict(options))
            report = self._sync(step)
            if record:
                self.history.define(f"sync {folder} {options.get('dst', '/')}", step)
        return report

    def _sync(self, step: Sync) -> SyncReport:
        from belay_gen.runtime.sync.folder import sync_folder

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
