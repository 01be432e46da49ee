"""Host file helpers: atomic writes, folder walking with git-wildmatch ignore rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from belay_gen.errors import SyncInputError
from belay_gen.files import DEFAULT_IGNORE, discover, resolve_ignore, write_atomic


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_ignore_patterns_default_to_belays() -> None:
    assert resolve_ignore(None) == list(DEFAULT_IGNORE)
    assert resolve_ignore("*.txt") == ["*.txt"]
    assert resolve_ignore(("a", "b/")) == ["a", "b/"]
    assert resolve_ignore([]) == []
    with pytest.raises(SyncInputError, match="ignore must be a pattern or a list"):
        resolve_ignore(5)  # type: ignore[arg-type]


def test_walk_applies_git_wildmatch(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "main.py": b"",
            "pkg/mod.py": b"",
            "pkg/__pycache__/mod.cpython-311.pyc": b"",
            "pkg/notes.txt": b"",
            "build/out.bin": b"",
            "sub/build/kept.bin": b"",  # "/build" is anchored to the top
            ".DS_Store": b"",
        },
    )
    (root / "empty").mkdir()
    tree = discover(root, [*DEFAULT_IGNORE, "*.txt", "/build"])
    assert tree.base == root and not tree.single_file
    assert tree.files == ("main.py", "pkg/mod.py", "sub/build/kept.bin")
    assert tree.dirs == ("empty", "pkg", "sub", "sub/build")


def test_walk_does_not_enter_ignored_folders_and_negation_works(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"docs/a.md": b"", "docs/keep.md": b"", "x.md": b"", "y.py": b""})
    assert discover(root, ["*.md", "!keep.md"]).files == ("docs/keep.md", "y.py")
    assert discover(root, ["docs/"]).dirs == ()
    assert discover(root, []).files == ("docs/a.md", "docs/keep.md", "x.md", "y.py")


def test_walk_lists_only_regular_files(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src", {"real.py": b""})
    os.symlink(tmp_path / "nowhere", root / "dangling.py")
    assert discover(root, []).files == ("real.py",)


def test_a_single_file_walks_as_itself(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text("x = 1\n")
    tree = discover(tmp_path / "one.py", ["*.py"])  # named directly: not ignored
    assert (tree.base, tree.files, tree.dirs, tree.single_file) == (
        tmp_path,
        ("one.py",),
        (),
        True,
    )


def test_walking_what_is_not_there_or_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        discover(tmp_path / "nope", [])
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(NotADirectoryError, match="neither a file nor a folder"):
        discover(fifo, [])


def test_write_atomic_replaces_whole_files_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "out.bin"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_write_atomic_failure_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, b"old")

    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
