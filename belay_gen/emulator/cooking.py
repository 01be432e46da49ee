"""Cooked console output, as a real board sends it, with binary writes passed through.

On a real board ``print`` and ``sys.stdout.write`` go through ``mp_hal_stdout_tx_strn_cooked``,
so every ``\\n`` leaves as ``\\r\\n`` in the raw REPL too, while ``sys.stdout.buffer.write``
(``stdio_buffer_write``) sends bytes unchanged. The unix port sends everything bare, so the
relay cooks its output and the board firmware frames each binary write as
``ESC [bin:NONCE:LENGTH]`` followed by the bytes; :class:`Cooker` passes those through as they are.
The nonce is random per board, so printed text cannot forge a frame.
"""

from __future__ import annotations

import re

_HEAD_END = b"]"
_MAX_DIGITS = 12


class Cooker:
    """Turns the VM's output stream into the bytes a real board's console would send."""

    def __init__(self, nonce: str) -> None:
        self._prefix = b"\x1b[bin:" + nonce.encode() + b":"
        self._head = re.compile(re.escape(self._prefix) + rb"(\d{1,%d})\]" % _MAX_DIGITS)
        self._binary_left = 0  # bytes of a binary frame still to pass through
        self._held = b""  # the start of what may be a frame header, waiting for the rest
        self._last_cr = False

    @property
    def holding(self) -> bool:
        """True while the end of the output may be the start of a frame header."""
        return bool(self._held)

    def feed(self, data: bytes) -> bytes:
        """The client's bytes for ``data``; a possible partial header is held back."""
        data = self._held + data
        self._held = b""
        out = bytearray()
        while data:
            if self._binary_left:
                take = data[: self._binary_left]
                self._binary_left -= len(take)
                out += take
                self._last_cr = take.endswith(b"\r")
                data = data[len(take) :]
                continue
            at = data.find(self._prefix[:1])
            while at >= 0:
                match = self._head.match(data, at)
                if match is not None or _could_start(self._prefix, data[at:]):
                    break
                at = data.find(self._prefix[:1], at + 1)
            if at < 0:
                out += self._cook(data)
                break
            out += self._cook(data[:at])
            match = self._head.match(data, at)
            if match is None:  # a header cut short by the read: wait for the rest
                self._held = data[at:]
                break
            self._binary_left = int(match.group(1))
            data = data[match.end() :]
        return bytes(out)

    def flush(self) -> bytes:
        """Give up waiting: what was held back was text after all."""
        held, self._held = self._held, b""
        return self._cook(held)

    def reset(self) -> None:
        """A new VM: no frame is in progress."""
        self._binary_left = 0
        self._held = b""

    def _cook(self, data: bytes) -> bytes:
        if not data:
            return data
        cooked, self._last_cr = cook(data, self._last_cr)
        return cooked


def _could_start(prefix: bytes, tail: bytes) -> bool:
    """True if ``tail`` (the end of the data) may still grow into a frame header."""
    if len(tail) <= len(prefix):
        return prefix.startswith(tail)
    if not tail.startswith(prefix):
        return False
    digits = tail[len(prefix) :]
    return len(digits) <= _MAX_DIGITS and digits.isdigit()


def cook(data: bytes, last_cr: bool) -> tuple[bytes, bool]:
    """Turn lone ``\\n`` into ``\\r\\n``; ``last_cr``: the previous chunk ended with ``\\r``."""
    if not data:
        return data, last_cr
    head = b""
    rest = data
    if last_cr and rest.startswith(b"\n"):
        head, rest = b"\n", rest[1:]
    return head + rest.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), data.endswith(b"\r")


_UNIX_BANNER = re.compile(rb'MicroPython [^\r\n]*\r\nType "help\(\)" for more information\.\r\n')


class BannerRewriter:
    """Shows ``banner`` in place of the unix port's friendly-REPL banner (cooked output)."""

    def __init__(self, banner: bytes) -> None:
        self._banner = banner
        self._held = b""  # what may be the start of a banner cut by a read

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def feed(self, out: bytes) -> bytes:
        out = _UNIX_BANNER.sub(lambda _: self._banner, self._held + out)
        self._held = b""
        at = out.rfind(b"MicroPython ")
        if at >= 0 and len(out) - at < 200 and b">>> " not in out[at:]:
            out, self._held = out[:at], out[at:]
        return out

    def flush(self) -> bytes:
        held, self._held = self._held, b""
        return held
