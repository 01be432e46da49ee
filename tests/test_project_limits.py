"""project.load_pyproject and read_capped on files no pyproject.toml should be: deeply nested,
huge, not regular files. Each is one ConfigError naming the file, never a RecursionError, a
hang or a read that fills memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from belay_gen.errors import ConfigError
from belay_gen.project import MAX_PYPROJECT_BYTES, load_config, load_pyproject, read_capped


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 50_000 + "]" * 50_000 + "\n",
        "x = " + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n",
    ],
    ids=["arrays", "inline tables"],
)
def test_deep_nesting_is_a_config_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"pyproject.toml: arrays or tables nested too deeply"):
        load_pyproject(tmp_path)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(tmp_path)  # what `belay-gen build` reads


def test_a_file_over_the_cap_is_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"#" * (MAX_PYPROJECT_BYTES + 1))
    with pytest.raises(ConfigError, match=f"larger than {MAX_PYPROJECT_BYTES:,} bytes"):
        load_pyproject(tmp_path)


def test_a_file_at_the_cap_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"#" * (MAX_PYPROJECT_BYTES - 1) + b"\n")
    assert load_pyproject(tmp_path).exists


def test_read_capped_refuses_fifos_and_devices_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        read_capped(fifo, 100)  # no writer: a plain open() would block here
    with pytest.raises(ValueError, match="not a regular file"):
        read_capped(Path("/dev/zero"), 100)
    with pytest.raises(FileNotFoundError):
        read_capped(tmp_path / "missing", 100)


def test_a_pyproject_linked_to_a_device_is_not_a_project_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").symlink_to("/dev/zero")
    assert not load_pyproject(tmp_path).exists  # not a regular file: none here
