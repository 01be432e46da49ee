"""``install``: what it gathers (lock checks, groups, develop, build output) and, on the
virtual board, what lands in the board's folder and what ``--run`` prints."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.errors import ConfigError, LockMismatchError, PackageError
from belay_gen.packages import Endpoints, Fetcher, load_project, update
from belay_gen.packages.config import ProjectConfig
from belay_gen.packages.install import plan_install
from tests.support.package_server import PackageServer
from tests.support.requirements import require_board

PYPROJECT = """\
[tool.belay]
name = "app"
ignore = ["*.md"]

[tool.belay.dependencies]
hello = "SERVER/files/hello.py"
pkg = "github:org/pkg"
shared = {uri = "shared/s.py", develop = true}

[tool.belay.group.test]
optional = true
[tool.belay.group.test.dependencies]
fakes = "SERVER/files/util.py"
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BELAY_GEN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def project(tmp_path: Path, server: PackageServer) -> ProjectConfig:
    """A project with dependencies downloaded into .belay-lib (and belay.lock)."""
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("def where():\n    return 'app package'\n")
    (root / "app" / "NOTES.md").write_text("not for the board\n")
    (root / "shared").mkdir()
    (root / "shared" / "s.py").write_text("S = 'first'\n")
    (root / "pyproject.toml").write_text(PYPROJECT.replace("SERVER", server.url))
    config = load_project(root)
    fetcher = Fetcher(timeout=10)
    update(config, fetcher=fetcher, endpoints=Endpoints.from_env(server.env))
    fetcher.close()
    return config


def test_plan_gathers_locked_files_groups_and_develop_sources(project: ProjectConfig) -> None:
    root = project.root
    (root / "shared" / "s.py").write_text("S = 'edited after update'\n")
    plan = plan_install(project)
    assert sorted(plan.lib) == [
        "dep.py", "hello/__init__.py", "idxpkg.py", "pkg/__init__.py", "pkg/core.py",
        "shared/__init__.py",
    ]  # fmt: skip
    assert plan.lib["shared/__init__.py"] == b"S = 'edited after update'\n"  # read fresh
    assert plan.package == root / "app" and plan.ignore == ("*.md",)
    assert "fakes/__init__.py" in plan_install(project, with_groups=["test"]).lib


def test_plan_adds_build_output_and_refuses_clashes(project: ProjectConfig) -> None:
    device = project.root / "build" / "belay" / "device"
    device.mkdir(parents=True)
    (device / "blink.py").write_text("def on(): pass\n")
    (device / "motor.py").write_text("def go(): pass\n")
    (device / "motor.mpy").write_bytes(b"M\x06")
    lib = plan_install(project).lib
    assert lib["blink.py"] == b"def on(): pass\n" and lib["motor.mpy"] == b"M\x06"
    assert "motor.py" not in lib  # the compiled module wins
    (device / "dep.py").write_text("CLASH = 1\n")
    with pytest.raises(
        PackageError,
        match=r".belay-lib/dep.py and build/belay/device/dep.py both go to /lib/dep.py",
    ):
        plan_install(project)


def test_plan_refuses_what_the_lock_does_not_vouch_for(project: ProjectConfig) -> None:
    lib = project.root / ".belay-lib"
    (lib / "pkg" / "core.py").write_text("X = 'tampered'\n")
    with pytest.raises(
        LockMismatchError,
        match=r"\.belay-lib/pkg/core.py of pkg changed since belay.lock .*update --frozen",
    ):
        plan_install(project)
    (lib / "pkg" / "core.py").unlink()
    with pytest.raises(
        LockMismatchError,
        match=r"\.belay-lib/pkg/core.py of pkg is missing: run belay-gen update --frozen",
    ):
        plan_install(project)
    (project.root / "belay.lock").unlink()
    with pytest.raises(
        LockMismatchError,
        match=r"dependency hello is not in belay.lock: run belay-gen update hello",
    ):
        plan_install(project)


def test_plan_needs_the_project_package(project: ProjectConfig) -> None:
    import shutil

    shutil.rmtree(project.root / "app")
    with pytest.raises(
        ConfigError,
        match=r"pyproject.toml:2: \[tool.belay\] name is 'app', but .* has no app/ folder",
    ):
        plan_install(project)
    (project.root / "app.py").write_text("X = 1\n")
    assert plan_install(project).package == project.root / "app.py"


@pytest.mark.board
def test_install_on_a_virtual_port_runs_the_script(project: ProjectConfig, tmp_path: Path) -> None:
    require_board()
    board = tmp_path / "board"
    (board / "lib").mkdir(parents=True)
    (board / "lib" / "stale.py").write_text("old\n")
    (board / "boot.py").write_text("# kept\n")
    script = project.root / "check.py"
    script.write_text(
        textwrap.dedent(
            """
            import hello, pkg, idxpkg, dep, shared, fakes, app
            print(hello.hello(), pkg.X, idxpkg.IDX, dep.DEP, shared.S, app.where())
            """
        )
    )
    result = CliRunner().invoke(
        main,
        [
            "install",
            f"virtual:{board}",
            "--run",
            str(script),
            "--with",
            "test",
            "--project",
            str(project.root),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "hello from a dependency core from the index 2 first app package" in result.output
    # 7 dependency files and the record of them; stale.py was not installed by belay-gen (a
    # mip module, say), so it stays.
    assert "/lib: 8 uploaded" in result.output and "0 deleted" in result.output
    files = sorted(p.relative_to(board).as_posix() for p in board.rglob("*") if p.is_file())
    assert files == [
        "app/__init__.py", "boot.py", "lib/.belay-gen-installed.json", "lib/dep.py",
        "lib/fakes/__init__.py", "lib/hello/__init__.py", "lib/idxpkg.py", "lib/pkg/__init__.py",
        "lib/pkg/core.py", "lib/shared/__init__.py", "lib/stale.py",
    ]  # fmt: skip


@pytest.mark.board
def test_install_main_reruns_and_board_errors(
    project: ProjectConfig, virtual_board: VirtualBoard, board_root: Path
) -> None:
    root = project.root
    (root / "start.py").write_text("import hello\nopen('ran.txt', 'w').write(hello.hello())\n")
    (root / "fail.py").write_text("import app\n\n\nraise ValueError('from the script')\n")
    runner = CliRunner()
    args = ["install", virtual_board.path, "--project", str(root)]
    first = runner.invoke(main, [*args, "--main", str(root / "start.py")])
    assert first.exit_code == 0, first.output
    assert "/main.py: 1 uploaded" in first.output and "runs main.py" in first.output
    assert (board_root / "main.py").read_text().startswith("import hello")
    ran = board_root / "ran.txt"
    deadline = time.monotonic() + 30
    while not ran.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ran.read_text() == "hello from a dependency"  # main.py ran after the soft reset

    failed = runner.invoke(main, [*args, "--run", str(root / "fail.py")])
    assert failed.exit_code == 1
    assert "ValueError: from the script" in failed.output and "line 4" in failed.output
    assert "/lib: up to date (7 files)" in failed.output  # the second install sent nothing


@pytest.mark.board
def test_install_deletes_only_what_it_installed_before(virtual_port: str, board_root: Path) -> None:
    """A dependency dropped since the last install goes; a module installed otherwise stays."""
    from belay_gen.packages.install import INSTALLED_RECORD, _remove_stale, installed_on_board
    from belay_gen.runtime.device import Device
    from belay_gen.runtime.sync import SyncReport

    (board_root / "lib").mkdir()
    for name in ("old.py", "kept.py", "mip_module.py"):
        (board_root / "lib" / name).write_text("x = 1\n")
    record = ["old.py", "kept.py", "../../escape.py"]  # an unsafe entry is ignored
    (board_root / "lib" / INSTALLED_RECORD).write_text(json.dumps(record))
    with Device(virtual_port) as device:
        previous = installed_on_board(device)
        assert previous == {"old.py", "kept.py"}
        report = _remove_stale(device, SyncReport("/lib"), previous, {"kept.py"})
    assert report.deleted == ("/lib/old.py",)
    assert sorted(p.name for p in (board_root / "lib").iterdir()) == [
        INSTALLED_RECORD, "kept.py", "mip_module.py",
    ]  # fmt: skip
