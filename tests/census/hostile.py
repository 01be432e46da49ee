"""The census's hostile HTTP server on 127.0.0.1: one path per way a server can misbehave
(:data:`_ROUTES`), and fake ``github:``/index answers (:data:`PACKAGE_JSONS`).

Fake boards and WebSocket peers are in :mod:`tests.census.hostile_peers`.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: What the fake ``github:`` and index answers hold, by path below ``/gh/org`` and ``/index``.
PACKAGE_JSONS: dict[str, Any] = {
    "good": {"urls": [["good.py", "http://SELF/ok.py"]], "version": "1.0"},
    "dotdot": {"urls": [["../../escape.py", "http://SELF/ok.py"]]},
    "absolute": {"urls": [["/etc/evil.py", "http://SELF/ok.py"]]},
    "backslash": {"urls": [["..\\evil.py", "http://SELF/ok.py"]]},
    "nul": {"urls": [["a\u0000b.py", "http://SELF/ok.py"]]},
    "fileurl": {"urls": [["x.py", "file:///etc/passwd"]]},
    "crosshost": {"urls": [["x.py", "http://localhost:PORT/ok.py"]]},
    "urls_not_list": {"urls": "x.py"},
    "urls_pairs_wrong": {"urls": [["only-one"]]},
    "urls_numbers": {"urls": [[1, 2]]},
    "deps_cycle": {"deps": [["github:org/deps_cycle", "HEAD"]]},
    "deps_bad": {"deps": "everything"},
    "deps_missing": {"deps": [["github:org/nowhere", "HEAD"]]},
    "not_object": [1, 2, 3],
    "version_number": {"urls": [["v.py", "http://SELF/ok.py"]], "version": 3},
    "hashes_in_github": {"hashes": [["h.py", "zzzz"]]},
    "many_urls": {"urls": [[f"m{i}.py", "http://SELF/404.py"] for i in range(2000)]},
    "dest_dir": {"urls": [["pkg/", "http://SELF/ok.py"]]},
    "empty": {},
}
_DEEP_JSON = "[" * 100_000 + "]" * 100_000


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on hostile answers: that is the point


class HostileHTTP:
    """A threaded HTTP server on 127.0.0.1; :data:`ROUTES` lists what each path does."""

    def __init__(self) -> None:
        self.closing = threading.Event()
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()


_GZIP_BOMB: bytes | None = None


def _gzip_bomb() -> bytes:
    global _GZIP_BOMB
    if _GZIP_BOMB is None:  # 64 MB of zeros, about 64 KB on the wire
        _GZIP_BOMB = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    return _GZIP_BOMB


class _Handler(BaseHTTPRequestHandler):
    owner: HostileHTTP
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/plain", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _hold(self, seconds: float = 30) -> None:
        self.owner.closing.wait(seconds)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        port = str(self.owner.port)
        with contextlib.suppress(OSError):
            if path.startswith("/gh/org/") and path.endswith("/package.json"):
                name = path.split("/")[3]
                if name == "deep":
                    return self._send(200, _DEEP_JSON.encode(), "application/json")
                if name == "hugejson":
                    return self._send(200, b"[" + b"0," * 3_000_000 + b"0]", "application/json")
                if name == "notjson":
                    return self._send(200, b"{not json", "application/json")
                if name == "binaryjson":
                    return self._send(200, bytes(range(256)), "application/json")
                if name not in PACKAGE_JSONS:
                    return self._send(404, b"no such repo")
                text = json.dumps(PACKAGE_JSONS[name]).replace("SELF", f"127.0.0.1:{port}")
                return self._send(200, text.replace("PORT", port).encode(), "application/json")
            if path.startswith("/index/package/"):
                name = path.split("/")[4]
                answers = {
                    "idxbad": b'{"hashes": [["../x.py", "abcdef12"]]}',
                    "idxnotjson": b"<html>index</html>",
                    "idxhash": b'{"hashes": [["h.py", "not-hex/../.."]]}',
                    "idxwrong": b'{"hashes": "x"}',
                }
                if name in answers:
                    return self._send(200, answers[name], "application/json")
                return self._send(404, b"not in the index")
            route = _ROUTES.get(path)
            if route is None:
                return self._send(404, b"not found")
            route(self, port)

    # -- the routes --------------------------------------------------------------------------

    def ok(self, port: str) -> None:
        self._send(200, b"X = 1\n")

    def not_found(self, port: str) -> None:
        self._send(404, b"gone")

    def server_error(self, port: str) -> None:
        self._send(500, b"Internal Server Error")

    def trickle(self, port: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        while not self.owner.closing.wait(0.2):
            self.wfile.write(b"#")
            self.wfile.flush()

    def stall_body(self, port: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.flush()
        self._hold()

    def no_answer(self, port: str) -> None:
        self._hold()

    def loop(self, port: str) -> None:
        self._send(302, b"", Location="/loop")

    def cross_host(self, port: str) -> None:
        self._send(302, b"", Location=f"http://localhost:{port}/ok.py")

    def to_file(self, port: str) -> None:
        self._send(302, b"", Location="file:///etc/passwd")

    def to_ftp(self, port: str) -> None:
        self._send(302, b"", Location="ftp://127.0.0.1/x.py")

    def relative(self, port: str) -> None:
        self._send(302, b"", Location="ok.py")

    def no_location(self, port: str) -> None:
        self._send(302, b"")

    def huge(self, port: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()  # no length: ends when the connection closes
        self.close_connection = True
        block = b"# " + b"x" * 65533 + b"\n"
        for _ in range(4096):  # 256 MB at most
            if self.owner.closing.is_set():
                return
            self.wfile.write(block)

    def huge_length(self, port: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 40))
        self.end_headers()
        self.wfile.write(b"X = 1\n")
        self._hold(5)

    def gzip_bomb(self, port: str) -> None:
        self._send(200, _gzip_bomb(), Content_Encoding="gzip")

    def html(self, port: str) -> None:
        self._send(200, b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/html")

    def binary(self, port: str) -> None:
        self._send(200, bytes(range(256)) * 16, "application/octet-stream")

    def latin1(self, port: str) -> None:
        self._send(200, b"X = '\xe9\xff'\n")

    def empty(self, port: str) -> None:
        self._send(200, b"")

    def reset(self, port: str) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        self.connection.close()
        self.close_connection = True

    def not_http(self, port: str) -> None:
        self.wfile.write(b"SSH-2.0-OpenSSH_9.0\r\n\r\n")
        self.close_connection = True

    def bad_length(self, port: str) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: banana\r\n\r\nX = 1\n")
        self.close_connection = True

    def bad_chunks(self, port: str) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nX\r\n")
        self.close_connection = True

    def huge_header(self, port: str) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n")
        self.close_connection = True

    def many_headers(self, port: str) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n")
        self.close_connection = True

    def weird_status(self, port: str) -> None:
        self.wfile.write(b"HTTP/1.1 999 Weird\r\nContent-Length: 6\r\n\r\nX = 1\n")
        self.close_connection = True

    def short_body(self, port: str) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nX = 1\n")
        self.close_connection = True

    def headers_trickle(self, port: str) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
            if self.owner.closing.wait(0.1):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()


_ROUTES: dict[str, Callable[[_Handler, str], None]] = {
    "/ok.py": _Handler.ok,
    "/404.py": _Handler.not_found,
    "/500.py": _Handler.server_error,
    "/trickle.py": _Handler.trickle,
    "/stall.py": _Handler.stall_body,
    "/noanswer.py": _Handler.no_answer,
    "/loop": _Handler.loop,
    "/cross.py": _Handler.cross_host,
    "/tofile.py": _Handler.to_file,
    "/toftp.py": _Handler.to_ftp,
    "/relative.py": _Handler.relative,
    "/nolocation.py": _Handler.no_location,
    "/huge.py": _Handler.huge,
    "/hugelength.py": _Handler.huge_length,
    "/gzip.py": _Handler.gzip_bomb,
    "/html.py": _Handler.html,
    "/binary.py": _Handler.binary,
    "/latin1.py": _Handler.latin1,
    "/empty.py": _Handler.empty,
    "/reset.py": _Handler.reset,
    "/nothttp.py": _Handler.not_http,
    "/badlength.py": _Handler.bad_length,
    "/badchunks.py": _Handler.bad_chunks,
    "/hugeheader.py": _Handler.huge_header,
    "/manyheaders.py": _Handler.many_headers,
    "/weirdstatus.py": _Handler.weird_status,
    "/shortbody.py": _Handler.short_body,
    "/headerstrickle.py": _Handler.headers_trickle,
}
