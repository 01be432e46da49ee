"""Where a dependency URI points: one file, a local folder, a package.json, or an index package.

``github:org/repo/path@ref`` and GitHub ``blob`` pages become raw.githubusercontent.com URLs
(``ref`` defaults to ``HEAD``), ``gitlab:`` likewise; a path without a file suffix means its
``package.json``, as ``mip`` does. ``mip:NAME[@VERSION]`` asks the MicroPython index. The hosts
come from :class:`Endpoints`, which environment variables can point at a mirror (or a test
server)::

    BELAY_GEN_GITHUB_RAW_BASE=https://raw.githubusercontent.com
    BELAY_GEN_GITLAB_BASE=https://gitlab.com
    BELAY_GEN_INDEX=https://micropython.org/pi/v2

A download is redirected only within its host, or to a host listed (comma-separated) in
``BELAY_GEN_ALLOWED_HOSTS`` (see :class:`belay_gen.packages.fetch.Fetcher`).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from belay_gen.errors import PackageError

GITHUB_RAW = "https://raw.githubusercontent.com"
_GITHUB_PAGE = re.compile(
    r"^https?://(?:www\.)?github\.com/([^/]+)/([^/]+?)(?:\.git)?(?:/(blob|tree|raw)/([^/]+)(?:/(.*))?)?/?$"
)
_GITHUB_RAW_URL = re.compile(r"^https?://raw\.githubusercontent\.com/(.*)$")
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
FILE_SUFFIXES = (".py", ".mpy")


@dataclass(frozen=True)
class Endpoints:
    """The hosts behind ``github:``, ``gitlab:`` and index (``mip:``) dependencies."""

    github_raw: str = GITHUB_RAW
    gitlab: str = "https://gitlab.com"
    index: str = "https://micropython.org/pi/v2"
    #: The index's build of a package: ``py`` (source) or an ``.mpy`` version such as ``6``.
    mpy: str = "py"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Endpoints:
        """Endpoints with ``BELAY_GEN_GITHUB_RAW_BASE``/``_GITLAB_BASE``/``_INDEX`` applied."""
        env = os.environ if environ is None else environ
        return cls(
            github_raw=env.get("BELAY_GEN_GITHUB_RAW_BASE", GITHUB_RAW).rstrip("/"),
            gitlab=env.get("BELAY_GEN_GITLAB_BASE", "https://gitlab.com").rstrip("/"),
            index=env.get("BELAY_GEN_INDEX", "https://micropython.org/pi/v2").rstrip("/"),
        )


@dataclass(frozen=True)
class FileRef:
    """One file: ``location`` is a URL or an absolute local path."""

    location: str

    @property
    def basename(self) -> str:
        """The file's name, from the last path component."""
        return posixpath.basename(
            urlsplit(self.location).path
            if is_url(self.location)
            else self.location.replace("\\", "/")
        )


@dataclass(frozen=True)
class FolderRef:
    """A local folder, copied as it is."""

    path: Path


@dataclass(frozen=True)
class ManifestRef:
    """A MicroPython ``package.json`` (URL or local path); ``ref`` is the git ref it came from,
    applied to the ``github:``/``gitlab:`` entries it lists."""

    location: str
    ref: str | None = None


@dataclass(frozen=True)
class IndexRef:
    """A package of the MicroPython index."""

    name: str
    version: str = "latest"


Target = FileRef | FolderRef | ManifestRef | IndexRef


def is_url(location: str) -> bool:
    """True for ``http://`` and ``https://`` locations."""
    return location.startswith(("http://", "https://"))


def host_of(url: str) -> str:
    """``host[:port]`` of an ``http(s)`` URL, lower-case (``""`` when it has none)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    return f"{host}:{port}" if port is not None else host


def host_listed(url: str, hosts: Collection[str]) -> bool:
    """True when ``url``'s host is in ``hosts`` (lower-case), as ``host`` or ``host:port``."""
    host = host_of(url)
    return bool(host) and (host in hosts or (urlsplit(url).hostname or "").lower() in hosts)


def locate(uri: str, root: Path, endpoints: Endpoints, *, ref: str | None = None) -> Target:
    """What ``uri`` (from ``pyproject.toml`` or a package.json ``deps`` entry) points at.

    Relative local paths are relative to ``root``. ``ref`` is the default git ref of a
    ``github:``/``gitlab:`` URI without ``@ref``. Raises :class:`PackageError` for a URI
    that cannot work (unknown scheme, missing local path, malformed ``github:``).
    """
    if uri.startswith("mip:"):
        name, _, version = uri[4:].partition("@")
        if not _INDEX_NAME.match(name):
            raise PackageError(f"{uri!r}: not an index package name")
        return IndexRef(name, version or "latest")
    if uri.startswith(("github:", "gitlab:")):
        return _by_suffix(git_raw_url(uri, endpoints, ref=ref), git_ref(uri, ref))
    if is_url(uri):
        page = _GITHUB_PAGE.match(uri)
        if page is not None:
            org, repo, kind, branch, path = page.groups()
            shorthand = f"github:{org}/{repo}" + (f"/{path}" if path else "")
            url = git_raw_url(shorthand, endpoints, ref=branch or ref)
            if kind == "tree" or not path:
                return ManifestRef(url.rstrip("/") + "/package.json", branch or ref)
            return _by_suffix(url, branch or ref)
        return _by_suffix(rewrite_url(uri, endpoints), ref)
    scheme = urlsplit(uri).scheme
    if uri.startswith("file://"):
        uri = urlsplit(uri).path
    elif len(scheme) > 1:
        raise PackageError(
            f"{uri!r}: unsupported URL scheme {scheme!r}; use https://, github:, gitlab:, mip:"
            " or a local path"
        )
    path = Path(uri).expanduser()
    path = path if path.is_absolute() else root / path
    if path.is_dir():
        return FolderRef(path)
    if not path.exists():
        raise PackageError(f"local path {uri!r} does not exist (looked for {path})")
    if not path.is_file():
        raise PackageError(
            f"local path {uri!r} is not a regular file (a device, FIFO or socket); a dependency"
            " must be a file or a folder of files"
        )
    if path.suffix == ".json":
        return ManifestRef(str(path))
    return FileRef(str(path))


def _by_suffix(url: str, ref: str | None) -> Target:
    """A URL by its last component: ``.json`` is a manifest, other suffixes a file, and
    no suffix a folder's ``package.json`` (as ``mip`` reads ``github:org/repo``)."""
    name = posixpath.basename(urlsplit(url).path)
    if name.endswith(".json"):
        return ManifestRef(url, ref)
    if "." in name:
        return FileRef(url)
    return ManifestRef(url.rstrip("/") + "/package.json", ref)


def git_ref(uri: str, default: str | None = None) -> str | None:
    """The ``@ref`` of a ``github:``/``gitlab:`` URI, else ``default``."""
    body = uri.split(":", 1)[1]
    return body.rsplit("@", 1)[1] if "@" in body else default


def git_raw_url(uri: str, endpoints: Endpoints, *, ref: str | None = None) -> str:
    """The raw-file URL of ``github:org/repo[/path][@ref]`` (or ``gitlab:``)."""
    scheme, body = uri.split(":", 1)
    if "@" in body:
        body, ref = body.rsplit("@", 1)
    parts = [part for part in body.split("/") if part]
    if len(parts) < 2 or any(part in (".", "..") for part in parts) or ref == "":
        raise PackageError(f"{uri!r}: expected {scheme}:ORG/REPO[/PATH][@REF]")
    org, repo, path = parts[0], parts[1], "/".join(parts[2:])
    branch = ref or "HEAD"
    if scheme == "github":
        base = f"{endpoints.github_raw}/{org}/{repo}/{branch}"
    else:
        base = f"{endpoints.gitlab}/{org}/{repo}/-/raw/{branch}"
    return f"{base}/{path}" if path else base


def rewrite_url(url: str, endpoints: Endpoints) -> str:
    """``url`` with raw.githubusercontent.com replaced by the configured GitHub raw host."""
    raw = _GITHUB_RAW_URL.match(url)
    if raw is not None and endpoints.github_raw != GITHUB_RAW:
        return f"{endpoints.github_raw}/{raw.group(1)}"
    return url


def manifest_entry(source: str, manifest: ManifestRef, endpoints: Endpoints) -> str:
    """The location of a file listed in ``manifest``'s ``urls``: absolute URLs and
    ``github:`` as they are, relative ones against the package.json's own location."""
    if source.startswith(("github:", "gitlab:")):
        return git_raw_url(source, endpoints, ref=manifest.ref)
    if is_url(source):
        target = locate(source, Path("/"), endpoints)
        return target.location if isinstance(target, (FileRef, ManifestRef)) else source
    if is_url(manifest.location):
        return join_remote(manifest.location, source, "urls")
    return str(Path(manifest.location).parent / source)


def join_remote(base: str, entry: str, key: str) -> str:
    """``entry`` of the downloaded package.json at ``base``, resolved against it.

    Raises :class:`PackageError` when the result is not an ``http(s)`` URL: a package.json
    from the web must never make belay-gen read a local file (``file:///home/me/.ssh/...``).
    """
    joined = urljoin(base, entry)
    if not is_url(joined):
        raise PackageError(
            f"{base}: {key} entry {entry!r} is not a URL; a downloaded package.json may only"
            " name files on the web"
        )
    return joined


def index_manifest(target: IndexRef, endpoints: Endpoints) -> ManifestRef:
    """The package.json of an index package."""
    name = f"{endpoints.index}/package/{endpoints.mpy}/{target.name}/{target.version}.json"
    return ManifestRef(name)


def index_file(short_hash: str, endpoints: Endpoints) -> str:
    """The URL of an index file named by its (short) sha256."""
    return f"{endpoints.index}/file/{short_hash[:2]}/{short_hash}"
