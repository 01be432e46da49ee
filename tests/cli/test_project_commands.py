"""``belay-gen add/remove``, ``cache``, ``init``/``new`` in an existing folder, ``update``'s
lock message and ``install --follow``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from belay_gen.cli import main
from tests.cli.test_packages import server  # noqa: F401  (a fixture)
from tests.support.package_server import PackageServer

START = '# my project\n[tool.belay]\nname = "app"  # the package\n\n[tool.belay.dependencies]\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text(START)
    return root


def test_add_downloads_and_remove_cleans(project: Path, server: PackageServer) -> None:  # noqa: F811
    runner = CliRunner()
    uri = f"{server.url}/files/util.py"
    added = runner.invoke(main, ["add", "util", uri, "--project", str(project)])
    assert added.exit_code == 0, added.output
    pyproject = project / "pyproject.toml"
    assert pyproject.read_text() == f'{START}util = "{uri}"\n'
    assert added.output.splitlines() == [
        f"added util in {pyproject}",
        "util: updated (1 file changed)",
        "wrote belay.lock",
    ]
    assert (project / ".belay-lib" / "util" / "__init__.py").exists()
    again = runner.invoke(main, ["update", "--project", str(project)])
    assert "wrote belay.lock" not in again.output  # nothing changed: no false "wrote"
    removed = runner.invoke(main, ["remove", "util", "--project", str(project)])
    assert removed.exit_code == 0, removed.output
    assert pyproject.read_text() == START
    assert removed.output.splitlines()[0] == f"removed util from {pyproject}"
    assert not (project / ".belay-lib" / "util").exists()


def test_add_puts_pyproject_back_when_it_fails(project: Path, server: PackageServer) -> None:  # noqa: F811
    runner = CliRunner()
    missing = runner.invoke(
        main, ["add", "gone", f"{server.url}/files/missing.py", "--project", str(project)]
    )
    assert missing.exit_code == 2 and "(pyproject.toml is left as it was)" in missing.stderr
    assert (project / "pyproject.toml").read_text() == START
    bad_name = runner.invoke(main, ["add", "..", "x.py", "--project", str(project)])
    assert bad_name.exit_code == 2 and bad_name.stderr.startswith("error: ")
    assert (project / "pyproject.toml").read_text() == START


def test_add_without_update_and_develop(project: Path) -> None:
    result = CliRunner().invoke(
        main, ["add", "shared", "../shared", "--develop", "--no-update", "--project", str(project)]
    )
    assert result.exit_code == 0, result.output
    assert (
        (project / "pyproject.toml")
        .read_text()
        .endswith('shared = {uri = "../shared", develop = true}\n')
    )
    gone = CliRunner().invoke(main, ["remove", "nothing", "--project", str(project)])
    assert gone.exit_code == 2 and "'nothing' is not in" in gone.stderr


def test_cache_info_and_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("BELAY_GEN_CACHE", str(cache))
    entry = cache / "sync" / "ab" / ("ab" + "0" * 62)
    entry.parent.mkdir(parents=True)
    entry.write_bytes(b"x" * 2048)
    task = cache / "tasks" / "cd" / ("cd" + "1" * 62 + ".json")
    task.parent.mkdir(parents=True)
    task.write_text("{}")
    stranger = cache / "sync" / "ab" / "notes.txt"  # not a name belay-gen writes: never deleted
    stranger.write_text("mine")
    info = CliRunner().invoke(main, ["cache", "info"])
    assert info.exit_code == 0
    assert info.output.splitlines()[:4] == [
        f"minify/mpy-cross cache: {cache / 'sync'} (set BELAY_GEN_CACHE to move the caches)",
        "  1 file, 2.0 KiB",
        f"compiled task cache: {cache / 'tasks'} (set BELAY_GEN_CACHE to move the caches)",
        "  1 file, 2 bytes",
    ]
    assert "downloads: not cached" in info.output
    cleaned = CliRunner().invoke(main, ["cache", "clean"])
    assert cleaned.output == (
        f"deleted 1 file (2.0 KiB) from {cache / 'sync'}\n"
        f"deleted 1 file (2 bytes) from {cache / 'tasks'}\n"
    )
    assert not entry.exists() and not task.exists() and stranger.exists()


def test_cache_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BELAY_GEN_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    info = CliRunner().invoke(main, ["cache", "info"])
    assert f"{tmp_path / 'xdg' / 'belay-gen' / 'sync'}" in info.output


def test_new_and_init_in_an_existing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "robot"
    (folder / ".git").mkdir(parents=True)
    (folder / "README.md").write_text("mine\n")
    result = CliRunner().invoke(main, ["new", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "README.md").read_text() == "mine\n"  # kept
    assert f"kept {folder / 'README.md'}" in result.output
    assert (folder / "pyproject.toml").exists() and (folder / "robot" / "__init__.py").exists()
    crowded = tmp_path / "crowded"
    crowded.mkdir()
    (crowded / "code.py").write_text("")
    refused = CliRunner().invoke(main, ["new", str(crowded)])
    assert refused.exit_code == 2 and "code.py" in refused.stderr
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    init = CliRunner().invoke(main, ["init"])
    assert init.exit_code == 0, init.output
    assert 'name = "here"' in (here / "pyproject.toml").read_text()


def test_follow_needs_main(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["install", "virtual:", "--follow"])
    assert result.exit_code == 2 and "--main" in result.stderr


@pytest.mark.board
def test_install_follow_shows_main_output_until_ctrl_c(virtual_port: str, tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.belay]\n")
    (root / "main.py").write_text(
        "import time\nn = 0\nwhile True:\n    print('tick', n, '\\x1b[2J')\n"
        "    n += 1\n    time.sleep(0.05)\n"
    )
    command = [sys.executable, "-m", "belay_gen.cli", "install", virtual_port]
    with subprocess.Popen(
        [*command, "--main", "main.py", "--follow"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        lines: list[str] = []
        while not any(line.startswith("tick 1") for line in lines):
            lines.append(process.stdout.readline())
        assert "soft reset: the board runs main.py\n" in lines
        assert "tick 1 \\x1b[2J\n" in lines  # the escape shown, not obeyed
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        assert "main.py keeps running" in process.stderr.read()
