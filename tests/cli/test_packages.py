"""``belay-gen new/update/clean/install``: output, errors and exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from tests.support.package_server import PackageServer, package_server
from tests.support.requirements import require_board


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PackageServer]:
    monkeypatch.setenv("BELAY_GEN_CACHE", str(tmp_path / "cache"))
    with package_server(tmp_path) as running:
        for name, value in running.env.items():
            monkeypatch.setenv(name, value)
        yield running


def belay_gen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess, for exit codes and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "belay_gen.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )


def test_new_scaffolds_a_project(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new", str(tmp_path / "my-robot")])
    assert result.exit_code == 0, result.output
    root = tmp_path / "my-robot"
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert names == [
        ".gitignore", "Makefile", "README.md", "main.py", "my_robot/__init__.py", "pyproject.toml",
    ]  # fmt: skip
    pyproject = (root / "pyproject.toml").read_text()
    assert (
        '[tool.belay]\nname = "my_robot"' in pyproject and 'pythonpath = ".belay-lib"' in pyproject
    )
    assert "install $(PORT) --main main.py" in (root / "Makefile").read_text()
    again = CliRunner().invoke(main, ["new", str(root)])
    assert again.exit_code == 2 and "already exists and is not empty" in again.output


@pytest.mark.board
def test_new_update_install_run(tmp_path: Path, server: PackageServer) -> None:
    require_board()
    runner = CliRunner()
    root = tmp_path / "demo"
    assert runner.invoke(main, ["new", str(root)]).exit_code == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "[tool.belay.dependencies]\n",
            f'[tool.belay.dependencies]\nhello = "{server.url}/files/hello.py"\n',
        )
    )
    (root / "main.py").write_text(
        (root / "main.py").read_text() + "import hello\nprint(hello.hello())\n"
    )
    updated = runner.invoke(main, ["update", "--project", str(root)])
    assert updated.output.splitlines() == ["hello: updated (1 file changed)", "wrote belay.lock"]
    frozen = runner.invoke(main, ["update", "--frozen", "--project", str(root)])
    assert frozen.output.splitlines() == ["hello: verified (1 file)"]

    board = tmp_path / "board"
    installed = runner.invoke(
        main,
        ["install", f"virtual:{board}", "--run", str(root / "main.py"), "--project", str(root)],
    )
    assert installed.exit_code == 0, installed.output
    assert installed.output.splitlines()[-2:] == ["hello from board", "hello from a dependency"]
    assert (board / "demo" / "__init__.py").exists() and (
        board / "lib" / "hello" / "__init__.py"
    ).exists()


def test_update_clean_messages_and_exit_codes(tmp_path: Path, server: PackageServer) -> None:
    root = tmp_path / "p"
    root.mkdir()
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        f'[tool.belay.dependencies]\na = "{server.url}/files/util.py"\n'
        f'b = "{server.url}/files/missing.py"\n'
    )
    failed = belay_gen("update", cwd=root)
    assert failed.returncode == 2
    assert failed.stdout.splitlines()[0] == "a: updated (1 file changed)"
    assert failed.stdout.splitlines()[1].startswith("b: FAILED: GET ")
    assert failed.stderr.startswith(
        "error: could not update 1 dependency (previous copies kept): b: GET"
    )
    assert len(failed.stderr.splitlines()) == 1 and "Traceback" not in failed.stderr

    pyproject.write_text("[tool.belay.dependencies]\n")
    cleaned = CliRunner().invoke(main, ["clean", "--project", str(root)])
    assert cleaned.output.splitlines() == [
        "a: removed (no longer in pyproject.toml)",
        "removed .belay-lib/a/__init__.py",
    ]
    assert (
        CliRunner().invoke(main, ["clean", "--project", str(root)]).output
        == ".belay-lib is clean\n"
    )

    pyproject.write_text('[tool.belay.dependencies]\n"../x" = "a.py"\n')
    bad = belay_gen("update", cwd=root)
    assert bad.returncode == 2
    assert bad.stderr == (
        f"error: {pyproject}:2: [tool.belay.dependencies] \"../x\" contains '..': a dependency name"
        " becomes a folder in .belay-lib and /lib, so it must be a plain name such as 'ssd1306'\n"
    )


def test_install_checks_the_lock_before_opening_the_port(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.belay.dependencies]\na = "a.py"\n')
    result = belay_gen("install", "/dev/does-not-exist", cwd=root)
    assert result.returncode == 2
    assert result.stderr == "error: dependency a is not in belay.lock: run belay-gen update a\n"


@pytest.mark.board
def test_install_run_streams_until_ctrl_c(tmp_path: Path) -> None:
    require_board()
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.belay]\n")
    (root / "loop.py").write_text(
        "import time\nn = 0\nwhile True:\n    print('tick', n)\n    n += 1\n    time.sleep(0.05)\n"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "belay_gen.cli", "install", f"virtual:{tmp_path / 'board'}"]
    with subprocess.Popen(
        [*command, "--run", "loop.py"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        seen = [process.stdout.readline() for _ in range(3)]
        assert seen[0].startswith("/lib: ") and seen[1:] == ["tick 0\n", "tick 1\n"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
        assert process.stderr.read().splitlines()[-1] == "error: interrupted"


def test_host_file_errors_are_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    result = CliRunner().invoke(main, ["new", str(tmp_path / "a-file" / "app")])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and "a-file" in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.belay]\nname = '\xff'\n")
    for command in (["update"], ["build"]):
        result = CliRunner().invoke(main, [*command, "--project", str(tmp_path)])
        assert result.exit_code == 2, result.output
        assert result.output == f"error: {tmp_path / 'pyproject.toml'}: not UTF-8 text" + (
            " (byte 0xff at line 2); save it as UTF-8\n"
        )


def test_install_names_every_file_it_deleted() -> None:
    from belay_gen.cli.packages import install_summary
    from belay_gen.runtime.sync import SyncReport

    report = SyncReport("/lib", uploaded=("/lib/a.py",), deleted=("/lib/mip_module.py",))
    assert install_summary("/lib", report).splitlines() == [
        "/lib: 1 uploaded (0 bytes), 1 deleted, 0 unchanged",
        "  deleted /lib/mip_module.py",
    ]
