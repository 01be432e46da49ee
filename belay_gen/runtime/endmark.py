"""The end mark of a plain raw-REPL program: what makes its end unforgeable.

The board ends every answer with ``\\x04 error \\x04 >`` and does not escape a ``\\x04`` the
program prints, so printed data (bytes read from a UART) could end an answer early. A program
run by :meth:`~belay_gen.runtime.repl.RawRepl.exec` therefore prints a mark last: text with a
per-connection nonce, which printed data cannot know. Until the mark came, only an exception
ends the answer (:mod:`~belay_gen.runtime.answer`). :class:`EndMark` adds the statement to the
code and takes the mark back out of the output before anyone sees it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable


class EndMark:
    """One connection's end mark; :meth:`watch` filters one program's output."""

    def __init__(self) -> None:
        self.text = f"_BELAYX{secrets.token_hex(8)}".encode()
        #: The statement a program ends with (a line of its own, after the code).
        self.statement = f'print("{self.text.decode()}",end="")\n'

    def append_to(self, code: bytes) -> bytes:
        """``code`` followed by the statement that prints the mark."""
        if code and not code.endswith(b"\n"):
            code += b"\n"
        return code + self.statement.encode()

    def watch(self, sink: Callable[[bytes], None]) -> MarkFilter:
        """A filter that passes a program's output to ``sink`` without the mark."""
        return MarkFilter(self.text, sink)


class MarkFilter:
    """Feeds output chunks to a sink, keeping back what may be the start of the mark;
    :attr:`seen` once the mark passed (the program finished)."""

    def __init__(self, mark: bytes, sink: Callable[[bytes], None]) -> None:
        self._mark = mark
        self._sink = sink
        self._held = b""
        self.seen = False

    def feed(self, chunk: bytes) -> None:
        if self.seen:  # after the mark: a board thread's output, before the end of the answer
            self._sink(chunk)
            return
        data = self._held + chunk if self._held else chunk
        at = data.find(self._mark)
        if at >= 0:
            self.seen = True
            self._held = b""
            before, after = data[:at], data[at + len(self._mark) :]
            if before:
                self._sink(before)
            if after:
                self._sink(after)
            return
        keep = _partial_mark(data, self._mark)
        self._held = data[len(data) - keep :] if keep else b""
        if len(data) > keep:
            self._sink(data[: len(data) - keep])

    def done(self) -> bool:
        """True once the mark passed: the program finished."""
        return self.seen

    def close(self) -> None:
        """Pass on what was kept back (the program ended without its mark: it raised)."""
        if self._held:
            held, self._held = self._held, b""
            self._sink(held)


def _partial_mark(data: bytes, mark: bytes) -> int:
    """Length of the longest end of ``data`` that is a start of ``mark``."""
    first = mark[:1]
    start = max(0, len(data) - len(mark) + 1)
    while (at := data.find(first, start)) >= 0:
        if mark.startswith(data[at:]):
            return len(data) - at
        start = at + 1
    return 0
