"""Generated board code runs on real MicroPython (the unix port) and keeps host line numbers."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from belay_gen.compiler import compile_function, emit
from belay_gen.compiler.scan import scan_module
from tests.support.compiler_cases import case_names, compile_case
from tests.support.requirements import require_micropython


def run_micropython(folder: Path, script: str) -> str:
    """Run ``script`` on MicroPython with ``folder`` importable; return its stdout."""
    binary = require_micropython()
    code = f"import sys\nsys.path.insert(0, {str(folder)!r})\n{script}"
    done = subprocess.run(
        [binary, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("case", case_names(errors=False))
def test_case_board_modules_load_on_micropython(case: str, tmp_path: Path) -> None:
    built = compile_case(case)
    for item in built:
        (tmp_path / f"{item.module.name}.py").write_text(item.device.text)
    script = "".join(
        f"import {b.module.name}\nprint({b.module.name}.__belay_hash__)\n" for b in built
    )
    assert run_micropython(tmp_path, script).split() == [b.device.hash for b in built]


def test_board_functions_compute_what_the_source_says(tmp_path: Path) -> None:
    (built,) = compile_case("kinds")
    (tmp_path / "sensors.py").write_text(built.device.text)
    out = run_micropython(
        tmp_path,
        textwrap.dedent(
            """\
            import sensors
            print(sensors.scale(1, 2, 3, factor=2.0, extra=4))
            print(sensors.untyped(1))
            print(sensors.defaults())
            print(sensors.no_return(True))
            """
        ),
    )
    assert out.split("\n")[:4] == ["20.0", "[1, None]", "13", "None"]


def test_board_traceback_names_the_host_line(tmp_path: Path) -> None:
    source = textwrap.dedent(
        '''\
        """Line 1."""
        import belay_gen

        device = belay_gen.Device("x")


        @device.task
        def divide(a: int, b: int) -> float:
            """Docstrings and comments go; lines stay."""
            # a comment
            return a / b  # line 11
        '''
    )
    module = scan_module(source, filename="calc.py", name="calc")
    assert module is not None
    (tmp_path / "calc.py").write_text(emit.device_module(module).text)
    out = run_micropython(
        tmp_path,
        "import calc\ntry:\n calc.divide(1, 0)\nexcept ZeroDivisionError as e:\n"
        " sys.print_exception(e, sys.stdout)\n",
    )
    assert 'calc.py", line 11, in divide' in out


def test_setup_publishes_its_names_and_arguments_as_board_globals(tmp_path: Path) -> None:
    compiled = compile_function(
        textwrap.dedent(
            """\
            @device.setup
            def configure(
                speed: int = 3,
            ):
                limit = speed * 2
                import time
            """
        ),
        filename="robot.py",
        first_line=20,
    )
    assert compiled.kind == "setup"
    (tmp_path / "robot.py").write_text(compiled.device_code + "configure(5)\n")
    out = run_micropython(
        tmp_path, "import robot\nprint(robot.limit, robot.speed, 'time' in dir(robot))\n"
    )
    assert out.split() == ["10", "5", "True"]
