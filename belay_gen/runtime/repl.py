"""The raw REPL protocol over any :class:`~belay_gen.runtime.transport.base.Transport`.

:class:`RawRepl` knows frames, not tasks: it enters the raw REPL, uploads code (raw-paste when
the board supports it, paced plain raw otherwise), and splits the board's answer into stdout
and error text. It blocks on ``transport.read`` and never polls with sleeps. A timeout or a
host Ctrl-C interrupts the board and brings it back to the raw prompt before the error is
raised, so the next call works. Not thread-safe: callers serialize (``Device`` does).

Example::

    repl = RawRepl(SerialTransport("/dev/ttyACM0"))
    repl.enter()
    print(repl.exec_or_raise("print(1 + 1)"))  # b"2\\r\\n"
"""

from __future__ import annotations

import ast
import contextlib
import functools
import time
from collections.abc import Callable, Iterator

from belay_gen.errors import (
    BoardResetError,
    ConnectionLost,
    DeviceTimeoutError,
    ResultNotLiteralError,
)
from belay_gen.runtime.answer import (
    BoardRestarted,
    Ending,
    ExecResult,
    collector,
    drop,
    never,
    read_answer,
    read_waiting,
    shows_reset,
    skip_reboot_line,
)
from belay_gen.runtime.endmark import EndMark
from belay_gen.runtime.paste import OLD_BANNER, PLAIN_CHUNK, await_ok, send_program
from belay_gen.runtime.tracebacks import board_exception
from belay_gen.runtime.transport.base import Transport
from belay_gen.runtime.transport.reader import NoAnswer, Reader

#: The raw REPL's banner (an old board also prints it to a raw-paste request).
BANNER = OLD_BANNER
_BANNER = "the raw REPL banner"
_EOT = b"\x04"
_QUIET = 0.02  # silence that ends the drain after Ctrl-C
# How long each Ctrl-C + Ctrl-A attempt waits for the banner (the last repeats). The first is
# short because a Ctrl-C can be lost (sent while the board was not yet running code).
_ATTEMPTS = (0.3, 1.0)
#: The least time a bounded wait gets, whatever the user's limit (a soft reset takes this long).
MIN_WAIT = 1.0

StdoutCallback = Callable[[bytes], None]


class RawRepl:
    """Speak the raw REPL to a board over ``transport``.

    ``answer_timeout`` bounds each protocol step (the ``OK``, a raw-paste window grant);
    the time code may *run* is the ``timeout`` given to :meth:`exec` (``None``: no limit).
    ``limit`` (a Device's ``timeout``) bounds every wait of the protocol itself: entering the
    raw REPL (else 5 s), a soft reset (else 10 s), each step, the recovery after a failure;
    never under ``MIN_WAIT``.
    """

    def __init__(
        self, transport: Transport, *, answer_timeout: float = 5.0, limit: float | None = None
    ) -> None:
        self.transport = transport
        self.answer_timeout = answer_timeout
        self.limit = limit
        self._programs_limit: float | None = None  # see programs_within
        #: The longest a program's answer may go silent (``None``: until its timeout); set
        #: by callers whose programs print steadily, as sync's listing does.
        self.silence: float | None = None
        #: Buffered reads from the link with deadlines (bytes past one answer stay for the
        #: next); the sync receiver's protocol reads through it too.
        self.reader = Reader(transport)
        self._in_raw = False
        self._raw_paste: bool | None = None  # unknown until the first exec asks the board
        #: Names of helper snippets defined on the board since the last soft reset.
        self.defined: set[str] = set()
        self._idle_tail = b""  # the end of the last idle output, to see a reset split by it
        #: Ends each program that promises no frame of its own (see :meth:`exec`).
        self.end_mark = EndMark()
        #: Called each time the board has received a whole program (it may run from then
        #: on, so a lost link after it means the program may have run partly).
        self.on_sent: Callable[[], None] | None = None

    @property
    def in_raw(self) -> bool:
        """True when the board is known to wait at the raw prompt."""
        return self._in_raw

    @property
    def raw_paste(self) -> bool | None:
        """Whether this board accepts raw-paste mode (``None`` until an exec has asked)."""
        return self._raw_paste

    # -- entering and leaving ----------------------------------------------------------------

    def bounded(self, seconds: float) -> float:
        """``seconds`` within :attr:`limit` (but at least ``MIN_WAIT``)."""
        return seconds if self.limit is None else min(seconds, max(self.limit, MIN_WAIT))

    @property
    def step_timeout(self) -> float:
        """How long one protocol step may take: ``answer_timeout`` within :attr:`limit`."""
        return self.bounded(self.answer_timeout)

    @contextlib.contextmanager
    def programs_within(self, seconds: float | None) -> Iterator[None]:
        """Inside, every :meth:`exec` ends within ``seconds`` too (but at least ``MIN_WAIT``;
        ``None``: as asked), so a sync's own programs end within a Device's ``timeout``."""
        saved = self._programs_limit
        self._programs_limit = None if seconds is None else max(seconds, MIN_WAIT)
        try:
            yield
        finally:
            self._programs_limit = saved

    def enter(self, timeout: float | None = None) -> None:
        """Bring the board to the raw prompt from any state (running, ``>>>``, already raw).

        Interrupts whatever runs (Ctrl-C), drains its output and asks for the raw REPL
        (Ctrl-A), repeating the Ctrl-C while the banner does not come. Raises
        :class:`DeviceTimeoutError` naming the port when the board never answers within
        ``timeout`` (``None``: 5 s within :attr:`limit`).
        """
        timeout = self.bounded(5.0) if timeout is None else timeout
        self._in_raw = False
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            self.transport.write(b"\r\x03")
            # The banner ends whatever an interrupted program still prints, so the first try
            # only drops what has already arrived; retries wait for the link to go quiet.
            quiet = _QUIET if attempt else 0.0
            self.reader.discard(quiet, min(deadline, time.monotonic() + 0.5))
            self.transport.write(b"\r\x01")
            try:
                wait = _ATTEMPTS[min(attempt, len(_ATTEMPTS) - 1)]
                self.reader.until(BANNER, min(deadline, time.monotonic() + wait), _BANNER, drop)
                break
            except NoAnswer:
                if time.monotonic() >= deadline:
                    port = self.transport.description
                    raise DeviceTimeoutError(
                        f"no raw REPL answer from {port} within {timeout:g} s: is a MicroPython"
                        f" board connected at {port}? is another program using it?"
                    ) from None
            attempt += 1
        if attempt:
            # Earlier attempts may still deliver their banners; do not let them leak into
            # the next frame.
            self.reader.discard(0.1, time.monotonic() + 0.5)
        self._in_raw = True

    def exit_raw(self) -> None:
        """Leave the raw REPL for the friendly ``>>>`` prompt (Ctrl-B)."""
        self.transport.write(b"\x02")
        self._in_raw = False
        self.reader.buffer.clear()

    def soft_reset(
        self, *, timeout: float | None = None, output_callback: StdoutCallback | None = None
    ) -> bytes:
        """Soft-reset the board (Ctrl-D at the raw prompt) and wait for the raw prompt again,
        at most ``timeout`` s (``None``: 10 s within :attr:`limit`).

        Returns what boot.py printed (the ``soft reboot`` line removed, matched loosely since
        CircuitPython omits ``MPY: `` and localized builds translate it); ``output_callback``
        receives that output as it arrives.
        """
        if not self._in_raw:
            self.enter()
        timeout = self.bounded(10.0) if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self._in_raw = False
        with self._left_usable():
            self.transport.write(_EOT)
            try:
                # What a board thread printed before the OK is dropped, as its output after.
                await_ok(self.reader, self._step(deadline), None)
                skip_reboot_line(self.reader, deadline)
            except BoardRestarted:  # it reset the hard way meanwhile (a watchdog?): as fresh
                self.enter()
                self.defined.clear()
                return b""
            out = bytearray()

            def sink(chunk: bytes) -> None:
                out.extend(chunk)
                if output_callback is not None:
                    output_callback(chunk)

            self.reader.until(BANNER, deadline, _BANNER, sink)
        self._in_raw = True
        self.defined.clear()
        return bytes(out).removeprefix(b"\r\n")

    def run_main(self, timeout: float | None = None) -> None:
        """Soft-reset from the friendly prompt, so the board runs ``boot.py`` and ``main.py``.

        A reset at the raw prompt (:meth:`soft_reset`) skips ``main.py``. Leaves the raw REPL,
        waits up to ``timeout`` s (``None``: 5 s within :attr:`limit`) for ``>>>``, sends
        Ctrl-D and returns at once: the board now belongs to ``main.py``, so close the link.
        """
        timeout = self.bounded(5.0) if timeout is None else timeout
        self.transport.write(b"\r\x02")
        self._in_raw = False
        with contextlib.suppress(NoAnswer):  # no prompt in time: reset all the same
            self.reader.until(b">>>", time.monotonic() + timeout, "'>>>'", drop)
        self.transport.write(_EOT)
        self.reader.buffer.clear()
        self.defined.clear()

    # -- executing ---------------------------------------------------------------------------

    def exec(
        self,
        code: str | bytes,
        *,
        timeout: float | None = None,
        stdout_callback: StdoutCallback | None = None,
        paste: bool | None = None,
        promised: bool = False,
        framed: Callable[[], bool] | None = None,
        idle: StdoutCallback | None = None,
    ) -> ExecResult:
        """Run ``code`` on the board and return its stdout and error text.

        Code of up to 256 bytes goes in one plain-raw write; larger code uses raw-paste mode
        when the board supports it (asked once per connection), else paced plain raw;
        ``paste=True`` asks for raw-paste whatever the size, ``paste=False`` sends plain raw.
        ``stdout_callback`` receives stdout chunks as they arrive (and the result's ``stdout``
        is then empty: a program may print more than memory holds). ``promised``: the code
        ends by printing a result frame, and ``framed()`` says whether it came (see
        :mod:`~belay_gen.runtime.answer`); otherwise a last line is added that prints the
        connection's end mark (:mod:`~belay_gen.runtime.endmark`, never in stdout), so
        printed ``\x04`` bytes cannot end the answer early. ``idle`` takes what a board
        thread printed outside the program's output. A board reset raises
        :class:`BoardResetError`; an answer that ends without its end mark or frame, or
        more than ``MAX_OUTPUT`` bytes kept for ``stdout``, :class:`ProtocolError` (see
        :mod:`~belay_gen.runtime.answer`). After ``timeout`` seconds the board is
        interrupted, brought back to the raw prompt and :class:`DeviceTimeoutError` raised;
        a host ``KeyboardInterrupt`` is handled the same way and re-raised.
        """
        data = code.encode() if isinstance(code, str) else bytes(code)
        stdout = bytearray()
        sink = stdout_callback or collector(stdout, self.transport.description)
        marks = None if promised else self.end_mark.watch(sink)
        if marks is not None:
            data, sink, framed = self.end_mark.append_to(data), marks.feed, marks.done
        # Code that fits one plain-raw chunk goes in one write with no pacing, which saves
        # raw-paste's extra handshake round trip; larger code uses raw-paste flow control.
        if paste is None:
            paste = len(data) > PLAIN_CHUNK and self._raw_paste is not False
        ending = Ending(True, framed or never, idle)
        error = self._exec(data, timeout, sink, paste=paste, ending=ending)
        if marks is not None:
            marks.close()
        return ExecResult(bytes(stdout), error)

    def exec_or_raise(
        self,
        code: str | bytes,
        *,
        timeout: float | None = None,
        stdout_callback: StdoutCallback | None = None,
    ) -> bytes:
        """Run ``code`` and return its stdout; raise :class:`PyboardException` if it raised."""
        result = self.exec(code, timeout=timeout, stdout_callback=stdout_callback)
        if not result.ok:
            raise board_exception(result.error)
        return result.stdout

    def eval(self, expression: str, *, timeout: float | None = None) -> object:
        """Evaluate ``expression`` on the board and return its value, which must be a literal.

        >>> repl.eval("1 + 1")
        2
        """
        text = self.exec_or_raise(f"print(repr({expression}))", timeout=timeout)
        reply = text.decode("utf-8", "replace").strip()
        try:
            return ast.literal_eval(reply)
        except (ValueError, SyntaxError):
            raise ResultNotLiteralError(
                f"{expression!r} evaluated to {reply[:80]!r} on the board, which is not a"
                " Python literal; return numbers, strings, bytes, or lists/dicts of them"
            ) from None

    def _exec(
        self,
        data: bytes,
        timeout: float | None,
        sink: StdoutCallback,
        *,
        paste: bool,
        ending: Ending,
    ) -> str:
        if b"\x03" in data or b"\x04" in data:
            raise ValueError(
                "code contains a raw Ctrl-C/Ctrl-D byte, which the raw REPL cannot carry"
            )
        # An empty raw buffer + Ctrl-D means "soft reset" to the board, so never send one.
        data = data or b"\n"
        if not self._in_raw:
            self.enter()
        cap = self._programs_limit
        if cap is not None:
            timeout = cap if timeout is None else min(timeout, cap)
        deadline = None if timeout is None else time.monotonic() + timeout
        self._in_raw = False
        with self._left_usable():
            self._send(data, deadline, ending.idle, paste=paste)
            error = read_answer(
                self.reader,
                deadline,
                sink,
                promised=ending.promised,
                framed=ending.framed,
                idle=ending.idle,
                silence=self.silence,
            )
        self._in_raw = True
        return error.decode("utf-8", "replace")

    def drain_idle(self, sink: StdoutCallback | None) -> bool:
        """Pass what the board printed since the last answer (a board thread, a timer) to
        ``sink``; True when it shows that the board reset (the session must be rebuilt)."""
        data = read_waiting(self.reader)
        self._idle_tail = data[-64:]
        if data and sink is not None:
            sink(data)
        if data and (shows_reset(data) or b"soft reboot" in data):
            self._in_raw = False
            self.defined.clear()
            return True
        return False

    def _send(
        self, code: bytes, deadline: float | None, idle: StdoutCallback | None, *, paste: bool
    ) -> None:
        """Upload ``code`` (see :func:`~belay_gen.runtime.paste.send_program`)."""
        before, self._idle_tail = self._idle_tail, b""
        step = functools.partial(self._step, deadline)
        accepted = send_program(self.reader, code, step, idle, before, self.on_sent, paste=paste)
        if accepted is not None:  # plain raw from now on when the board refused
            self._raw_paste = accepted

    # -- recovery ----------------------------------------------------------------------------

    def _timed_out(self, what: str, waited: float) -> DeviceTimeoutError:
        port = self.transport.description
        limit = f" within {waited:.2g} s" if waited < 10 else f" within {waited:.0f} s"
        try:
            self.enter()
        except DeviceTimeoutError:
            return DeviceTimeoutError(
                f"{port}: no answer{limit} while waiting for {what}, and no answer to Ctrl-C;"
                " reset the board (unplug it or press its reset button)"
            )
        return DeviceTimeoutError(
            f"{port}: no answer{limit} while waiting for {what}; the code was interrupted"
            " (Ctrl-C) and the board is back at the raw REPL"
        )

    @contextlib.contextmanager
    def _left_usable(self) -> Iterator[None]:
        """Around one exchange with the board: a silent board becomes DeviceTimeoutError
        (after Ctrl-C brought it back), and any other failure on our side (host Ctrl-C, a
        callback that raises, a ProtocolError) leaves the board at a usable prompt."""
        started = time.monotonic()
        try:
            yield
        except NoAnswer as exc:
            raise self._timed_out(exc.what, time.monotonic() - started) from None
        except BoardRestarted:
            raise self.restarted() from None
        except (ConnectionLost, DeviceTimeoutError):
            raise  # the link itself failed (gone, or not taking data): nothing to recover
        except BaseException:
            self._recover_after_error()
            raise

    def restarted(self) -> BoardResetError:
        """The error for a board that reset during an exchange; its state is forgotten."""
        self._in_raw = False
        self.defined.clear()
        return BoardResetError(
            f"{self.transport.description} reset while the call ran (boot text and a fresh"
            " prompt arrived); the call may have run partly and was not run again"
        )

    def _recover_after_error(self) -> None:
        # The original error is the one to report; if this fails, the next call re-enters.
        with contextlib.suppress(DeviceTimeoutError, ConnectionLost):
            self.enter()

    # -- reading -----------------------------------------------------------------------------

    def _step(self, deadline: float | None) -> float:
        """Deadline of one protocol step: ``step_timeout`` from now, within ``deadline``."""
        step = time.monotonic() + self.step_timeout
        return step if deadline is None else min(step, deadline)
