"""How the board takes a program: plain raw's ``OK``, and raw-paste upload (MicroPython
>= 1.14), where code goes in windows the board grants.

For raw-paste the host asks with ``\\x05A\\x01``; the board answers ``R\\x01`` and a window
of ``window`` bytes (or ``R\\x00``: not supported; an old board prints a fresh raw banner
instead). Each ``\\x01`` it sends grants another window, a ``\\x04`` means it stopped
reading (e.g. a syntax error). So a board's small input buffer never overflows.

A board thread (or a timer) may print at any moment, the handshake and the upload included:
text that is no part of the protocol goes to ``idle``, and boot text with a fresh prompt (the
board reset meanwhile) raises :class:`~belay_gen.runtime.answer.BoardRestarted`. ``before``
is the end of what the host took as idle output just earlier, so a prompt split between the
two is still seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from belay_gen.errors import ProtocolError
from belay_gen.runtime.answer import BoardRestarted, shows_reset
from belay_gen.runtime.transport.reader import NoAnswer, Reader

_EOT = b"\x04"
PLAIN_CHUNK = 256  # plain raw pacing, as pyboard.py: 256 bytes ...
_PLAIN_PAUSE = 0.01  # ... every 10 ms, so a board's UART buffer never overflows
#: The answers to the raw-paste request: supported, not supported, an old board's banner.
ACCEPTED = b"R\x01"
REFUSED = b"R\x00"
OLD_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
_ANSWERS = (ACCEPTED, REFUSED, OLD_BANNER)
_KEEP = len(OLD_BANNER) - 1  # what may be the start of an answer, kept back from ``idle``

Idle = Callable[[bytes], None] | None


def send_program(
    reader: Reader,
    code: bytes,
    step: Callable[[], float | None],
    idle: Idle,
    before: bytes,
    sent: Callable[[], None] | None,
    *,
    paste: bool,
) -> bool | None:
    """Upload ``code`` in raw-paste mode if ``paste``, else (or when the board refuses or is
    too old) in plain raw; return whether the board accepted raw-paste (``None``: not asked)."""
    if not paste:
        send_plain(reader, code, step, idle, before, sent)
        return None
    answer, window = handshake(reader, step(), idle, before)
    if answer == ACCEPTED:
        upload(reader, code, window, step, idle, sent)
        return True
    send_plain(reader, code, step, idle, before, sent)
    return False


def send_plain(
    reader: Reader,
    code: bytes,
    step: Callable[[], float | None],
    idle: Idle = None,
    before: bytes = b"",
    sent: Callable[[], None] | None = None,
) -> None:
    """Send ``code`` and its end in plain raw mode, paced, and consume the board's ``OK``;
    ``sent()`` is called once the end is written (from then on the board may run the code)."""
    transport = reader.transport
    last = len(code) - PLAIN_CHUNK
    for start in range(0, len(code), PLAIN_CHUNK):
        chunk = code[start : start + PLAIN_CHUNK]
        if start >= last:
            transport.write(chunk + _EOT)
        else:
            transport.write(chunk)
            time.sleep(_PLAIN_PAUSE)
    if sent is not None:
        sent()
    await_ok(reader, step(), idle, before)


def await_ok(reader: Reader, deadline: float | None, idle: Idle, before: bytes = b"") -> None:
    """Consume the board's ``OK`` to a program (plain raw); what a board thread printed
    before it goes to ``idle``."""
    buf = reader.buffer
    if buf.startswith(b"OK"):  # the common case
        del buf[:2]
        return
    seen = bytearray(before)
    while (at := buf.find(b"OK")) < 0:
        keep = 1 if buf.endswith(b"O") else 0  # a prompt never ends in "O": checked whole
        _pass_idle(bytes(buf[: len(buf) - keep]), seen, idle)
        del buf[: len(buf) - keep]
        reader.fill(deadline, "'OK'")
    _pass_idle(bytes(buf[:at]), seen, idle)
    del buf[: at + 2]


def handshake(
    reader: Reader, deadline: float | None, idle: Idle, before: bytes = b""
) -> tuple[bytes, int]:
    """Ask for raw-paste mode; return the board's answer (one of ``ACCEPTED``, ``REFUSED``,
    ``OLD_BANNER``) and, when accepted, the window size. What a board thread printed before
    the answer goes to ``idle``."""
    reader.transport.write(b"\x05A\x01")
    buf = reader.buffer
    seen = bytearray(before)  # the idle output so far (its end), to notice a reset
    while True:
        found = [(at, answer) for answer in _ANSWERS if (at := buf.find(answer)) >= 0]
        if found:
            at, answer = min(found)
            _pass_idle(bytes(buf[:at]), seen, idle)
            del buf[: at + len(answer)]
            if answer == OLD_BANNER and b"soft reboot" in seen:
                raise BoardRestarted  # not an old board: one that just soft-reset
            if answer != ACCEPTED:
                return answer, 0
            window = int.from_bytes(reader.take(2, deadline, "the raw-paste window size"), "little")
            if not window:  # no byte could ever be sent
                port = reader.transport.description
                raise ProtocolError(f"{port} granted a raw-paste window of 0 bytes")
            return answer, window
        if len(buf) > _KEEP:
            _pass_idle(bytes(buf[:-_KEEP]), seen, idle)
            del buf[:-_KEEP]
        if shows_reset(bytes(seen) + buf):  # a prompt in what is kept back: no answer comes
            raise BoardRestarted
        try:
            reader.fill(deadline, "the raw-paste answer")
        except NoAnswer:
            _pass_idle(bytes(buf), seen, idle)
            buf.clear()
            raise


def upload(
    reader: Reader,
    code: bytes,
    window: int,
    step: Callable[[], float | None],
    idle: Idle = None,
    sent: Callable[[], None] | None = None,
) -> None:
    """Send ``code`` and its end within the granted windows; return once the board has
    acknowledged the end. ``step()`` is the deadline of each wait for the board; ``sent()``
    is called once the end is written (from then on the board may run the code)."""
    transport = reader.transport
    seen = bytearray()
    remain, pos = window, 0
    while pos < len(code):
        # Count the grants (\x01) already here; block for one only when out of window.
        while remain == 0 or reader.buffer:
            if not reader.buffer:
                reader.fill(step(), "a raw-paste window grant")
            flag = _next_flag(reader, seen, idle, uploading=True)
            if flag == 1:
                remain += window
            elif flag == 4:  # the board stopped reading (e.g. a syntax error): confirm
                transport.write(_EOT)
                return
        chunk = code[pos : pos + remain]
        pos += len(chunk)
        remain -= len(chunk)
        transport.write(chunk + _EOT if pos >= len(code) else chunk)
    if sent is not None:
        sent()
    while True:  # the board acknowledges the end with \x04 (grants may come first)
        if not reader.buffer:
            reader.fill(step(), "the raw-paste end acknowledgement")
        if _next_flag(reader, seen, idle, uploading=False) == 4:
            return  # the program's output follows at once


def _next_flag(reader: Reader, seen: bytearray, idle: Idle, *, uploading: bool) -> int:
    """The next flow-control byte (``\\x01`` or ``\\x04``) in the buffer, 0 when there is
    none yet; the printed text before it goes to ``idle``.

    While ``uploading``, the board sends a ``\\x04`` (it stopped reading) alone and then
    waits for the host's, so a ``\\x04`` with printed text right beside it is a board
    thread's output, not a flag.
    """
    buf = reader.buffer
    at = 0
    while at < len(buf):
        if buf[at] == 1 or (buf[at] == 4 and not (uploading and _amid_text(buf, at))):
            break
        at += 1
    if at:
        _pass_idle(bytes(buf[:at]), seen, idle)
        del buf[:at]
    if not buf:
        return 0
    flag = buf[0]
    del buf[0]
    return flag


def _pass_idle(data: bytes, seen: bytearray, idle: Idle) -> None:
    if not data:
        return
    seen.extend(data)
    reset = shows_reset(seen)
    del seen[: -2 * len(OLD_BANNER)]  # enough to see a prompt split across two reads
    if reset:
        raise BoardRestarted
    if idle is not None:
        idle(data)


def _amid_text(buf: bytearray, at: int) -> bool:
    """True when the byte at ``at`` has printed text (not a flow-control byte) beside it."""
    flags = (1, 4)
    return (at > 0 and buf[at - 1] not in flags) or (at + 1 < len(buf) and buf[at + 1] not in flags)
