"""`emulate --webrepl`'s server in front of a virtual board: our ws:// client, Belay's, and a
plain websocket-client speaking WebREPL's file transfer; one client at a time; failures."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

import belay_gen as belay
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.emulator.webrepl_files import REQUEST, firmware_version
from belay_gen.emulator.webrepl_server import WebReplServer, check_password
from belay_gen.emulator.websocket import TOO_BIG
from belay_gen.errors import AuthenticationError, ConnectionFailed, ConnectionLost

PASSWORD = "s3cret"
PUT, GET, VERSION = 1, 2, 3


@pytest.fixture
def server(virtual_board: VirtualBoard) -> Iterator[WebReplServer]:
    running = WebReplServer(virtual_board.path, virtual_board.root, "127.0.0.1", 0, PASSWORD)
    try:
        yield running
    finally:
        running.close()


def test_device_runs_tasks_and_sync_through_it(
    server: WebReplServer, board_root: Path, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "settings.py").write_text("WIFI = 'lab'\n")
    device = belay.Device(server.url, password=PASSWORD)
    try:

        @device.task
        def scale(values, factor):  # type: ignore[no-untyped-def]
            return [value * factor for value in values]

        assert scale([1, 2, 3], 10) == [10, 20, 30]
        device.sync(source)
        assert device("__import__('settings').WIFI") == "lab"
    finally:
        device.close()
    assert "lab" in (board_root / "settings.py").read_text()


def test_a_wrong_password_is_refused(server: WebReplServer) -> None:
    with pytest.raises(AuthenticationError, match="wrong WebREPL password"):
        belay.Device(server.url, password="guess!")
    with belay.Device(server.url, password=PASSWORD) as device:  # the slot is free again
        assert device("1 + 1") == 2


def test_one_client_at_a_time(server: WebReplServer) -> None:
    with belay.Device(server.url, password=PASSWORD) as device:
        with pytest.raises(ConnectionFailed, match="the board takes one at a time"):
            belay.Device(server.url, password=PASSWORD)
        assert device("2 ** 5") == 32


def test_a_server_that_drops_mid_call_fails_that_call_and_the_next(server: WebReplServer) -> None:
    device = belay.Device(server.url, password=PASSWORD)
    try:

        @device.task
        def slow():  # type: ignore[no-untyped-def]
            import time

            time.sleep(3)

        cut = threading.Timer(0.5, server.drop_client)
        cut.start()
        try:
            with pytest.raises(ConnectionLost, match="lost the connection"):
                slow()
        finally:
            cut.join()
        with pytest.raises(ConnectionLost):
            device("1 + 1")
    finally:
        device.close()


def test_belay_connects_and_runs_a_task(server: WebReplServer) -> None:
    peer = pytest.importorskip("belay")
    device = peer.Device(server.url, password=PASSWORD)
    try:

        @device.task
        def add(a, b):  # type: ignore[no-untyped-def]
            return a + b

        assert add(40, 2) == 42
    finally:
        device.close()


# -- WebREPL's file transfer, spoken by websocket-client as webrepl_cli speaks it ---------------
def login(url: str, password: str = PASSWORD) -> websocket.WebSocket:
    ws = websocket.create_connection(url, timeout=10)
    assert ws.recv() == "Password: "
    ws.send(password + "\r")
    assert ws.recv() == "\r\nWebREPL connected\r\n>>> "
    return ws


def request(ws: websocket.WebSocket, op: int, name: str, size: int = 0) -> bytes:
    encoded = name.encode()
    ws.send_binary(REQUEST.pack(b"WA", op, 0, 0, size, len(encoded), encoded))
    return bytes(ws.recv())


def put(ws: websocket.WebSocket, name: str, data: bytes) -> bytes:
    assert request(ws, PUT, name, len(data)) == b"WB\x00\x00"
    for start in range(0, len(data), 1000):
        ws.send_binary(data[start : start + 1000])
    return bytes(ws.recv())


def get(ws: websocket.WebSocket, name: str) -> bytes:
    assert request(ws, GET, name) == b"WB\x00\x00"
    data = b""
    while True:
        ws.send_binary(b"\x00")
        chunk = bytes(ws.recv())
        (size,) = struct.unpack("<H", chunk[:2])
        assert len(chunk) == 2 + size <= 2 + 256
        if not size:
            break
        data += chunk[2:]
    assert ws.recv() == b"WB\x00\x00"
    return data


def test_files_go_up_and_come_back(server: WebReplServer, board_root: Path) -> None:
    (board_root / "lib").mkdir()
    payload = bytes(range(256)) * 20 + b"end"
    ws = login(server.url)
    try:
        assert put(ws, "lib/blob.bin", payload) == b"WB\x00\x00"
        assert (board_root / "lib" / "blob.bin").read_bytes() == payload
        assert put(ws, "/empty.txt", b"") == b"WB\x00\x00"
        assert get(ws, "/lib/blob.bin") == payload
        assert request(ws, VERSION, "") == firmware_version()
        ws.send("print('still a REPL')\r")  # text frames are the REPL, between transfers
        seen = ""
        while "still a REPL\r\n" not in seen:
            seen += ws.recv()
    finally:
        ws.close()
    assert (board_root / "empty.txt").read_bytes() == b""


def test_what_follows_the_password_in_the_same_frame_reaches_the_repl(
    server: WebReplServer,
) -> None:
    ws = websocket.create_connection(server.url, timeout=10)
    try:
        assert ws.recv() == "Password: "
        ws.send(PASSWORD + "\rprint(6 * 7)\r")
        assert ws.recv() == "\r\nWebREPL connected\r\n>>> "
        seen = ""
        while "42\r\n" not in seen:
            seen += ws.recv()
    finally:
        ws.close()


def test_a_soft_reset_ends_the_session_as_on_a_board(server: WebReplServer) -> None:
    ws = login(server.url)
    try:
        ws.send("\x04")  # Ctrl-D at the friendly prompt
        seen = ""
        with pytest.raises(websocket.WebSocketConnectionClosedException):
            while True:
                seen += ws.recv()
        assert "MPY: soft reboot" in seen
    finally:
        ws.close()
    with belay.Device(server.url, password=PASSWORD) as device:  # log in again, as on a board
        assert device("1 + 1") == 2


@pytest.mark.parametrize("name", ["../outside.txt", "/lib/../../outside.txt", "no/such/dir.txt"])
def test_a_name_outside_the_board_or_unopenable_fails(
    server: WebReplServer, board_root: Path, name: str
) -> None:
    ws = login(server.url)
    try:
        assert request(ws, PUT, name, 3) == b"WB\x01\x00"
        assert request(ws, GET, name) == b"WB\x01\x00"
    finally:
        ws.close()
    assert not (board_root.parent / "outside.txt").exists()


def test_a_frame_over_the_cap_closes_the_connection(server: WebReplServer) -> None:
    ws = login(server.url)
    try:
        ws.sock.sendall(struct.pack("!BBQ", 0x82, 0xFF, 1 << 40))  # declares 1 TiB, sends none
        frame = ws.recv_data_frame(control_frame=True)[1]
        assert frame.opcode == websocket.ABNF.OPCODE_CLOSE
        assert struct.unpack("!H", frame.data[:2])[0] == TOO_BIG
    finally:
        ws.close()


def test_a_plain_http_request_gets_an_answer_not_a_hang(server: WebReplServer) -> None:
    host, port = server.url.removeprefix("ws://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: board\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400 ")


@pytest.mark.parametrize("password", ["abc", "ten-chars!", ""])
def test_a_password_no_board_could_have_is_refused(password: str) -> None:
    with pytest.raises(ValueError, match="4 to 9 characters"):
        check_password(password)
