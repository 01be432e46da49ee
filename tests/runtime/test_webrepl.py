"""WebREPL (ws://): Device and the CLI through a real WebSocket server before a virtual board."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import belay_gen as belay
from belay_gen.cli import main
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import AuthenticationError, ConnectionFailed, ConnectionLost
from belay_gen.runtime.transport import open_transport
from tests.support.webrepl_server import WebReplServer, webrepl_server

pytestmark = pytest.mark.board

PASSWORD = "s3cret-pw"


@pytest.fixture
def server(virtual_board: VirtualBoard) -> Iterator[WebReplServer]:
    with webrepl_server(virtual_board.path, PASSWORD) as running:
        yield running


def test_device_over_webrepl_runs_a_task(
    server: WebReplServer, virtual_board: VirtualBoard
) -> None:
    device = belay.Device(server.url, password=PASSWORD)
    try:
        assert virtual_board.resets == 0  # a reset would end a real board's WebREPL session

        @device.task
        def double(a):  # type: ignore[no-untyped-def]
            return [a * 2, "x" * 300]

        assert double(21) == [42, "x" * 300]
        assert device(f"s = {'y' * 5000!r}\nlen(s)") == 5000  # code spanning many frames
    finally:
        device.close()


def test_a_wrong_password_is_an_authentication_error_that_hides_it(
    server: WebReplServer,
) -> None:
    guess = "wrong-guess-123"
    with pytest.raises(AuthenticationError, match="wrong WebREPL password") as info:
        belay.Device(server.url, password=guess)
    for text in (str(info.value), repr(info.value)):
        assert guess not in text
        assert PASSWORD not in text
    assert "127.0.0.1" in str(info.value)


def test_a_closed_port_is_connection_failed_naming_host_and_port() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionFailed, match=re.escape(f"127.0.0.1:{port}")):
        open_transport(f"ws://127.0.0.1:{port}", password=PASSWORD)


def test_a_server_closing_mid_session_is_connection_lost(server: WebReplServer) -> None:
    device = belay.Device(server.url, password=PASSWORD)
    try:
        assert device("6 * 7") == 42
        server.drop()
        with pytest.raises(ConnectionLost, match=r"127\.0\.0\.1"):
            device("6 * 7")
    finally:
        device.close()


def test_device_takes_the_password_from_the_environment(
    server: WebReplServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BELAY_GEN_PASSWORD", PASSWORD)
    device = belay.Device(server.url)
    try:
        assert device("6 * 7") == 42
    finally:
        device.close()


def test_a_missing_password_says_how_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BELAY_GEN_PASSWORD", raising=False)
    with pytest.raises(ConnectionFailed, match=r"needs a password.*BELAY_GEN_PASSWORD"):
        open_transport("ws://192.168.4.1:8266")


def test_the_transport_repr_keeps_the_password_out(server: WebReplServer) -> None:
    with open_transport(server.url, password=PASSWORD) as link:
        assert PASSWORD not in repr(link)
        assert PASSWORD not in repr(vars(link))


def test_cli_exec_takes_the_password_from_the_environment(server: WebReplServer) -> None:
    result = CliRunner().invoke(
        main, ["exec", server.url, "print(6 * 7)"], env={"BELAY_GEN_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    assert result.output == "42\n"


def test_cli_exec_with_a_wrong_password_is_one_error_line(server: WebReplServer) -> None:
    result = CliRunner().invoke(
        main, ["exec", server.url, "print(1)"], env={"BELAY_GEN_PASSWORD": "nope-x"}
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: wrong WebREPL password for 127.0.0.1:")
    assert result.output.count("\n") == 1
    assert "nope-x" not in result.output


def test_cli_sync_over_webrepl(server: WebReplServer, board_root: Path, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("VALUE = 1\n")
    result = CliRunner().invoke(main, ["sync", server.url, str(tmp_path), "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert (board_root / "app.py").read_text() == "VALUE=1\n"
