"""Where a raw-REPL answer ends, when the program may print anything.

The board answers a program with ``stdout \\x04 error \\x04 >`` and does not escape a
``\\x04`` the program prints (MicroPython's ``pyexec`` writes output as is). So every
``\\x04`` in stdout is only a *candidate* end; what follows it is kept back (at most
``MAX_ERROR`` bytes) until the next ``\\x04`` decides:

- After the program's last frame (a result, or the end frame the session appends to code
  that returns nothing; both carry the connection's nonce, so printed data cannot forge
  them), the first ``\\x04`` is the end, and text before the prompt that is no exception is
  what a board thread printed meanwhile.
- Before it, only ``\\x04 E \\x04>`` with ``E`` an exception (``Traceback (most recent call
  last):`` ...) ends the answer; any other ``\\x04`` is data.
- A program run by :meth:`~belay_gen.runtime.repl.RawRepl.exec` ends by printing the
  connection's end mark (:mod:`~belay_gen.runtime.endmark`), which counts as its last frame.
  Without any (``promised=False``) the first ``\\x04 E \\x04>`` ends the answer.
- Inside a binary frame (a bytes-like result: a length, then raw bytes) every byte is data:
  ``framed`` may say how many are still due (``binary_left``, as the session's
  :class:`~belay_gen.runtime.output.LineRouter` does), and those pass to ``sink`` unread.

A board that resets while the host waits prints its boot text and a fresh prompt;
:class:`BoardRestarted` reports it, so the session is rebuilt instead of waiting forever.

An *apparent end* (``\\x04 text \\x04>`` before the last frame or end mark came) is data,
but it is also what a damaged answer (a bit flipped in the frame) or a board that does not
run our code looks like. So when the link then stays quiet for ``QUIET`` s, the host asks the
board once (:class:`EndCheck`): Ctrl-A, which the raw prompt answers with its banner. The
banner means the program is over and its last frame was lost: :class:`ProtocolError`, with
the board at its raw prompt. No banner within ``PROBE_WAIT`` s means the program still runs
(it printed those bytes): the wait goes on, and the banner the Ctrl-A brings once the program
ends is taken out of the next output. Ctrl-A is the mildest question: a program that still
runs and reads stdin gets one ``\\x01`` byte (the price of never waiting out the deadline
for a dead answer); one that does not read stdin never sees it.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from belay_gen.errors import ProtocolError
from belay_gen.runtime.transport.reader import NoAnswer, Reader

_EOT = 0x04
_TRACEBACK = b"Traceback (most recent call last):"
_EXCEPTION_LINE = re.compile(
    rb"[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Iteration|Warning)(:.*)?\r?$"
)
#: Output taken between programs at most per call (a board thread printing without pause).
MAX_IDLE = 1 << 20
#: Output kept of a program whose output is returned whole (see :func:`collector`).
MAX_OUTPUT = 16 * 1024 * 1024
#: Error text kept back after a candidate end; a longer one is passed on as stdout.
MAX_ERROR = 256 * 1024
#: What a board prints when it comes back from a reset at a prompt.
RESET_SIGNS = (
    b"raw REPL; CTRL-B to exit\r\n>",
    b"for more information.\r\n>>> ",
)
_TAIL = max(len(sign) for sign in RESET_SIGNS)
#: The raw REPL's banner: its answer to Ctrl-A at the raw prompt.
BANNER = RESET_SIGNS[0]
#: Silence after an apparent end that makes the host ask whether the program is over.
QUIET = 0.5
#: How long the board at its raw prompt has to answer that question with its banner.
PROBE_WAIT = 1.0
_PROBE_READ = 4096  # output after the question without the banner: the program still runs


@dataclass(frozen=True)
class ExecResult:
    """What one raw-REPL execution printed: ``stdout`` bytes and the ``error`` traceback text."""

    stdout: bytes
    error: str

    @property
    def ok(self) -> bool:
        """True when the code raised no exception on the board."""
        return not self.error


@dataclass(frozen=True)
class Ending:
    """How the answer to one program ends (the arguments of :func:`read_answer`)."""

    promised: bool
    framed: Callable[[], bool]
    idle: Callable[[bytes], None] | None


def never() -> bool:
    """A ``framed`` for programs that print no frame."""
    return False


class BoardRestarted(Exception):
    """The board printed its boot text and a fresh prompt: all its state is gone."""


def shows_reset(data: bytes | bytearray) -> bool:
    """True when ``data`` holds what a board prints after a reset, ending at its prompt."""
    return any(sign in data for sign in RESET_SIGNS)


def is_error(text: bytes) -> bool:
    """True when ``text`` is an exception as the raw REPL prints one (a board thread's output
    may come before it): a traceback, or a last line such as ``MemoryError: ...``."""
    if not text.endswith(b"\n"):
        return False
    if _TRACEBACK in text:
        return True
    lines = [line for line in text.split(b"\n") if line.strip()]
    return bool(lines) and _EXCEPTION_LINE.match(lines[-1]) is not None


def read_answer(
    reader: Reader,
    deadline: float | None,
    sink: Callable[[bytes], None],
    *,
    promised: bool = False,
    framed: Callable[[], bool] = lambda: False,
    idle: Callable[[bytes], None] | None = None,
    silence: float | None = None,
) -> bytes:
    """Read a program's answer through the final ``>``: stdout goes to ``sink`` as it
    arrives; returns the error text (empty when the program raised nothing).

    ``promised``: the program ends by printing a result frame; ``framed()`` says whether it
    came. Bytes a board thread printed between the end of stdout and the prompt go to
    ``idle``. ``silence``: the longest the board may say nothing (``None``: until
    ``deadline``). Raises :class:`~belay_gen.runtime.transport.reader.NoAnswer` at ``deadline``,
    :class:`BoardRestarted` when the board reset meanwhile and :class:`ProtocolError` when
    the board ended the answer without the promised frame (see :class:`EndCheck`).
    """
    buf = reader.buffer
    if buf.endswith(b"\x04\x04>") and buf.count(b"\x04") == 2:
        # The whole answer of a program that raised nothing is here (the common case): if its
        # last frame is in it, this is the end; if not, the general path below decides.
        out = bytes(buf[:-3])
        del buf[:-3]
        if out:
            sink(out)
        if framed() or not promised:
            buf.clear()
            return b""
    check = EndCheck(reader, deadline, silence)
    tail = b""
    while True:
        raw = _binary_left(framed)
        if raw:  # a binary frame's bytes: data, whatever they hold
            if not buf:
                check.fill("the rest of a binary result")
                continue
            out = bytes(buf[:raw])
            del buf[:raw]
            tail = b""
            sink(out)
            continue
        cut = buf.find(_EOT)
        out = bytes(buf if cut < 0 else buf[:cut])
        if out:
            del buf[: len(out)]
            tail = (tail + out)[-_TAIL:] if len(out) < _TAIL else out[-_TAIL:]
            sink(out)
            # A board back from a reset ends its output at a prompt: ">" or ">>> ".
            if b">" in out[-4:] and shows_reset(tail):
                raise BoardRestarted
        if cut < 0:
            check.fill("the end of the program's output")
            continue
        verdict = _judge(buf, promised, framed)
        if verdict is None:  # undecided: the bytes after the candidate have not come yet
            if shows_reset(buf):
                raise BoardRestarted
            # "\x04>" is the end of an answer whose error text was too long to keep back.
            check.apparent = check.apparent or buf.startswith(b"\x04>")
            check.fill("the end of the program's output")
            continue
        if verdict < 0:  # printed data: pass the \x04 on, look at what follows
            check.apparent = check.apparent or _looks_like_end(buf)
            del buf[:1]
            tail = b""
            sink(b"\x04")
            continue
        error = bytes(buf[1:verdict])
        del buf[: verdict + 1]
        rest = reader.until(b">", deadline, "the raw REPL prompt")
        if not is_error(error):  # what a board thread printed after the program's output
            rest, error = error + rest, b""
        if rest and idle is not None:
            idle(rest)
        check.settle(idle)
        return error


class EndCheck:
    """The waits of one answer, with the question an apparent end may raise (see above):
    :meth:`fill` asks it once the link was ``QUIET`` s silent after one."""

    def __init__(
        self, reader: Reader, deadline: float | None, silence: float | None = None
    ) -> None:
        self.reader = reader
        self.deadline = deadline
        self.silence = silence
        #: An apparent end (``\\x04 text \\x04>``) passed as data.
        self.apparent = False
        #: The question went out (once per answer) and the board did not answer it.
        self.asked = False

    def fill(self, what: str) -> None:
        """Wait for more of the answer (``reader.fill``), asking the board at a quiet link."""
        if self.apparent and not self.asked:
            quiet = time.monotonic() + QUIET
            if self.deadline is None or quiet < self.deadline:
                try:
                    self.reader.fill(quiet, what)
                except NoAnswer:
                    self._ask()
                return
        self.reader.fill(self._until(), what)

    def _until(self) -> float | None:
        """The answer's deadline, or sooner when the board may be silent only so long."""
        if self.silence is None:
            return self.deadline
        quiet = time.monotonic() + self.silence
        return quiet if self.deadline is None else min(quiet, self.deadline)

    def _ask(self) -> None:
        """Ctrl-A: the banner alone means the board is at its raw prompt (the program is
        over); output, or the real end of the answer before it, that the program still ran."""
        self.asked = True
        reader, buf = self.reader, self.reader.buffer
        start = len(buf)  # only what comes after the question can answer it
        reader.transport.write(b"\x01")
        until = time.monotonic() + PROBE_WAIT
        if self.deadline is not None:
            until = min(until, self.deadline)
        while True:
            at = buf.find(BANNER, start)
            if at >= 0 and _EOT not in buf[start:at]:
                break  # the banner alone: the board was at its prompt
            if _EOT in buf[start:] or len(buf) - start > _PROBE_READ:
                return  # the program still ran: it ends now (the banner follows) or prints
            try:
                reader.fill(until, "the raw REPL banner")
            except NoAnswer:
                return
        del buf[: at + len(BANNER)]
        port = reader.transport.description
        raise ProtocolError(
            f"{port} ended a program's answer without its end mark or result frame: the answer"
            " was damaged on the way (line noise, a loose cable?) or the board does not run"
            " the code as MicroPython does; the board is back at its raw REPL"
        )

    def settle(self, idle: Callable[[bytes], None] | None) -> None:
        """After the answer ended: take the banner that an unanswered question brings (the
        board read the Ctrl-A at its prompt), so it is not taken for a reset later."""
        if self.asked:
            step = time.monotonic() + PROBE_WAIT
            with contextlib.suppress(NoAnswer):  # no banner: the program read the Ctrl-A
                self.reader.until(BANNER, step, "the raw REPL banner", idle or drop)


def _looks_like_end(buf: bytearray) -> bool:
    """True when ``buf`` starts with ``\\x04 text \\x04>``: the raw REPL's end, in form."""
    second = buf.find(_EOT, 1)
    return 0 < second < len(buf) - 1 and buf[second + 1] == ord(">")


def drop(data: bytes) -> None:
    """A sink for bytes nobody reads (what a board printed while being interrupted)."""


def _binary_left(framed: Callable[[], bool]) -> int:
    """Raw bytes of a binary frame still due, when ``framed`` counts them (else 0)."""
    left = getattr(framed, "binary_left", 0)
    return left if isinstance(left, int) else 0


def _judge(buf: bytearray, promised: bool, framed: Callable[[], bool]) -> int | None:
    """For ``buf`` starting at a candidate ``\\x04``: the index of the ``\\x04`` that ends
    the error text when this is the end, -1 when it is printed data, None when undecided."""
    second = buf.find(_EOT, 1)
    if (second if second >= 0 else len(buf)) > MAX_ERROR:
        return -1
    if second < 0 or second + 1 >= len(buf):
        return None
    done = framed()  # the program printed its frame, so it finished
    if not done and buf[second + 1] != ord(">"):
        return -1
    if done or not promised:
        return second
    return second if is_error(bytes(buf[1:second])) else -1


def skip_reboot_line(reader: Reader, deadline: float | None) -> None:
    """Consume a soft reset's answer up to its ``soft reboot`` line (matched loosely:
    CircuitPython omits ``MPY: ``, translations differ), or nothing when the banner comes
    first; boot text ending at the friendly prompt raises :class:`BoardRestarted`."""
    buf = reader.buffer
    while BANNER not in buf:
        reboot = buf.find(b"soft reboot")
        end = buf.find(b"\n", reboot) if reboot >= 0 else -1
        if end >= 0:
            del buf[: end + 1]
            return
        if shows_reset(buf):  # at the friendly prompt
            raise BoardRestarted
        reader.fill(deadline, "the board's soft reboot")


def collector(into: bytearray, port: str) -> Callable[[bytes], None]:
    """A sink that keeps a program's whole output in ``into``: more than ``MAX_OUTPUT``
    bytes (a board that floods, not a program's answer) raises :class:`ProtocolError`."""

    def keep(chunk: bytes) -> None:
        into.extend(chunk)
        if len(into) > MAX_OUTPUT:
            raise ProtocolError(
                f"{port} printed more than {MAX_OUTPUT >> 20} MB for a program whose output"
                " is returned whole (a board that floods its output?); pass stdout_callback"
                " to take more"
            )

    return keep


def read_waiting(reader: Reader) -> bytes:
    """What has arrived and nobody read (at most about ``MAX_IDLE`` bytes), without waiting."""
    data = bytes(reader.buffer)
    reader.buffer.clear()
    while len(data) < MAX_IDLE and (more := reader.transport.read(0)):
        data += more
    return data
