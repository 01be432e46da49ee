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
- A program that promises no frame (the raw REPL's own users: ``belay-gen exec``, sync)
  ends at the first ``\\x04 E \\x04>``. Limit: such a program that prints ``\\x04``, text,
  then ``\\x04>`` ends its answer there.
- Inside a binary frame (a bytes-like result: a length, then raw bytes) every byte is data:
  ``framed`` may say how many are still due (``binary_left``, as the session's
  :class:`~belay_gen.runtime.output.LineRouter` does), and those pass to ``sink`` unread.

A board that resets while the host waits prints its boot text and a fresh prompt;
:class:`BoardRestarted` reports it, so the session is rebuilt instead of waiting forever.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from belay_gen.runtime.transport.reader import Reader

_EOT = 0x04
_TRACEBACK = b"Traceback (most recent call last):"
_EXCEPTION_LINE = re.compile(
    rb"[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Iteration|Warning)(:.*)?\r?$"
)
#: Output taken between programs at most per call (a board thread printing without pause).
MAX_IDLE = 1 << 20
#: Error text kept back after a candidate end; a longer one is passed on as stdout.
MAX_ERROR = 256 * 1024
#: What a board prints when it comes back from a reset at a prompt.
RESET_SIGNS = (
    b"raw REPL; CTRL-B to exit\r\n>",
    b"for more information.\r\n>>> ",
)
_TAIL = max(len(sign) for sign in RESET_SIGNS)


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
) -> bytes:
    """Read a program's answer through the final ``>``: stdout goes to ``sink`` as it
    arrives; returns the error text (empty when the program raised nothing).

    ``promised``: the program ends by printing a result frame; ``framed()`` says whether it
    came. Bytes a board thread printed between the end of stdout and the prompt go to
    ``idle``. Raises :class:`~belay_gen.runtime.transport.reader.NoAnswer` at ``deadline``
    and :class:`BoardRestarted` when the board reset meanwhile.
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
    tail = b""
    while True:
        raw = _binary_left(framed)
        if raw:  # a binary frame's bytes: data, whatever they hold
            if not buf:
                reader.fill(deadline, "the rest of a binary result")
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
            reader.fill(deadline, "the end of the program's output")
            continue
        verdict = _judge(buf, promised, framed)
        if verdict is None:  # undecided: the bytes after the candidate have not come yet
            if shows_reset(buf):
                raise BoardRestarted
            reader.fill(deadline, "the end of the program's output")
            continue
        if verdict < 0:  # printed data: pass the \x04 on, look at what follows
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
        return error


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


def await_ok(reader: Reader, deadline: float | None, idle: Callable[[bytes], None] | None) -> None:
    """Consume the board's ``OK`` to a program; what a board thread printed before it goes to
    ``idle``, and boot text with a fresh prompt raises :class:`BoardRestarted`."""
    if reader.buffer.startswith(b"OK"):  # the common case, without a closure
        del reader.buffer[:2]
        return
    seen = bytearray()

    def junk(data: bytes) -> None:
        seen.extend(data)
        del seen[: -2 * _TAIL]
        if shows_reset(seen):
            raise BoardRestarted
        if idle is not None:
            idle(data)

    reader.until(b"OK", deadline, "'OK'", junk)


def read_waiting(reader: Reader) -> bytes:
    """What has arrived and nobody read (at most about ``MAX_IDLE`` bytes), without waiting."""
    data = bytes(reader.buffer)
    reader.buffer.clear()
    while len(data) < MAX_IDLE and (more := reader.transport.read(0)):
        data += more
    return data
