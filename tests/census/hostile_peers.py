"""The census's fake boards on a pty that answer badly, and hostile WebSocket peers.

Every one stops when closed; none reads or writes outside its own pty or socket.
"""

from __future__ import annotations

import contextlib
import os
import pty
import random
import re
import select
import socket
import threading
import time
import tty
from collections.abc import Callable

from tests.support.webrepl_server import TEXT, accept_login, handshake, read_request, send_frame

# -- fake boards on a pty ---------------------------------------------------------------------

BANNER = b"raw REPL; CTRL-B to exit\r\n>"


class FakeBoard:
    """A pty whose far end is ``answer(board, bytes_read)``: ``path`` is the port to open.

    ``answer`` writes with :meth:`write`, may :meth:`hang_up` (the board resets and its port
    goes away) or start a flood with :meth:`flood`.
    """

    def __init__(self, answer: Callable[[FakeBoard, bytes], None]) -> None:
        self.answer = answer
        self.master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)  # a client that stops reading blocks nothing here
        self.path = os.ttyname(self._slave)
        self.pending = b""
        self.rng = random.Random(12)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        """Write what the client reads within 2 s (a board's output does not wait longer)."""
        deadline = time.monotonic() + 2
        while data and time.monotonic() < deadline and not self._stop.is_set():
            with self._lock:
                if self._closed:
                    return
                try:
                    data = data[os.write(self.master, data) :]
                except BlockingIOError:
                    pass
                except OSError:
                    return
            if data:
                time.sleep(0.01)

    def hang_up(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self.master)
                os.close(self._slave)

    def flood(self, chunk: bytes) -> None:
        def run() -> None:
            while not self._stop.is_set() and not self._closed:
                ready = select.select([], [self.master], [], 0.1)[1]
                if ready:
                    self.write(chunk)

        threading.Thread(target=run, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set() and not self._closed:
            try:
                ready = select.select([self.master], [], [], 0.05)[0]
                if not ready:
                    continue
                data = os.read(self.master, 4096)
            except BlockingIOError:
                continue
            except (OSError, ValueError):
                return
            self.answer(self, data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.hang_up()


def raw_repl(
    result: Callable[[FakeBoard, bytes], None], *, paste: bytes = b"R\x00"
) -> Callable[[FakeBoard, bytes], None]:
    """A board that enters the raw REPL properly, answers a raw-paste request with ``paste``
    and calls ``result(board, code)`` for each program it is sent."""

    def answer(board: FakeBoard, data: bytes) -> None:
        board.pending += data
        while board.pending:
            buffer, head = board.pending, board.pending[:1]
            if buffer.startswith(b"\x05A\x01"):
                board.pending = buffer[3:]
                board.write(paste)
            elif head == b"\x05" and len(buffer) < 3:
                return  # the rest of a raw-paste request is on its way
            elif head == b"\x01":
                board.pending = buffer[1:]
                board.write(BANNER)
            elif head == b"\x02":
                board.pending = buffer[1:]
                board.write(b"\r\nMicroPython v1.0 fake\r\n>>> ")
            elif head in (b"\r", b"\x03"):
                board.pending = buffer[1:]
            elif b"\x04" in buffer:
                code, _, board.pending = buffer.partition(b"\x04")
                result(board, code)
            else:
                return

    return answer


def answers(output: bytes, error: bytes = b"") -> Callable[[FakeBoard, bytes], None]:
    """Answer every program with ``output`` (and ``error`` as its traceback)."""

    def result(board: FakeBoard, code: bytes) -> None:
        # The end-of-output mark belay-gen's programs print, as a board running them would.
        mark = re.search(rb'print\("(_BELAY[A-Za-z0-9_]+)",end=""\)', code)
        tail = mark.group(1) if mark and not error else b""
        board.write(b"OK" + output + tail + b"\x04" + error + b"\x04>")

    return result


def _silent(board: FakeBoard, data: bytes) -> None:
    pass


def _garbage(board: FakeBoard, data: bytes) -> None:
    board.write(bytes(board.rng.randrange(256) for _ in range(200)))


def _echo(board: FakeBoard, data: bytes) -> None:
    board.write(data)


def _friendly_only(board: FakeBoard, data: bytes) -> None:
    board.write(b"\r\n>>> ")


def _banner_then_silent(board: FakeBoard, data: bytes) -> None:
    if b"\x01" in data and not board.pending:
        board.pending = b"x"
        board.write(BANNER)


def _flood(board: FakeBoard, data: bytes) -> None:
    if not board.pending:
        board.pending = b"x"
        board.flood(b"A" * 4096)


def _flood_lines(board: FakeBoard, data: bytes) -> None:
    if not board.pending:
        board.pending = b"x"
        board.flood(b"raw REPL; CTRL-B to exit\r\n" * 100)


def _hang_up_at_once(board: FakeBoard, data: bytes) -> None:
    board.hang_up()


def _half_frame(board: FakeBoard, code: bytes) -> None:
    board.write(b"OK half an ans")


def _hang_up_midway(board: FakeBoard, code: bytes) -> None:
    board.write(b"OK")
    time.sleep(0.05)
    board.hang_up()


def _reboots(board: FakeBoard, code: bytes) -> None:
    board.write(b"OK\x04\x04>MPY: soft reboot\r\nMicroPython v1.0\r\n>>> ")


def _output_flood(board: FakeBoard, code: bytes) -> None:
    board.write(b"OK")
    board.flood(b"B" * 4096)


def _slow_trickle(board: FakeBoard, code: bytes) -> None:
    board.write(b"OK")

    def run() -> None:
        for _ in range(200):
            time.sleep(0.1)
            board.write(b".")

    threading.Thread(target=run, daemon=True).start()


def _random_answer(board: FakeBoard, code: bytes) -> None:
    board.write(b"OK" + bytes(board.rng.randrange(256) for _ in range(300)) + b"\x04\x04>")


BOARDS: dict[str, Callable[[FakeBoard, bytes], None]] = {
    "silent": _silent,
    "garbage": _garbage,
    "echo": _echo,
    "friendly-only": _friendly_only,
    "banner-then-silent": _banner_then_silent,
    "flood-at-once": _flood,
    "flood-banners": _flood_lines,
    "hang-up-at-once": _hang_up_at_once,
    "empty-answers": raw_repl(answers(b"")),
    "half-frame": raw_repl(_half_frame),
    "hang-up-midway": raw_repl(_hang_up_midway),
    "soft-reboots": raw_repl(_reboots),
    "output-flood": raw_repl(_output_flood),
    "trickle": raw_repl(_slow_trickle),
    "random-answers": raw_repl(_random_answer),
    "escape-sequences": raw_repl(answers(b"\x1b]52;c;cm0gLXJmIC8=\x07\x1b]0;owned\x07hi\r\n")),
    "not-literal": raw_repl(answers(b"__import__('os').system('id')\r\n")),
    "raises": raw_repl(
        answers(b"", b'Traceback (most recent call last):\r\n  File "<stdin>"\r\nOSError: 5\r\n')
    ),
    "huge-traceback": raw_repl(answers(b"", b"E" * 2_000_000)),
    "nul-bytes": raw_repl(answers(b"\0" * 5000)),
    "paste-window-0": raw_repl(answers(b""), paste=b"R\x01\x00\x00"),
    "paste-garbage": raw_repl(answers(b""), paste=b"R\x07\xff"),
    "paste-then-silent": raw_repl(_silent, paste=b"R\x01\x80\x00"),
}


# -- hostile WebSocket peers ------------------------------------------------------------------


def _ws_redirect(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: ws://localhost:1/\r\n\r\n")


def _ws_http_error(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")


def _ws_garbage(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(bytes(random.Random(3).randrange(256) for _ in range(4000)))
    time.sleep(1)


def _ws_silent(conn: socket.socket) -> None:
    conn.settimeout(30)
    with contextlib.suppress(OSError):
        conn.recv(1 << 16)
        time.sleep(30)


def _ws_close_at_once(conn: socket.socket) -> None:
    pass


def _ws_bad_accept(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: AAAA\r\n\r\n"
    )
    time.sleep(1)


def _ws_huge_frame(conn: socket.socket) -> None:
    accept_login(conn)
    conn.sendall(b"\x81\x7f" + (1 << 40).to_bytes(8, "big"))
    for _ in range(64):
        conn.sendall(b"\0" * 65536)


def _ws_denied(conn: socket.socket) -> None:
    handshake(conn)
    send_frame(conn, TEXT, b"Password: ")
    conn.recv(100)
    send_frame(conn, TEXT, b"\r\nAccess denied\r\n")


def _ws_login_then_silent(conn: socket.socket) -> None:
    accept_login(conn)
    conn.settimeout(30)
    with contextlib.suppress(OSError):
        while conn.recv(4096):
            pass


def _ws_prompt_forever(conn: socket.socket) -> None:
    handshake(conn)
    for _ in range(2000):
        send_frame(conn, TEXT, b"Password: ")


def _ws_fragments(conn: socket.socket) -> None:
    accept_login(conn)
    for _ in range(20000):  # continuation frames without end
        conn.sendall(b"\x00\x01A")


def _ws_bad_opcode(conn: socket.socket) -> None:
    accept_login(conn)
    conn.sendall(b"\x8f\x00" * 100)
    time.sleep(1)


WS_PEERS: dict[str, Callable[[socket.socket], None]] = {
    "redirect": _ws_redirect,
    "http-500": _ws_http_error,
    "garbage": _ws_garbage,
    "silent": _ws_silent,
    "close-at-once": _ws_close_at_once,
    "bad-accept-key": _ws_bad_accept,
    "huge-frame": _ws_huge_frame,
    "access-denied": _ws_denied,
    "login-then-silent": _ws_login_then_silent,
    "password-prompt-forever": _ws_prompt_forever,
    "endless-fragments": _ws_fragments,
    "bad-opcode": _ws_bad_opcode,
}
