"""A deadline for a whole HTTP exchange, the response headers included.

requests' ``timeout`` bounds each socket read, so a server that sends its headers one byte
at a time never trips it. :func:`deadline_session` gives a session whose connections are
watched: inside ``with watch(seconds):`` a timer shuts down the socket of every request the
thread makes once ``seconds`` have passed, which ends any read blocked on it::

    session = deadline_session()
    with watch(5.0) as expired:
        session.get(url, timeout=5.0)   # raises (connection closed) after 5 s at most
    expired()                            # True when the timer fired
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse

_local = threading.local()


class _Watch:
    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.lock = threading.Lock()

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self.lock:
            if self.expired:
                _shut(sock)
            else:
                self.sockets.append(sock)

    def fire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _register(connection: HTTPConnection) -> None:
    watch: _Watch | None = getattr(_local, "watch", None)
    if watch is not None:
        watch.add(connection.sock)


class _WatchedHTTP(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3 does
        _register(self)
        return super().getresponse()


class _WatchedHTTPS(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3 does
        _register(self)
        return super().getresponse()


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def deadline_session() -> requests.Session:
    """A :class:`requests.Session` whose requests :func:`watch` can cut off."""
    session = requests.Session()
    adapter = _Adapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextlib.contextmanager
def watch(seconds: float) -> Iterator[Callable[[], bool]]:
    """Cut off this thread's requests (made through a :func:`deadline_session`) after
    ``seconds``; yields a function that says whether that happened."""
    state = _Watch()
    timer = threading.Timer(max(seconds, 0.0), state.fire)
    timer.daemon = True
    previous = getattr(_local, "watch", None)
    _local.watch = state
    timer.start()
    try:
        yield lambda: state.expired
    finally:
        timer.cancel()
        _local.watch = previous
