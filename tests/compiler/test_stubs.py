"""Generated host stubs pass ``mypy --strict``, catch wrong calls, and are ruff-formatted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.compiler_cases import case_names, compile_case

GOOD_USE = """\
from collections.abc import Iterator

from stubs.aliases_app import connect as connect_app
from stubs.device_class_robot import ArmRobot, connect_arm_robot
from stubs.kinds_sensors import SensorsBoard, connect

board: SensorsBoard = connect("virtual:", timeout=2.0)
total: float = board.scale(1, 2, 3, 4, factor=2.0, extra=1)
readings: Iterator[float] = board.readings(3, every_ms=5)
first: float = next(readings)
board.blink(0.2)
board.reset_counter()
anything = board.untyped("x", y=[1, 2])
robot: ArmRobot = connect_arm_robot("virtual:")
robot.drive(1, 2)
gripped: bool = robot.grip(3)
limit: int = robot.speed_limit()
pair: tuple[int, int] = connect_app("virtual:").both("high")
"""

BAD_HEADER = """\
from stubs.aliases_app import connect as connect_app
from stubs.device_class_robot import connect_arm_robot
from stubs.kinds_sensors import connect
board = connect("virtual:")
"""
# Each of these lines must be reported by mypy, with this word in the first message.
BAD_USE = [
    ("total: str = board.scale(1)", "Incompatible types"),
    ('board.scale("one")', "incompatible type"),
    ("board.scale(a=1)", "Too few arguments"),
    ("board.readings(3, 5)", "Too many positional"),
    ("value: int = board.blink()", "does not return a value"),
    ('connect_app("virtual:").both("medium")', "incompatible type"),
    ("connect_arm_robot(3)", "incompatible type"),
    ("board.missing()", "has no attribute"),
]


@pytest.fixture(scope="module")
def stub_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stubs")
    package = folder / "stubs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "py.typed").write_text("")
    for case in case_names(errors=False):
        for built in compile_case(case):
            (package / f"{case}_{built.module.name}.py").write_text(built.stub)
    return folder


def test_stubs_pass_mypy_strict_and_wrong_calls_are_reported(stub_folder: Path) -> None:
    (stub_folder / "use_good.py").write_text(GOOD_USE)
    bad = BAD_HEADER + "".join(f"{line}\n" for line, _ in BAD_USE)
    (stub_folder / "use_bad.py").write_text(bad)
    first_bad = BAD_HEADER.count("\n") + 1
    env = dict(os.environ)  # the stubs type-check against the real belay_gen Device
    done = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
            "--cache-dir", str(stub_folder / ".mypy_cache"),
            "stubs", "use_good.py", "use_bad.py",
        ],
        cwd=stub_folder, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    reported: dict[int, str] = {}
    for line in done.stdout.splitlines():
        match = re.match(r"use_bad\.py:(\d+): error: (.*)", line)
        if match:
            reported.setdefault(int(match.group(1)), match.group(2))
        else:
            assert ": note:" in line, f"mypy complains outside use_bad.py:\n{done.stdout}"
    for number, (text, word) in enumerate(BAD_USE, start=first_bad):
        assert number in reported, f"mypy missed the wrong call {text!r}:\n{done.stdout}"
        assert word in reported[number], (text, reported[number])


def test_stubs_are_ruff_formatted(stub_folder: Path) -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("needs ruff (pip install belay-gen[dev])")
    done = subprocess.run(
        [ruff, "format", "--isolated", "--check", "--diff", "stubs"],
        cwd=stub_folder, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_stub_module_imports_without_the_board(stub_folder: Path) -> None:
    script = textwrap.dedent(
        """\
        import stubs.kinds_sensors as s
        assert s.CODE.startswith('__belay_hash__ = "' + s.CODE_HASH + '"')
        print(s.SensorsBoard.scale.__doc__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=stub_folder, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Multiply the sum of everything by ``factor``."
