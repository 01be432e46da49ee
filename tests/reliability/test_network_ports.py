"""rfc2217:// and socket:// ports against `emulate --listen`'s server on 127.0.0.1, in front of a
virtual board: tasks, sync, the CLI, one client at a time, and failures with their documented
error (never a hang)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import belay_gen as belay
from belay_gen.cli import main
from belay_gen.emulator.listen import SerialServer
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import ConnectionFailed, ConnectionLost, DeviceTimeoutError, PortBusyError
from belay_gen.runtime.transport import open_transport
from belay_gen.runtime.transport.network import NetworkTransport
from belay_gen.runtime.transport.serial import SerialTransport

SCHEMES = ["rfc2217", "socket"]
# pyserial 3.5's RFC 2217 client calls Thread.setDaemon/setName.
pytestmark = pytest.mark.filterwarnings(r"ignore:set(Daemon|Name)\(\) is deprecated")


@pytest.fixture
def server(virtual_board: VirtualBoard) -> Iterator[SerialServer]:
    running = SerialServer(virtual_board.path, "127.0.0.1", 0)
    try:
        yield running
    finally:
        running.close()


def url_of(server: SerialServer, scheme: str) -> str:
    rfc2217, raw = server.urls
    return rfc2217 if scheme == "rfc2217" else raw


@contextlib.contextmanager
def listener() -> Iterator[socket.socket]:
    """A TCP port on 127.0.0.1 that accepts connections (backlog) and never says a word."""
    sock = socket.create_server(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()


def closed_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_device_runs_tasks_and_sync_over_the_network(
    server: SerialServer, board_root: Path, tmp_path: Path, scheme: str
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "greeting.py").write_text("TEXT = 'over tcp'\n")
    device = belay.Device(url_of(server, scheme))
    try:

        @device.task
        def shout(text):  # type: ignore[no-untyped-def]
            return text.upper() + "!"

        assert shout("hi") == "HI!"
        device.sync(source)
        assert device("__import__('greeting').TEXT") == "over tcp"
    finally:
        device.close()
    assert "over tcp" in (board_root / "greeting.py").read_text()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_second_client_is_refused_in_words(server: SerialServer, scheme: str) -> None:
    url = url_of(server, scheme)
    device = belay.Device(url)
    try:
        with pytest.raises(PortBusyError, match="one client at a time and it already has a"):
            belay.Device(url)
        assert device("6 * 7") == 42  # the first client never noticed
    finally:
        device.close()
    with contextlib.closing(belay.Device(url)) as again:  # the slot is free once it left
        assert again("1 + 1") == 2


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_local_program_holding_the_board_makes_network_clients_busy(
    server: SerialServer, virtual_board: VirtualBoard, scheme: str
) -> None:
    with (
        SerialTransport(virtual_board.path),
        pytest.raises(PortBusyError, match="a program on its machine has its port open"),
    ):
        belay.Device(url_of(server, scheme))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_server_that_drops_mid_call_fails_that_call_and_the_next(
    server: SerialServer, scheme: str
) -> None:
    device = belay.Device(url_of(server, scheme))
    try:

        @device.task
        def slow():  # type: ignore[no-untyped-def]
            import time

            time.sleep(3)
            return "finished"

        cut = threading.Timer(0.5, server.drop_client)
        cut.start()
        try:
            with pytest.raises(ConnectionLost, match="lost the connection to"):
                slow()
        finally:
            cut.join()
        with pytest.raises(ConnectionLost):
            device("1 + 1")
        device.reconnect()  # the server takes the next client, as ser2net does
        assert device("1 + 1") == 2
    finally:
        device.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_link_drop_at_the_board_ends_the_connection_and_reconnect_works(
    server: SerialServer, virtual_board: VirtualBoard, scheme: str
) -> None:
    device = belay.Device(url_of(server, scheme))
    try:
        assert device("1 + 1") == 2
        virtual_board.drop_link(0.3)  # the cable between the server and the board
        with pytest.raises(ConnectionLost):
            device("2 + 2")
        device.reconnect(attempts=5)  # 1 s apart: the link is back by then
        assert device("3 + 3") == 6
    finally:
        device.close()


def test_the_cli_takes_network_ports(server: SerialServer) -> None:
    rfc2217, raw = server.urls
    for url in (rfc2217, raw.replace("socket://", "SOCKET://")):
        result = CliRunner().invoke(main, ["exec", url, "21 * 2"])
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "42"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nobody_listening_is_one_clear_error(scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{closed_port()}"
    with pytest.raises(ConnectionFailed) as caught:
        open_transport(url)
    message = str(caught.value)
    assert message.startswith(f"cannot open {url}: ")
    assert "refused" in message
    assert "is the serial server (ser2net, labgrid, `belay-gen emulate --listen" in message


def test_the_cli_reports_an_unreachable_port_in_one_line() -> None:
    url = f"socket://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(main, ["exec", url, "1"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot open {url}: ")
    assert result.stderr.count("\n") == 1


def test_a_raw_tcp_server_is_not_taken_for_rfc2217() -> None:
    with listener() as sock:
        port = sock.getsockname()[1]
        url = f"rfc2217://127.0.0.1:{port}?timeout=0.3"  # pyserial's negotiation deadline
        with pytest.raises(ConnectionFailed, match=r"does not speak RFC 2217.*socket://"):
            open_transport(url)


@pytest.mark.parametrize(
    "url", ["rfc2217://127.0.0.1", "socket://:7000", "socket://127.0.0.1:port"]
)
def test_a_url_without_host_or_port_names_the_form(url: str) -> None:
    with pytest.raises(ConnectionFailed, match=r"give the host and the TCP port: .*://HOST:PORT"):
        open_transport(url)


def test_reads_and_writes_have_deadlines() -> None:
    with listener() as sock:
        link = NetworkTransport(f"socket://127.0.0.1:{sock.getsockname()[1]}", write_timeout=0.3)
        try:
            assert link.read(0.1) == b""  # a silent server: the read ends on time
            with pytest.raises(DeviceTimeoutError, match=r"accepted no data for 0\.3 s"):
                link.write(b"x" * 64 * 1024 * 1024)  # nobody reads: the buffers fill
        finally:
            link.close()


def test_small_writes_are_not_held_back_by_nagle() -> None:
    # pyserial's RFC 2217 client turns Nagle off itself; its socket:// one does not.
    with listener() as sock:
        link = NetworkTransport(f"socket://127.0.0.1:{sock.getsockname()[1]}")
        try:
            raw = link._serial._socket
            assert raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            link.close()


def test_a_serial_transport_sends_urls_to_the_network_transport() -> None:
    with pytest.raises(ConnectionFailed, match="is a network port: open it with open_transport"):
        SerialTransport("socket://127.0.0.1:7000")
