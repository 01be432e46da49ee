"""Downloads follow redirects within a host only, unless ``BELAY_GEN_ALLOWED_HOSTS`` names
the other host; every hop shares one deadline and the count is bounded."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from belay_gen.errors import DownloadError
from belay_gen.packages import Fetcher
from tests.support.package_server import PackageServer


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    fetcher = Fetcher(timeout=5)
    try:
        yield fetcher
    finally:
        fetcher.close()


def redirect(server: PackageServer, to: str) -> str:
    return f"{server.url}/redirect?to={quote(to, safe='')}"


def other_host(server: PackageServer) -> str:
    """The same server under another host name: a different host to the fetcher."""
    return server.url.replace("127.0.0.1", "localhost")


def test_a_redirect_within_the_host_is_followed(server: PackageServer, fetcher: Fetcher) -> None:
    assert fetcher.get(redirect(server, "/files/util.py")) == b"VALUE = 1\n"
    twice = redirect(server, redirect(server, f"{server.url}/files/util.py"))
    assert fetcher.get(twice) == b"VALUE = 1\n"


def test_a_redirect_to_another_host_is_refused_and_says_which_setting(
    server: PackageServer, fetcher: Fetcher
) -> None:
    server.requests.clear()
    with pytest.raises(
        DownloadError,
        match=r"redirected to another host, localhost:\d+; .*BELAY_GEN_ALLOWED_HOSTS=localhost",
    ):
        fetcher.get(redirect(server, f"{other_host(server)}/files/util.py"))
    assert server.requests == [server.requests[0]], "the other host was never asked"


@pytest.mark.parametrize("allowed", ["localhost", "LOCALHOST:{port}"])
def test_an_allowed_host_may_be_redirected_to(
    server: PackageServer, monkeypatch: pytest.MonkeyPatch, allowed: str
) -> None:
    port = server.url.rsplit(":", 1)[1]
    monkeypatch.setenv("BELAY_GEN_ALLOWED_HOSTS", "example.org, " + allowed.format(port=port))
    fetcher = Fetcher.from_env()
    try:
        got = fetcher.get(redirect(server, f"{other_host(server)}/files/util.py"))
    finally:
        fetcher.close()
    assert got == b"VALUE = 1\n"


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("file:///etc/passwd", r"redirected to 'file:///etc/passwd', which is not an http"),
        ("ftp://127.0.0.1/x.py", r"which is not an http\(s\) URL"),
        ("LOOP", r"more than 5 redirects"),
    ],
)
def test_bad_redirects_are_refused(
    server: PackageServer, fetcher: Fetcher, location: str, message: str
) -> None:
    url = f"{server.url}/loop" if location == "LOOP" else redirect(server, location)
    with pytest.raises(DownloadError, match=message):
        fetcher.get(url)
