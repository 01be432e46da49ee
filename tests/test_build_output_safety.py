"""``belay-gen build`` never writes or deletes through a symlink out of its output folder,
and deletes only plain ``device/``/``host/`` files the previous manifest recorded."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from belay_gen.build import build
from belay_gen.errors import ConfigError
from belay_gen.project import load_config
from tests.support.compiler_cases import INPUTS

PYPROJECT = '[project]\nname = "demo"\n\n[tool.belay.build]\nsources = ["src"]\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    shutil.copy(INPUTS / "blink" / "blink.py", root / "src" / "blink.py")
    return root


def crafted_manifest(out: Path, *paths: str) -> None:
    modules = {f"m{i}": {"device": path, "host": path} for i, path in enumerate(paths)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps({"modules": modules}))


def test_a_symlinked_output_subfolder_is_refused_before_anything_changes(
    project: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.py").write_text("keep me\n")
    out = project / "build" / "belay"
    crafted_manifest(out, "device/precious.py")
    (out / "device").symlink_to(victim, target_is_directory=True)
    before = (out / "manifest.json").read_bytes()

    with pytest.raises(ConfigError, match=r"device is a symlink .*remove the link"):
        build(load_config(project))

    assert sorted(p.name for p in victim.iterdir()) == ["precious.py"]
    assert (victim / "precious.py").read_text() == "keep me\n"
    assert (out / "manifest.json").read_bytes() == before, "nothing written"


@pytest.mark.parametrize(
    "path",
    ["../outside.py", "/abs/outside.py", "device/../../outside.py", "device\\..\\x.py",
     "outside.py", "device/./x.py", "C:/x.py"],
)  # fmt: skip
def test_crafted_manifest_paths_never_delete_outside_the_output(project: Path, path: str) -> None:
    out = project / "build" / "belay"
    (project / "outside.py").write_text("keep\n")
    (out / "device").mkdir(parents=True)
    (out / "outside.py").write_text("keep\n")
    (out / "device" / "x.py").write_text("keep\n")
    crafted_manifest(out, path)

    report = build(load_config(project))

    assert report.removed == []
    assert (project / "outside.py").read_text() == "keep\n"
    assert (out / "outside.py").read_text() == "keep\n"
    assert (out / "device" / "x.py").read_text() == "keep\n"


def test_files_the_previous_manifest_recorded_are_still_removed(project: Path) -> None:
    out = project / "build" / "belay"
    crafted_manifest(out, "device/gone.py")
    (out / "device").mkdir()
    (out / "device" / "gone.py").write_text("stale\n")

    report = build(load_config(project))

    assert "device/gone.py" in report.removed
    assert not (out / "device" / "gone.py").exists()


def test_a_symlinked_output_file_is_replaced_not_written_through(
    project: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.py"
    victim.write_text("keep me\n")
    out = project / "build" / "belay"
    (out / "host").mkdir(parents=True)
    (out / "host" / "blink.py").symlink_to(victim)
    (out / "manifest.json").symlink_to(victim)

    build(load_config(project))

    assert victim.read_text() == "keep me\n"
    assert not (out / "host" / "blink.py").is_symlink()
    assert not (out / "manifest.json").is_symlink()


def test_a_manifest_that_is_a_fifo_is_ignored_without_hanging(project: Path) -> None:
    out = project / "build" / "belay"
    out.mkdir(parents=True)
    os.mkfifo(out / "manifest.json")  # reading it would block forever

    report = build(load_config(project))

    assert report.removed == []
    assert json.loads((out / "manifest.json").read_text())["modules"]


@pytest.mark.parametrize("link", ["build", "build/belay"])
def test_a_symlinked_output_folder_is_refused(tmp_path: Path, link: str) -> None:
    """A cloned repo can carry ``build -> elsewhere``: nothing is written or deleted there."""
    project = tmp_path / "project"
    (project / "board").mkdir(parents=True)
    (project / "board" / "app.py").write_text(
        "import belay_gen\ndevice = belay_gen.Device\n\n@device.task\ndef f():\n    return 1\n"
    )
    (project / "pyproject.toml").write_text('[tool.belay.build]\nsources = ["board"]\n')
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "belay").mkdir(parents=True)
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(elsewhere if link == "build" else elsewhere / "belay")
    with pytest.raises(ConfigError, match=r"is a symlink .*remove the link"):
        build(load_config(project))
    assert list(elsewhere.rglob("*")) == [elsewhere / "belay"]
