"""WebREPL against hostile peers on 127.0.0.1: no redirect is followed, no frame is
buffered past the limit, fragments are not collected into one message."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from belay_gen.errors import ConnectionFailed, ConnectionLost
from belay_gen.runtime.transport.webrepl import MAX_FRAME_BYTES, WebReplTransport
from tests.support.webrepl_server import (
    PING,
    PONG,
    TEXT,
    ScriptedPeer,
    accept_login,
    handshake,
    read_request,
    recv_frame,
    send_frame,
)

Script = Callable[[socket.socket], None]


@pytest.fixture
def peers() -> Iterator[Callable[[Script], ScriptedPeer]]:
    started: list[ScriptedPeer] = []

    def start(script: Script) -> ScriptedPeer:
        started.append(ScriptedPeer(script))
        return started[-1]

    yield start
    for peer in started:
        peer.close()


def test_a_handshake_redirect_is_never_followed(
    peers: Callable[[Script], ScriptedPeer],
) -> None:
    elsewhere = peers(accept_login)

    def redirect(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {elsewhere.url}/\r\n\r\n".encode())

    peer = peers(redirect)
    with pytest.raises(ConnectionFailed, match=r"with a redirect \(HTTP 302\); .*never follows"):
        WebReplTransport(peer.url, "pw", timeout=5)
    assert elsewhere.accepted == 0, "the password never went to the other host"


def test_a_frame_declaring_2_to_the_40_bytes_is_refused_before_buffering(
    peers: Callable[[Script], ScriptedPeer],
) -> None:
    release = threading.Event()

    def huge(conn: socket.socket) -> None:
        accept_login(conn)
        conn.sendall(struct.pack("!BBQ", 0x81, 127, 1 << 40))
        for _ in range(64):  # then keep sending, as a hostile peer would
            if release.is_set():
                return
            conn.sendall(b"\0" * 65536)

    peer = peers(huge)
    transport = WebReplTransport(peer.url, "pw", timeout=5)
    try:
        started = time.monotonic()
        with pytest.raises(ConnectionLost, match=r"declared a 1,099,511,627,776-byte frame"):
            while time.monotonic() - started < 5:
                transport.read(0.5)
        assert time.monotonic() - started < 3
    finally:
        release.set()
        transport.close()


def test_a_frame_at_the_limit_is_accepted(peers: Callable[[Script], ScriptedPeer]) -> None:
    def big(conn: socket.socket) -> None:
        accept_login(conn)
        send_frame(conn, TEXT, b"x" * MAX_FRAME_BYTES)
        recv_frame(conn)  # wait for the client's goodbye

    transport = WebReplTransport(peers(big).url, "pw", timeout=5)
    try:
        got = b""
        while len(got) < MAX_FRAME_BYTES + 4:
            chunk = transport.read(5)
            assert chunk
            got += chunk
        assert got.endswith(b">>> " + b"x" * MAX_FRAME_BYTES)
    finally:
        transport.close()


def test_fragments_are_passed_on_as_they_arrive_and_pings_answered(
    peers: Callable[[Script], ScriptedPeer],
) -> None:
    """A message that never ends (no FIN) must not pile up in a reassembly buffer."""

    def fragments(conn: socket.socket) -> None:
        accept_login(conn)
        conn.sendall(struct.pack("!BB", 0x01, 2) + b"ab")  # TEXT, not final
        conn.sendall(struct.pack("!BB", 0x00, 2) + b"cd")  # continuation, not final
        send_frame(conn, PING, b"hi")
        peer.received.append(recv_frame(conn))
        recv_frame(conn)

    peer = peers(fragments)
    transport = WebReplTransport(peer.url, "pw", timeout=5)
    try:
        got = b""
        deadline = time.monotonic() + 5
        while not got.endswith(b"abcd") and time.monotonic() < deadline:
            got += transport.read(0.5)
        assert got.endswith(b">>> abcd")
        while not peer.received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert peer.received == [(PONG, b"hi")]
    finally:
        transport.close()


def test_a_flood_while_nobody_reads_is_held_back_by_the_queue_bound(
    peers: Callable[[Script], ScriptedPeer],
) -> None:
    """Received frames wait in a bounded queue; once it is full the reader stops taking
    more, so the peer's writes block instead of host memory growing."""
    release = threading.Event()
    frame = b"y" * (256 * 1024)
    sent: list[int] = []

    def flood(conn: socket.socket) -> None:
        accept_login(conn)
        conn.settimeout(0.5)
        while not release.is_set() and len(sent) < 400:  # up to 100 MiB
            try:
                send_frame(conn, TEXT, frame)
            except TimeoutError:
                continue  # the client holds us back: that is the point
            sent.append(len(frame))

    transport = WebReplTransport(peers(flood).url, "pw", timeout=5)
    try:
        time.sleep(2)
        held = sum(sent)
        assert held < 40 * 1024 * 1024, f"the peer got {held:,} bytes in"
        got = 0
        while got < 1024 * 1024:  # the link still works once read
            got += len(transport.read(2))
    finally:
        release.set()
        transport.close()


def test_a_peer_flooding_instead_of_a_password_prompt_is_refused(
    peers: Callable[[Script], ScriptedPeer],
) -> None:
    def chatter(conn: socket.socket) -> None:
        handshake(conn)
        for _ in range(100):
            send_frame(conn, TEXT, b"z" * 4096)
        recv_frame(conn)

    with pytest.raises(ConnectionFailed, match=r"bytes without a password prompt"):
        WebReplTransport(peers(chatter).url, "pw", timeout=5)
