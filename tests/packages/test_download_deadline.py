"""One deadline for a whole download, the response headers included, and sane limits."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from belay_gen.errors import DownloadError
from belay_gen.packages.fetch import Fetcher


@pytest.fixture
def header_trickler() -> Iterator[str]:
    """A server on 127.0.0.1 that sends its status line and then one header byte every
    0.1 s: each read is quick, the headers never end."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while not stop.wait(0.1):
                        conn.sendall(b"a")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/x.py"
    stop.set()
    listener.close()
    thread.join(timeout=5)


def test_headers_sent_a_byte_at_a_time_hit_the_deadline(header_trickler: str) -> None:
    fetcher = Fetcher(timeout=1.0)
    try:
        with pytest.raises(DownloadError, match=r"x\.py: timed out after 1 s"):
            fetcher.get(header_trickler)
    finally:
        fetcher.close()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BELAY_GEN_DOWNLOAD_TIMEOUT", "nan"),
        ("BELAY_GEN_DOWNLOAD_TIMEOUT", "-1"),
        ("BELAY_GEN_DOWNLOAD_TIMEOUT", "inf"),
        ("BELAY_GEN_DOWNLOAD_MAX_BYTES", "0"),
        ("BELAY_GEN_DOWNLOAD_MAX_BYTES", "lots"),
    ],
)
def test_a_bad_limit_setting_is_a_download_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(DownloadError, match="bad BELAY_GEN_DOWNLOAD_\\* setting"):
        Fetcher.from_env()
