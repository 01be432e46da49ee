"""Raw-paste upload (MicroPython >= 1.14): code goes in windows the board grants.

After the handshake (``RawRepl`` does it) the board announced a window of ``window`` bytes;
each ``\\x01`` it sends grants another, a ``\\x04`` means it stopped reading (e.g. a syntax
error). So a board's small input buffer never overflows.
"""

from __future__ import annotations

from collections.abc import Callable

from belay_gen.errors import ProtocolError
from belay_gen.runtime.transport.reader import Reader

_EOT = b"\x04"


def upload(reader: Reader, code: bytes, window: int, step: Callable[[], float | None]) -> None:
    """Send ``code`` and its end within the granted windows; return once the board has
    acknowledged the end. ``step()`` is the deadline of each wait for the board."""
    transport = reader.transport
    remain, pos = window, 0
    while pos < len(code):
        # Count the grants (\x01) already here; block for one only when out of window.
        while remain == 0 or reader.buffer:
            if not reader.buffer:
                reader.fill(step(), "a raw-paste window grant")
            flag = reader.buffer[0]
            del reader.buffer[0]
            if flag == 1:
                remain += window
            elif flag == 4:  # the board stopped reading (e.g. a syntax error): confirm
                transport.write(_EOT)
                return
            else:
                raise ProtocolError(f"unexpected byte {flag:#04x} during raw-paste upload")
        chunk = code[pos : pos + remain]
        pos += len(chunk)
        remain -= len(chunk)
        transport.write(chunk + _EOT if pos >= len(code) else chunk)
    while True:  # the board acknowledges the end with \x04 (grants may come first)
        flag = reader.take(1, step(), "the raw-paste end acknowledgement")[0]
        if flag == 4:
            return
        if flag != 1:
            raise ProtocolError(f"unexpected byte {flag:#04x} ending the raw-paste upload")
