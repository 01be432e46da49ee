"""``belay-gen sync``: output, dry run, errors and exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from belay_gen.cli import sync as cli_sync
from belay_gen.cli.sync import SyncProgressBar, report_lines
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.runtime.sync.folder import SyncReport


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BELAY_GEN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "main.py").write_text("print('hi')\n")
    (root / "pkg" / "mod.py").write_text("X = 1\n")
    return root


@pytest.mark.board
def test_sync_prints_changes_then_up_to_date(
    virtual_board: VirtualBoard, board_root: Path, project: Path
) -> None:
    (board_root / "stale.py").write_text("x")
    runner = CliRunner()
    dry = runner.invoke(main, ["sync", virtual_board.path, str(project), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete /stale.py" in dry.output and "would upload /main.py" in dry.output
    assert (board_root / "stale.py").exists()

    first = runner.invoke(main, ["sync", virtual_board.path, str(project), "--no-minify"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "deleted /stale.py",
        "created /pkg/",
        "uploaded /main.py",
        "uploaded /pkg/mod.py",
        "2 uploaded (18 bytes), 1 deleted, 0 unchanged",
    ]
    assert (board_root / "pkg" / "mod.py").read_text() == "X = 1\n"

    again = runner.invoke(main, ["sync", virtual_board.path, str(project), "--no-minify"])
    assert again.output.splitlines() == ["/ is up to date (2 files unchanged)"]


@pytest.mark.board
def test_sync_options_reach_the_engine(
    virtual_board: VirtualBoard, board_root: Path, project: Path
) -> None:
    (board_root / "boot.py").write_text("b")
    (board_root / "keep.txt").write_text("k")
    runner = CliRunner()
    args = ["sync", virtual_board.path, str(project), "--dst", "/app", "--ignore", "pkg"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (board_root / "app" / "main.py").exists() and not (board_root / "app" / "pkg").exists()
    result = runner.invoke(main, ["sync", virtual_board.path, str(project), "--keep", "keep.txt"])
    assert result.exit_code == 0, result.output
    # --keep adds to the defaults: boot.py stays; every deletion is named.
    assert (board_root / "keep.txt").exists() and (board_root / "boot.py").exists()
    assert not (board_root / "app").exists()
    assert "deleted /app/main.py" in result.output
    result = runner.invoke(main, ["sync", virtual_board.path, str(project), "--keep-all"])
    assert (board_root / "keep.txt").exists()
    # Only --keep-none drops the defaults, and --keep then names all that stays.
    args = ["sync", virtual_board.path, str(project), "--keep-none", "--keep", "keep.txt"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (board_root / "keep.txt").exists() and not (board_root / "boot.py").exists()
    assert "deleted /boot.py" in result.output


@pytest.mark.board
def test_mpy_cross_binary_reaches_the_engine(virtual_board: VirtualBoard, project: Path) -> None:
    missing = project.parent / "no-mpy-cross"
    args = ["sync", virtual_board.path, str(project), "--mpy-cross-binary", str(missing)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "cannot run mpy-cross" in result.stderr
    assert result.stderr.count("\n") == 1


def test_sync_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "belay_gen.cli", "sync", "/dev/no-such-port", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == f"error: cannot sync {tmp_path / 'x'}: it does not exist\n"
    result = CliRunner().invoke(main, ["sync", "p", str(tmp_path), "--keep-all", "--keep-none"])
    assert result.exit_code == 2 and "contradict" in result.output


def test_progress_bar_appears_only_for_longer_transfers(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    quick = SyncProgressBar(out)
    quick(description="Pushing...", total=3, completed=0)
    quick(advance=3)
    quick.close()
    assert out.getvalue() == ""

    monkeypatch.setattr(cli_sync, "BAR_AFTER_S", 0.0)
    slow = SyncProgressBar(out)
    slow(description="Pushing...", total=3, completed=0)
    slow(advance=0.4, description="Pushing: /a.py")
    slow(advance=2.6)
    slow.close()
    assert "uploading" in out.getvalue()


def test_report_lines() -> None:
    report = SyncReport(dst="/lib", unchanged=("/lib/a.py",))
    assert report_lines(report) == ["/lib is up to date (1 file unchanged)"]


def test_report_lines_of_a_dry_run_say_would() -> None:
    report = SyncReport(
        dst="/", uploaded=("/a.py",), deleted=("/old.py",), bytes_sent=1, dry_run=True
    )
    assert report_lines(report) == [
        "would delete /old.py",
        "would upload /a.py",
        "dry run: would upload 1 file (1 byte) and delete 1; 0 unchanged",
    ]
