"""Every case folder of tests/compiler/inputs: snapshots of what compiles, exact errors else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from belay_gen.build import build
from belay_gen.errors import BelayError
from belay_gen.project import load_config
from tests.support.compiler_cases import (
    INPUTS,
    SNAPSHOT_VERSION,
    case_names,
    compile_case,
    manifest,
)


@pytest.mark.parametrize("case", case_names(errors=False))
def test_case_output_matches_snapshots(case: str, snapshot: SnapshotAssertion) -> None:
    built = compile_case(case)
    for item in built:
        name = item.module.name
        assert item.device.text == snapshot(name=f"{name}.device.py")
        assert item.stub == snapshot(name=f"{name}.host.py")
    assert manifest(case, built) == snapshot(name="manifest.json")


@pytest.mark.parametrize("case", case_names(errors=False))
def test_case_output_is_deterministic(case: str) -> None:
    first = [(b.device.text, b.stub) for b in compile_case(case)]
    second = [(b.device.text, b.stub) for b in compile_case(case)]
    assert first == second


@pytest.mark.parametrize("case", case_names(errors=True))
def test_case_error_is_exact(case: str) -> None:
    expected = (INPUTS / case / "error.txt").read_text().strip()
    with pytest.raises(BelayError) as caught:
        compile_case(case)
    assert f"{type(caught.value).__name__}: {caught.value}" == expected


def _read(path: Path) -> str:
    return path.read_text() if path.is_file() else ""


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AOT_EXAMPLES = sorted(
    folder.name
    for folder in EXAMPLES.iterdir()
    if "[tool.belay.build]" in _read(folder / "pyproject.toml")
)


@pytest.mark.parametrize("example", AOT_EXAMPLES)
def test_example_build_matches_snapshots(
    example: str, tmp_path: Path, snapshot: SnapshotAssertion
) -> None:
    """What `belay-gen build` writes for each example project, file by file."""
    project = tmp_path / example
    shutil.copytree(EXAMPLES / example, project, ignore=shutil.ignore_patterns("build"))
    report = build(load_config(project), version=SNAPSHOT_VERSION)
    assert report.written
    for path in sorted(report.written):
        if path.endswith(".py") or path.endswith(".json"):
            text = (report.out / path).read_text()
            if path == "manifest.json":  # its "build" record hashes the compiler's own files
                document = json.loads(text)
                assert set(document.pop("build")) == {"inputs", "outputs", "manifest"}
                text = json.dumps(document, indent=2, sort_keys=True) + "\n"
            assert text == snapshot(name=f"{example}/{path}")
