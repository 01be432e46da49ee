"""A real HTTP server on 127.0.0.1 for package-manager tests (never the internet).

It serves a copy of ``tests/fixtures/packages_http`` (tests may edit it) and a few special
paths: ``/html/page.py`` (an HTML page under a .py name), ``/truncated.py`` (a
Content-Length larger than the body, then the connection closes), ``/slow.py`` (answers
only when the test ends), ``/big.py`` (a body larger than tests' size limit, no length),
``/redirect?to=LOCATION`` (a 302 to ``LOCATION``: relative, another host, another scheme) and
``/loop`` (a 302 to itself).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

FIXTURES = Path(__file__).parent / "packages_http"
BIG = 300_000


class PackageServer:
    """A running server: ``url`` is its base, ``root`` the folder it serves."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        self.release = threading.Event()
        handler = partial(_Handler, self, directory=str(root))
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def env(self) -> dict[str, str]:
        """Environment pointing github:, gitlab: and the index at this server."""
        return {
            "BELAY_GEN_GITHUB_RAW_BASE": f"{self.url}/gh",
            "BELAY_GEN_GITLAB_BASE": f"{self.url}/gl",
            "BELAY_GEN_INDEX": f"{self.url}/index",
        }

    def start(self) -> None:
        """Start answering requests (in a daemon thread)."""
        self._thread.start()

    def write(self, relative: str, text: str) -> None:
        """Change (or add) a served file."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def close(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, server_state: PackageServer, *args: Any, **kwargs: Any) -> None:
        self.state = server_state
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.state.requests.append(self.path)
        special = {
            "/html/page.py": self._html,
            "/truncated.py": self._truncated,
            "/slow.py": self._slow,
            "/big.py": self._big,
            "/loop": self._loop,
        }.get(self.path)
        if self.path.startswith("/redirect?to="):
            special = self._redirect
        try:
            if special is None:
                super().do_GET()
            else:
                special()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (size limit, timeout)

    def _html(self) -> None:
        self._send(b"<!DOCTYPE html>\n<html><body>a page, not a file</body></html>\n")

    def _truncated(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"X = 1\n")
        self.wfile.flush()
        self.close_connection = True

    def _slow(self) -> None:
        self.state.release.wait(30)
        self._send(b"X = 'late'\n")

    def _big(self) -> None:
        self.send_response(200)
        self.end_headers()
        for _ in range(BIG // 1000):
            self.wfile.write(b"#" * 999 + b"\n")
        self.close_connection = True

    def _redirect(self) -> None:
        self.send_response(302)
        self.send_header("Location", unquote(self.path.split("?to=", 1)[1]))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _loop(self) -> None:
        self.path = "/redirect?to=/loop"
        self._redirect()

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def package_server(tmp: Path) -> Iterator[PackageServer]:
    """Serve a fresh copy of the fixtures from ``tmp``."""
    root = tmp / "served"
    shutil.copytree(FIXTURES, root)
    server = PackageServer(root)
    server.start()
    try:
        yield server
    finally:
        server.close()
