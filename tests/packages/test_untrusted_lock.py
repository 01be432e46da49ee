"""``update --frozen`` accepts from ``belay.lock`` only what ``pyproject.toml`` leads to, and
the lock stays portable: a tampered lock cannot point a dependency at another URL or file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from belay_gen.errors import ConfigError, LockMismatchError, PackageError
from belay_gen.packages import Lock, load_project
from tests.packages.test_update import configure, lib_files, run
from tests.support.package_server import PackageServer


def tamper(root: Path, name: str, dest: str, url: str, data: bytes) -> None:
    """Point ``name``'s ``dest`` in belay.lock at ``url``, with the sha256 of ``data``."""
    document = json.loads((root / "belay.lock").read_text())
    document["dependencies"][name]["files"][dest] = {
        "url": url,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (root / "belay.lock").write_text(json.dumps(document))


def clear_lib(root: Path) -> None:
    for path in sorted((root / ".belay-lib").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()


REFUSED = r"comes from .*which its source in pyproject.toml does not lead to .*belay-gen update"


@pytest.mark.parametrize("where", ["other path", "other host", "secret file", "proc"])
def test_a_tampered_file_url_is_refused_before_anything_is_fetched(
    root: Path, server: PackageServer, tmp_path: Path, where: str
) -> None:
    config = configure(root, server, 'a = "SERVER/files/util.py"\n')
    run(config, server)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=hunter2\n")
    url, data = {
        "other path": (
            f"{server.url}/files/hello.py",
            (server.root / "files/hello.py").read_bytes(),
        ),
        "other host": (server.url.replace("127.0.0.1", "localhost") + "/files/util.py", b""),
        "secret file": (str(secret), secret.read_bytes()),
        "proc": ("/proc/self/environ", b""),
    }[where]
    tamper(root, "a", "a/__init__.py", url, data)
    clear_lib(root)
    server.requests.clear()

    with pytest.raises(LockMismatchError, match=REFUSED):
        run(config, server, frozen=True)

    assert server.requests == [], "nothing fetched"
    assert lib_files(root) == {}


def test_package_files_may_come_from_the_package_hosts_only(
    root: Path, server: PackageServer, tmp_path: Path
) -> None:
    config = configure(root, server, 'pkg = "github:org/pkg"\n')
    run(config, server)
    locked = Lock.read(root / "belay.lock").entries["pkg"].files
    assert all(f.url.startswith(server.url) for f in locked.values())
    clear_lib(root)
    assert sorted(run(config, server, frozen=True).updated) == ["pkg"]  # untampered: restored

    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN = 1\n")
    tamper(root, "pkg", "pkg/core.py", str(secret), secret.read_bytes())
    with pytest.raises(LockMismatchError, match=REFUSED):
        run(config, server, frozen=True)
    elsewhere = server.url.replace("127.0.0.1", "localhost") + "/gh/org/pkg/HEAD/src/core.py"
    tamper(root, "pkg", "pkg/core.py", elsewhere, b"")
    with pytest.raises(LockMismatchError, match=REFUSED):
        run(config, server, frozen=True)


def test_local_folders_lock_relative_paths_and_refuse_others(
    root: Path, server: PackageServer, tmp_path: Path
) -> None:
    """A monorepo neighbour outside the project stays allowed, recorded as ``../...``."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "s.py").write_text("S = 1\n")
    (tmp_path / "secret.py").write_text("TOKEN = 1\n")
    config = configure(root, server, 'shared = {uri = "../shared"}\n')
    run(config, server)
    locked = Lock.read(root / "belay.lock").entries["shared"].files
    assert {dest: f.url for dest, f in locked.items()} == {"shared/s.py": "../shared/s.py"}
    clear_lib(root)
    assert run(config, server, frozen=True).updated == ["shared"]
    assert lib_files(root) == {"shared/s.py": "S = 1\n"}

    for url in ["../secret.py", str(tmp_path / "secret.py"), "../shared/../secret.py"]:
        tamper(root, "shared", "shared/s.py", url, (tmp_path / "secret.py").read_bytes())
        with pytest.raises(LockMismatchError, match=REFUSED):
            run(config, server, frozen=True)


def test_a_single_local_file_locks_exactly_that_file(
    root: Path, server: PackageServer, tmp_path: Path
) -> None:
    (root / "lib.py").write_text("L = 1\n")
    (root / "other.py").write_text("O = 1\n")
    config = configure(root, server, 'lib = "lib.py"\n')
    run(config, server)
    assert Lock.read(root / "belay.lock").entries["lib"].files["lib/__init__.py"].url == "lib.py"
    tamper(root, "lib", "lib/__init__.py", "other.py", (root / "other.py").read_bytes())
    with pytest.raises(LockMismatchError, match=REFUSED):
        run(config, server, frozen=True)


def test_an_oversized_or_special_lock_is_refused_cleanly(root: Path, server: PackageServer) -> None:
    config = configure(root, server, 'a = "SERVER/files/util.py"\n')
    (root / "belay.lock").write_text(" " * (16 * 1024 * 1024 + 1))
    with pytest.raises(PackageError, match=r"belay.lock is damaged \(larger than"):
        run(config, server)


def test_an_oversized_pyproject_is_refused_before_it_is_read(root: Path) -> None:
    (root / "pyproject.toml").write_text("# padding\n" * 500_000)
    with pytest.raises(ConfigError, match=r"pyproject.toml: 5,000,000 bytes is over the"):
        load_project(root)


def test_a_lock_that_is_a_fifo_does_not_hang(root: Path, server: PackageServer) -> None:
    config = configure(root, server, 'a = "SERVER/files/util.py"\n')
    os.mkfifo(root / "belay.lock")
    with pytest.raises(PackageError, match=r"belay.lock is damaged \(not a regular file\)"):
        run(config, server)
