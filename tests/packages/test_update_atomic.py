"""``update`` is all-or-nothing per dependency: after an OSError midway (a folder that cannot
be written, a full disk) the previous copy of that dependency stays complete."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from belay_gen.errors import PackageError
from belay_gen.packages import store
from tests.packages.test_update import configure, lib_files, run
from tests.support.package_server import PackageServer


@pytest.fixture
def project(tmp_path: Path, server: PackageServer) -> Path:
    """A project whose dependency ``shared`` (a local folder) is installed: a.py, sub/b.py."""
    root = tmp_path / "project"
    (root / "shared" / "sub").mkdir(parents=True)
    (root / "shared" / "a.py").write_text("A = 1\n")
    (root / "shared" / "sub" / "b.py").write_text("B = 1\n")
    run(configure(root, server, 'shared = "shared"\n'), server)
    (root / "shared" / "a.py").write_text("A = 2\n")
    (root / "shared" / "sub" / "b.py").write_text("B = 2\n")
    (root / "shared" / "sub" / "c.py").write_text("C = 2\n")
    return root


OLD = {"shared/a.py": "A = 1\n", "shared/sub/b.py": "B = 1\n"}


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """``folder`` cannot take new files: read-only for a user, immutable for root."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)]).returncode != 0:
        pytest.skip("root, and this filesystem cannot make a folder immutable")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_an_unwritable_folder_midway_keeps_the_previous_copy(
    project: Path, server: PackageServer
) -> None:
    lock_before = (project / "belay.lock").read_text()
    config = configure(project, server, 'shared = "shared"\n')
    with unwritable(project / ".belay-lib" / "shared" / "sub"):
        with pytest.raises(
            PackageError, match=r"cannot write shared into \.belay-lib: .*previous copy is kept"
        ):
            run(config, server)
        assert lib_files(project) == OLD, "a.py (written first) was not replaced"
    assert (project / "belay.lock").read_text() == lock_before
    assert not [p for p in (project / ".belay-lib").rglob("*.tmp")], "no temp files left"
    assert run(config, server).updated == ["shared"]  # fixed: it works again
    assert lib_files(project)["shared/sub/c.py"] == "C = 2\n"


def test_a_file_where_a_folder_should_be_keeps_the_previous_copy(
    project: Path, server: PackageServer
) -> None:
    (project / "shared" / "new").mkdir()
    (project / "shared" / "new" / "d.py").write_text("D = 2\n")
    (project / ".belay-lib" / "shared" / "new").write_text("in the way\n")
    with pytest.raises(PackageError, match=r"cannot write shared into \.belay-lib"):
        run(configure(project, server, 'shared = "shared"\n'), server)
    assert {k: v for k, v in lib_files(project).items() if k != "shared/new"} == OLD
    assert not (project / ".belay-lib" / "shared" / "sub" / "c.py").exists()


def test_a_full_disk_on_the_last_rename_puts_the_others_back(
    project: Path, server: PackageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename step failing (here: on the last file) restores the files renamed before."""
    real_replace = os.replace
    calls: list[str] = []

    def replace(src: str | Path, dst: str | Path) -> None:
        calls.append(str(dst))
        if str(dst).endswith("c.py"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)
    with pytest.raises(PackageError, match=r"No space left on device .*previous copy is kept"):
        run(configure(project, server, 'shared = "shared"\n'), server)
    monkeypatch.setattr(store.os, "replace", real_replace)
    assert len(calls) >= 3
    assert lib_files(project) == OLD
    assert not [p for p in (project / ".belay-lib").rglob("*.tmp")]
