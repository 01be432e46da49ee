"""``update``/``clean``/``update --frozen`` against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import socket
import textwrap
import threading
import time
from pathlib import Path

import pytest

from belay_gen.errors import DownloadError, LockMismatchError, PackageError
from belay_gen.packages import Endpoints, Fetcher, Lock, clean, load_project, update
from belay_gen.packages.config import ProjectConfig
from belay_gen.packages.update import UpdateReport
from tests.support.package_server import PackageServer


def configure(
    root: Path, server: PackageServer, dependencies: str, extra: str = ""
) -> ProjectConfig:
    text = "[tool.belay.dependencies]\n" + textwrap.dedent(dependencies) + textwrap.dedent(extra)
    (root / "pyproject.toml").write_text(text.replace("SERVER", server.url))
    return load_project(root)


def run(
    config: ProjectConfig, server: PackageServer, *names: str, frozen: bool = False, **limits: float
) -> UpdateReport:
    fetcher = Fetcher(
        timeout=limits.get("timeout", 10.0), max_bytes=int(limits.get("max_bytes", 100_000))
    )
    endpoints = Endpoints.from_env(server.env)
    try:
        return update(config, names, frozen=frozen, fetcher=fetcher, endpoints=endpoints)
    finally:
        fetcher.close()


def lib_files(root: Path) -> dict[str, str]:
    lib = root / ".belay-lib"
    return {
        p.relative_to(lib).as_posix(): p.read_text() for p in sorted(lib.rglob("*")) if p.is_file()
    }


def test_update_downloads_every_form_and_writes_the_lock(root: Path, server: PackageServer) -> None:
    (root / "local").mkdir()
    (root / "local" / "one.py").write_text("ONE = 1\n")
    (root / "local" / "sub").mkdir()
    (root / "local" / "sub" / "two.py").write_text("TWO = 2\n")
    (root / "local" / "__pycache__").mkdir()
    (root / "local" / "__pycache__" / "one.cpython-311.pyc").write_bytes(b"\0")
    (root / "local" / ".git").mkdir()
    (root / "local" / ".git" / "HEAD").write_text("ref\n")
    config = configure(
        root,
        server,
        """
        hello = "SERVER/files/hello.py"
        ssd = "github:org/drivers/ssd.py@v1"
        blob = "https://github.com/org/drivers/blob/HEAD/ssd.py"
        pkg = "github:org/pkg"
        tools = ["SERVER/files/util.py", {uri = "SERVER/files/data.txt", rename = "res/data.txt"}]
        folder = "local"
        single = {uri = "local/one.py", rename_to_init = false}
        idxpkg = "*"
        """,
    )
    report = run(config, server)
    assert report.failed == {} and len(report.updated) == 7
    assert report.unchanged == ["idxpkg"]  # pkg's deps already brought the same idxpkg.py
    assert lib_files(root) == {
        "blob/__init__.py": 'class SSD:\n    version = "head"\n',
        "dep.py": "DEP = 2\n",
        "folder/one.py": "ONE = 1\n",
        "folder/sub/two.py": "TWO = 2\n",
        "hello/__init__.py": 'def hello():\n    return "hello from a dependency"\n',
        "idxpkg.py": "IDX = 'from the index'\n",
        "pkg/__init__.py": 'from pkg.core import X\n\n__all__ = ["X"]\n',
        "pkg/core.py": 'X = "core"\n',
        "single/one.py": "ONE = 1\n",
        "ssd/__init__.py": 'class SSD:\n    version = "v1"\n',
        "tools/res/data.txt": "plain data\n",
        "tools/util.py": "VALUE = 1\n",
    }
    lock = json.loads((root / "belay.lock").read_text())
    assert lock["version"] == 1
    hello = lock["dependencies"]["hello"]
    assert hello["sources"] == [{"uri": f"{server.url}/files/hello.py", "rename_to_init": True}]
    assert hello["files"]["hello/__init__.py"]["url"] == f"{server.url}/files/hello.py"
    assert len(hello["files"]["hello/__init__.py"]["sha256"]) == 64
    assert lock["dependencies"]["folder"]["files"]["folder/sub/two.py"]["url"] == "local/sub/two.py"
    assert set(lock["dependencies"]["pkg"]["files"]) == {
        "dep.py",
        "idxpkg.py",
        "pkg/__init__.py",
        "pkg/core.py",
    }
    assert (
        "/gh/org/drivers/v1/ssd.py" in server.requests
        and "/gh/org/drivers/HEAD/ssd.py" in server.requests
    )

    again = run(config, server)
    assert len(again.unchanged) == 8 and again.updated == []


def test_changed_upstream_is_updated_and_stale_files_removed(
    root: Path, server: PackageServer
) -> None:
    config = configure(root, server, 'tools = ["SERVER/files/util.py", "SERVER/files/data.txt"]\n')
    run(config, server)
    server.write("files/util.py", "VALUE = 2\n")
    config = configure(root, server, 'tools = ["SERVER/files/util.py"]\n')
    report = run(config, server)
    assert report.updated == ["tools"]
    assert lib_files(root) == {"tools/util.py": "VALUE = 2\n"}


@pytest.mark.parametrize(
    ("path", "limits", "message"),
    [
        ("/files/missing.py", {}, r"GET http://127.0.0.1:\d+/files/missing.py: HTTP 404 .*: check"),
        ("/truncated.py", {}, r"GET \S+/truncated.py: the response was cut short \(got 6 of 1,000"),
        ("/slow.py", {"timeout": 0.5}, r"GET \S+/slow.py: timed out after 0.5 s"),
        ("/big.py", {"max_bytes": 50_000}, r"GET \S+/big.py: more than the 50,000-byte limit"),
        ("/html/page.py", {}, r"\S+/html/page.py: not Python source: .* \(it looks like HTML"),
    ],
)
def test_a_failed_download_keeps_the_previous_copy(
    root: Path, server: PackageServer, path: str, limits: dict[str, float], message: str
) -> None:
    config = configure(
        root, server, 'good = "SERVER/files/util.py"\nflaky = "SERVER/files/hello.py"\n'
    )
    run(config, server)
    before, lock_before = lib_files(root), Lock.read(root / "belay.lock")
    config = configure(
        root,
        server,
        f'good = "SERVER/files/data.txt"\nflaky = ["SERVER/files/util.py", "SERVER{path}"]\n',
    )
    with pytest.raises(
        PackageError,
        match=r"could not update 1 dependency \(previous copies kept\): flaky: " + message,
    ):
        run(config, server, **limits)
    after = lib_files(root)
    assert after["flaky/__init__.py"] == before["flaky/__init__.py"]
    assert "flaky/util.py" not in after  # nothing of the failed attempt landed
    assert after["good/data.txt"] == "plain data\n"  # the others were updated
    lock = Lock.read(root / "belay.lock")
    assert lock.entries["flaky"] == lock_before.entries["flaky"]


def test_download_errors_are_download_errors(root: Path, server: PackageServer) -> None:
    config = configure(root, server, 'x = "SERVER/files/missing.py"\n')
    with pytest.raises(DownloadError, match=r"previous copies kept\): x: GET "):
        run(config, server)
    assert lib_files(root) == {}
    fetcher = Fetcher(timeout=2)
    with pytest.raises(
        DownloadError, match=r"GET http://127.0.0.1:1/x.py: cannot connect \(Connection refused\)"
    ):
        fetcher.get("http://127.0.0.1:1/x.py")


@pytest.mark.parametrize(
    ("repo", "message"),
    [
        ("evil", r"destination '../escape.py' contains '..'; refusing to install it"),
        ("absolute", r"destination '/boot.py' is absolute; refusing"),
        ("broken", r"package.json: not a valid package.json"),
    ],
)
def test_unsafe_or_broken_package_json_is_refused(
    root: Path, server: PackageServer, repo: str, message: str
) -> None:
    config = configure(root, server, f'bad = "github:org/{repo}"\n')
    with pytest.raises(PackageError, match=message):
        run(config, server)
    assert not (root / "escape.py").exists() and not (root.parent / "escape.py").exists()
    assert lib_files(root) == {}


def test_two_dependencies_may_not_install_one_file_differently(
    root: Path, server: PackageServer
) -> None:
    server.write("other/package.json", json.dumps({"urls": [["dep.py", "dep.py"]]}))
    server.write("other/dep.py", "DEP = 'other'\n")
    config = configure(
        root, server, 'pkg = "github:org/pkg"\nother = "SERVER/other/package.json"\n'
    )
    with pytest.raises(
        PackageError, match=r"pkg and other both install dep.py with different content"
    ):
        run(config, server)
    assert lib_files(root)["dep.py"] == "DEP = 2\n"


def test_update_names_only_and_clean_removes_unlisted(root: Path, server: PackageServer) -> None:
    config = configure(root, server, 'a = "SERVER/files/util.py"\nb = "SERVER/files/hello.py"\n')
    run(config, server)
    server.write("files/util.py", "VALUE = 'new'\n")
    server.write("files/hello.py", "HELLO = 'new'\n")
    report = run(config, server, "b")
    assert report.updated == ["b"]
    assert lib_files(root)["a/__init__.py"] == "VALUE = 1\n"
    with pytest.raises(Exception, match="no dependency named 'c'"):
        run(config, server, "c")

    (root / ".belay-lib" / "stray.py").write_text("mine")
    config = configure(root, server, 'b = "SERVER/files/hello.py"\n')
    said: list[str] = []
    removed = clean(config, log=said.append)
    assert removed == ["a/__init__.py"]  # only what belay.lock recorded
    assert lib_files(root) == {"b/__init__.py": "HELLO = 'new'\n", "stray.py": "mine"}
    assert ".belay-lib/stray.py: not recorded in belay.lock, left alone" in said
    assert set(Lock.read(root / "belay.lock").entries) == {"b"}
    assert clean(config) == []


def test_frozen_restores_locked_files_and_refuses_changes(
    root: Path, server: PackageServer
) -> None:
    config = configure(root, server, 'a = "SERVER/files/util.py"\npkg = "github:org/pkg"\n')
    run(config, server)
    locked = (root / "belay.lock").read_text()
    (root / ".belay-lib" / "a" / "__init__.py").write_text("edited\n")
    (root / ".belay-lib" / "dep.py").unlink()
    report = run(config, server, frozen=True)
    assert sorted(report.updated) == ["a", "pkg"]
    assert lib_files(root)["a/__init__.py"] == "VALUE = 1\n" and "dep.py" in lib_files(root)
    assert (root / "belay.lock").read_text() == locked
    # A locked file no longer fetches package.json: only the locked URLs.
    server.write("gh/org/pkg/HEAD/package.json", "{broken")
    assert run(config, server, frozen=True).unchanged == ["a", "pkg"]

    server.write("files/util.py", "VALUE = 'changed upstream'\n")
    (root / ".belay-lib" / "dep.py").unlink()
    with pytest.raises(
        LockMismatchError,
        match=r"files/util.py changed since belay.lock was written: .*belay-gen update a",
    ) as raised:
        run(config, server, frozen=True)
    assert not re.search(r"[0-9a-f]{8}", str(raised.value).replace(server.url, "")), "no hash"
    assert "dep.py" not in lib_files(root)  # refused: nothing written
    assert (root / "belay.lock").read_text() == locked

    config = configure(root, server, 'a = "SERVER/files/data.txt"\npkg = "github:org/pkg"\n')
    with pytest.raises(
        LockMismatchError, match=r"dependency a changed in pyproject.toml .*belay-gen update a"
    ):
        run(config, server, frozen=True)
    config = configure(root, server, 'pkg = "github:org/pkg"\n')
    with pytest.raises(
        LockMismatchError, match=r"belay.lock lists a, which pyproject.toml no longer has"
    ):
        run(config, server, frozen=True)
    config = configure(
        root,
        server,
        'a = "SERVER/files/util.py"\npkg = "github:org/pkg"\nnew = "SERVER/files/hello.py"\n',
    )
    with pytest.raises(LockMismatchError, match=r"dependency new is not in belay.lock"):
        run(config, server, frozen=True)


def test_develop_dependencies_are_not_cached(root: Path, server: PackageServer) -> None:
    (root / "shared").mkdir()
    (root / "shared" / "s.py").write_text("S = 1\n")
    config = configure(root, server, 'shared = {uri = "shared", develop = true}\n')
    report = run(config, server)
    assert report.develop == ["shared"]
    assert Lock.read(root / "belay.lock").entries["shared"].files == {}
    assert lib_files(root) == {}


def test_a_damaged_lock_says_how_to_recover(root: Path, server: PackageServer) -> None:
    config = configure(root, server, 'a = "SERVER/files/util.py"\n')
    damaged = {
        "a": {"group": "main", "sources": [], "files": {"../../x": {"url": "u", "sha256": "s"}}}
    }
    (root / "belay.lock").write_text(json.dumps({"version": 1, "dependencies": damaged}))
    with pytest.raises(
        PackageError, match=r"belay.lock is damaged .*'../../x' contains '..'.*belay-gen update"
    ):
        run(config, server)
    (root / "belay.lock").write_text("not json")
    with pytest.raises(PackageError, match=r"belay.lock is damaged"):
        run(config, server)


def test_a_downloaded_package_json_cannot_name_local_files(
    root: Path, server: PackageServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN\n")
    manifest = {"deps": [[secret.as_uri(), ""]]}
    server.write("sneaky/package.json", json.dumps(manifest))
    config = configure(root, server, 'sneaky = "SERVER/sneaky/package.json"\n')
    with pytest.raises(PackageError, match=r"deps entry 'file://.*' is not a URL"):
        run(config, server)
    server.write("sneaky/package.json", json.dumps({"urls": [["s.txt", secret.as_uri()]]}))
    with pytest.raises(PackageError, match=r"urls entry 'file://.*' is not a URL"):
        run(config, server)
    assert lib_files(root) == {}


def test_update_never_writes_or_deletes_through_a_symlinked_folder(
    root: Path, server: PackageServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "__init__.py").write_text("MINE = 1\n")
    (root / ".belay-lib").mkdir()
    (root / ".belay-lib" / "a").symlink_to(outside)
    config = configure(root, server, 'a = "SERVER/files/util.py"\n')
    with pytest.raises(PackageError, match=r"\.belay-lib/a is a symlink"):
        run(config, server)
    assert (outside / "__init__.py").read_text() == "MINE = 1\n"


@pytest.mark.parametrize("target", [".", "elsewhere"])
def test_a_symlinked_lib_folder_is_refused_and_nothing_is_deleted(
    root: Path, server: PackageServer, tmp_path: Path, target: str
) -> None:
    """A cloned repo can carry ``.belay-lib -> .``: update and clean must not delete the
    project (or any other folder) through it."""
    config = configure(root, server, 'a = "SERVER/files/util.py"\nb = "SERVER/files/hello.py"\n')
    run(config, server)
    (root / "app.py").write_text("print('keep me')\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a").mkdir()
    (elsewhere / "a" / "__init__.py").write_text("precious\n")
    lib = root / ".belay-lib"
    for path in sorted(lib.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    lib.rmdir()
    lib.symlink_to(root if target == "." else elsewhere, target_is_directory=True)
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))

    config = configure(root, server, 'b = "SERVER/files/hello.py"\n')
    with pytest.raises(PackageError, match=r"\.belay-lib is a symlink .*remove the link"):
        clean(config)
    with pytest.raises(PackageError, match=r"\.belay-lib is a symlink"):
        run(config, server)
    after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert (root / "pyproject.toml").exists() and (root / "app.py").exists()
    assert (elsewhere / "a" / "__init__.py").read_text() == "precious\n"
    assert [p for p in before if p not in after] == []


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/proc/self/environ", r"files under /proc are not dependencies"),
        ("/dev/zero", r"'/dev/zero' is not a regular file"),
        ("fifo.py", r"'fifo.py' is not a regular file"),
    ],
)
def test_local_dependencies_must_be_regular_files(
    root: Path, server: PackageServer, uri: str, message: str
) -> None:
    """A kernel file would copy the environment (and a WebREPL password) into .belay-lib;
    a FIFO would hang update; a device would never end."""
    os.mkfifo(root / "fifo.py")
    config = configure(root, server, f'leak = "{uri}"\n')
    with pytest.raises(PackageError, match=message):
        run(config, server)
    assert lib_files(root) == {}


def test_a_local_dependency_over_the_size_limit_is_refused(
    root: Path, server: PackageServer
) -> None:
    (root / "big.py").write_text("X = 1\n" * 1000)
    config = configure(root, server, 'big = "big.py"\n')
    with pytest.raises(PackageError, match=r"big.py: 6,000 bytes is over the 100-byte limit"):
        run(config, server, max_bytes=100)


def test_fetching_a_special_file_directly_is_refused(tmp_path: Path) -> None:
    """The fetcher checks what it opened, whatever the locator said (a path can change
    between the two): a FIFO neither hangs nor passes."""
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(DownloadError, match="not a regular file"):
        Fetcher().get(str(tmp_path / "pipe"))
    with pytest.raises(DownloadError, match="files under /dev are not dependencies"):
        Fetcher().get("/dev/zero")


def test_the_download_deadline_holds_against_a_trickling_server() -> None:
    """A server that declares 1,000 bytes and sends one every 50 ms never lets a socket read
    time out: only the deadline over the whole download stops it."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent: list[int] = []

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            try:
                for count in range(1000):
                    connection.sendall(b"#")
                    sent.append(count)
                    time.sleep(0.05)
            except OSError:
                pass  # the client gave up, as it should

    server = threading.Thread(target=trickle, daemon=True)
    server.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/slow.py"
    try:
        with pytest.raises(DownloadError, match=r"slow.py: timed out after 1 s"):
            Fetcher(timeout=1).get(url)
    finally:
        server.join(timeout=60)
        listener.close()
    assert len(sent) < 1000
