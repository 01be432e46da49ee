"""Fetch one file: over HTTP(S) with requests, bounded in time and size, or from a local path.

Every failure is a :class:`DownloadError` naming the URL and the reason (status, timeout,
size limit, a response cut short), so ``update`` can say which file failed and why.
"""

from __future__ import annotations

import math
import os
import re
import stat
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from belay_gen._version import __version__
from belay_gen.errors import DownloadError
from belay_gen.packages.deadline import deadline_session, watch
from belay_gen.packages.locate import host_listed, host_of, is_url

DEFAULT_TIMEOUT = 30.0
#: Redirects followed per file (each one within a host or to an allowed host).
MAX_REDIRECTS = 5
#: Hosts (comma-separated ``host`` or ``host:port``) a download may be redirected to.
ALLOWED_HOSTS_VARIABLE = "BELAY_GEN_ALLOWED_HOSTS"
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024


class Fetcher:
    """Gets the bytes of URLs and local files.

    ``timeout`` bounds connecting, each read and the whole download (seconds), redirects
    included; ``max_bytes`` bounds each file. A redirect is followed (at most
    :data:`MAX_REDIRECTS`) only to the same host, or to a host in ``allowed_hosts``
    (``host`` or ``host:port``): a server must not send belay-gen to a host the project never
    named. ``from_env`` reads ``BELAY_GEN_DOWNLOAD_TIMEOUT``, ``BELAY_GEN_DOWNLOAD_MAX_BYTES``
    and ``BELAY_GEN_ALLOWED_HOSTS`` (comma-separated, e.g. ``objects.githubusercontent.com``).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allowed_hosts: Collection[str] = (),
        session: requests.Session | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allowed_hosts = frozenset(host.strip().lower() for host in allowed_hosts)
        self._session = session

    @classmethod
    def from_env(cls) -> Fetcher:
        """A fetcher with limits from the environment (defaults: 30 s, 16 MiB, no other
        hosts)."""
        try:
            timeout = float(os.environ.get("BELAY_GEN_DOWNLOAD_TIMEOUT", DEFAULT_TIMEOUT))
            max_bytes = int(os.environ.get("BELAY_GEN_DOWNLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))
            if not (math.isfinite(timeout) and timeout > 0):
                raise ValueError(f"BELAY_GEN_DOWNLOAD_TIMEOUT={timeout:g} is not a time > 0")
            if max_bytes <= 0:
                raise ValueError(f"BELAY_GEN_DOWNLOAD_MAX_BYTES={max_bytes} is not a size > 0")
        except ValueError as exc:
            raise DownloadError(f"bad BELAY_GEN_DOWNLOAD_* setting: {exc}") from None
        hosts = os.environ.get(ALLOWED_HOSTS_VARIABLE, "").split(",")
        return cls(timeout=timeout, max_bytes=max_bytes, allowed_hosts=[h for h in hosts if h])

    def close(self) -> None:
        """Release pooled connections."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def get(self, location: str) -> bytes:
        """The content at ``location`` (an ``http(s)://`` URL or a local file path)."""
        if is_url(location):
            return self._get_url(location)
        return self._get_file(Path(location))

    def _get_file(self, path: Path) -> bytes:
        """A local dependency file: a regular file of at most ``max_bytes``.

        Opened without blocking and checked on the open descriptor, so a FIFO cannot hang
        the read and a device (``/dev/zero``) or a kernel file (``/proc/self/environ``,
        whose contents would land in ``.belay-lib`` and on the board) is refused.
        """
        kernel = _kernel_filesystem(path)
        if kernel is not None:
            raise DownloadError(
                f"{path}: files under {kernel} are not dependencies; point the dependency at a"
                " regular file in your project or another folder"
            )
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise DownloadError(f"{path}: {exc.strerror or exc}") from None
        with os.fdopen(handle, "rb") as stream:
            try:
                info = os.fstat(stream.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise DownloadError(
                        f"{path}: not a regular file; a dependency must be a file or a folder"
                        " of files"
                    )
                if info.st_size > self.max_bytes:
                    raise DownloadError(
                        f"{path}: {info.st_size:,} bytes is over the {self._limit} limit"
                    )
                data = stream.read(self.max_bytes + 1)
            except OSError as exc:
                raise DownloadError(f"{path}: {exc.strerror or exc}") from None
        if len(data) > self.max_bytes:
            raise DownloadError(f"{path}: more than the {self._limit} limit")
        return data

    def _get_url(self, url: str) -> bytes:
        if self._session is None:
            self._session = deadline_session()
            self._session.headers["User-Agent"] = f"belay-gen/{__version__}"
        deadline = time.monotonic() + self.timeout
        for _ in range(MAX_REDIRECTS + 1):
            got = self._get_once(url, deadline)
            if isinstance(got, bytes):
                return got
            url = got
        raise DownloadError(f"GET {url}: more than {MAX_REDIRECTS} redirects")

    def _get_once(self, url: str, deadline: float) -> bytes | str:
        """The body at ``url``, or the checked URL its redirect leads to; cut off at
        ``deadline`` wherever the exchange is (connecting, headers, body)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise DownloadError(f"GET {url}: timed out after {self.timeout:g} s")
        with watch(left) as expired:
            try:
                got = self._exchange(url, deadline, left)
            except DownloadError:
                if not expired():
                    raise
            if not expired():  # a socket cut off at the deadline can look like an end
                return got
        raise DownloadError(f"GET {url}: timed out after {self.timeout:g} s")

    def _exchange(self, url: str, deadline: float, left: float) -> bytes | str:
        assert self._session is not None
        try:
            with self._session.get(
                url, timeout=left, stream=True, allow_redirects=False
            ) as response:
                if response.is_redirect:
                    return self._redirect(url, response.headers.get("Location", ""))
                if response.status_code != 200:
                    hint = (
                        ": check the URL, the ref and the path"
                        if response.status_code == 404
                        else ""
                    )
                    raise DownloadError(
                        f"GET {url}: HTTP {response.status_code} {response.reason}{hint}"
                    )
                declared = _content_length(response)
                if declared is not None and declared > self.max_bytes:
                    raise DownloadError(
                        f"GET {url}: {declared:,} bytes is over the {self._limit} limit"
                    )
                body = bytearray()
                for chunk in _chunks_as_they_arrive(response):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise DownloadError(f"GET {url}: more than the {self._limit} limit")
                    if time.monotonic() > deadline:
                        raise DownloadError(f"GET {url}: timed out after {self.timeout:g} s")
                if (
                    declared is not None
                    and len(body) < declared
                    and not response.headers.get("Content-Encoding")
                ):
                    got = f"{len(body):,} of {declared:,} bytes"
                    raise DownloadError(f"GET {url}: the response was cut short ({got})")
                return bytes(body)
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            raise DownloadError(f"GET {url}: timed out after {self.timeout:g} s") from None
        except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError) as exc:
            raise DownloadError(f"GET {url}: the response was cut short ({_short(exc)})") from None
        except requests.ConnectionError as exc:
            raise DownloadError(f"GET {url}: cannot connect ({_reason(exc)})") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise DownloadError(f"GET {url}: {_reason(exc)}") from None

    def _redirect(self, url: str, location: str) -> str:
        """Where a redirect from ``url`` leads, if belay-gen may follow it: an ``http(s)`` URL
        on the same host (https never downgraded to http), or on an allowed host."""
        target = urljoin(url, location)
        if not is_url(target):
            raise DownloadError(f"GET {url}: redirected to {target!r}, which is not an http(s) URL")
        if url.startswith("https://") and not target.startswith("https://"):
            raise DownloadError(f"GET {url}: redirected from https to plain http ({target})")
        if host_of(target) != host_of(url) and not host_listed(target, self.allowed_hosts):
            raise DownloadError(
                f"GET {url}: redirected to another host, {host_of(target)}; belay-gen follows"
                f" redirects only within a host unless {ALLOWED_HOSTS_VARIABLE} names the other"
                f" one (e.g. {ALLOWED_HOSTS_VARIABLE}={urlsplit(target).hostname})"
            )
        return target

    @property
    def _limit(self) -> str:
        return f"{self.max_bytes:,}-byte"


#: Kernel and device filesystems: never a dependency's content.
_KERNEL_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))


def _kernel_filesystem(path: Path) -> str | None:
    """The kernel folder (``/proc``, ``/sys``, ``/dev``) that ``path`` leads into, if any."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    for folder in _KERNEL_FOLDERS:
        if resolved == folder or folder in resolved.parents:
            return str(folder)
    return None


def _chunks_as_they_arrive(response: requests.Response) -> Iterator[bytes]:
    """The body in whatever pieces the socket delivers.

    ``iter_content(n)`` blocks until it has ``n`` bytes, so a server trickling one byte at a
    time would hold each read for minutes and the whole-download deadline would never be
    checked; ``read1`` returns as soon as anything arrived.
    """
    raw = response.raw
    while True:
        chunk = raw.read1(_CHUNK, decode_content=True)
        if not chunk:
            return
        yield chunk


def _content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _short(exc: BaseException) -> str:
    """How much of a cut-short response arrived."""
    read = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected", str(exc))
    if read is None:
        return _reason(exc)
    got, missing = int(read.group(1)), int(read.group(2))
    return f"got {got:,} of {got + missing:,} bytes"


def _reason(exc: BaseException) -> str:
    """The innermost useful message of a requests/urllib3 exception chain."""
    while True:
        inner = getattr(exc, "reason", None)  # urllib3's MaxRetryError
        if isinstance(inner, BaseException):
            exc = inner
        elif exc.args and isinstance(exc.args[0], BaseException):
            exc = exc.args[0]
        else:
            break
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    return errno.group(1).strip() if errno else text
