"""Runnable code blocks of the Markdown docs, and a runner for them.

A fenced block's info string marks what the doc test does with it:

- ``python run``: run as a script (the venv's Python) in the page's working folder;
- ``sh run``: run with ``bash -e`` there, the venv's ``bin`` first on ``PATH`` (so
  ``belay-gen ...`` is this checkout's);
- ``LANG file=PATH`` (e.g. ``toml file=pyproject.toml``): written to PATH in that folder;
- ``text output``: right after a runnable block, every non-empty line of it must appear in
  that block's output, in order.

A page's blocks run in order in one temporary folder, so a page may write a file, build it,
then run it. Blocks without these words (those that need real hardware) are not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^(?P<fence>```+)(?P<info>[^`]*)$")
#: How long one block may run.
BLOCK_TIMEOUT = 180.0


@dataclass(frozen=True)
class Block:
    """One fenced block: its info words, its text, and where it starts (1-based line)."""

    page: Path
    line: int
    words: tuple[str, ...]
    text: str

    @property
    def runnable(self) -> bool:
        return "run" in self.words[1:]

    @property
    def is_output(self) -> bool:
        return "output" in self.words[1:]

    @property
    def file(self) -> str | None:
        for word in self.words[1:]:
            if word.startswith("file="):
                return word.removeprefix("file=")
        return None

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, start = match.group("fence"), index
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].rstrip() != fence:
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise ValueError(f"{page.name}:{start + 1}: unclosed code block")
        words = tuple(match.group("info").split()) or ("",)
        found.append(Block(page, start + 1, words, "\n".join(body) + "\n"))
        index += 1
    return found


def checked_blocks(page: Path) -> list[Block]:
    """The blocks of ``page`` the doc test writes, runs or compares."""
    return [b for b in blocks(page) if b.runnable or b.is_output or b.file is not None]


def run_page(page: Path, folder: Path) -> list[str]:
    """Run the marked blocks of ``page`` in ``folder``; returns one line per block run.

    Raises :class:`AssertionError` naming the page and line of the first block that fails
    (non-zero exit) or whose output lacks a line of the ``text output`` block after it.
    """
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("BELAY_GEN_PORT", None)
    # The blocks' caches and a port `belay-gen select` may store stay in the folder.
    env["BELAY_GEN_CACHE"] = str(folder / ".cache")
    env["XDG_CONFIG_HOME"] = str(folder / ".config")
    env["PYTHONUNBUFFERED"] = "1"
    ran: list[str] = []
    last_output: str | None = None
    for block in checked_blocks(page):
        if block.file is not None:
            target = folder / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
            last_output = None
        elif block.is_output:
            if last_output is None:
                raise AssertionError(f"{block.where}: an output block must follow a run block")
            _check_output(block, last_output)
        else:
            last_output = _run(block, folder, env)
            ran.append(block.where)
    return ran


def _run(block: Block, folder: Path, env: dict[str, str]) -> str:
    language = block.words[0]
    if language == "python":
        # A file, not ``-c``: @device.task reads its function's source from the file.
        script = folder / f"{block.page.stem}_line{block.line}.py"
        script.write_text(block.text, encoding="utf-8")
        command = [sys.executable, script.name]
    elif language in ("sh", "bash", "console"):
        command = ["bash", "-e", "-c", block.text]
    else:
        raise AssertionError(f"{block.where}: cannot run a {language!r} block")
    done = subprocess.run(
        command,
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise AssertionError(
            f"{block.where}: exited {done.returncode}\n--- block ---\n{block.text}"
            f"--- output ---\n{output}"
        )
    return output


def _check_output(block: Block, output: str) -> None:
    position = 0
    for wanted in (line.strip() for line in block.text.splitlines()):
        if not wanted:
            continue
        found = output.find(wanted, position)
        if found < 0:
            raise AssertionError(
                f"{block.where}: expected {wanted!r} (in order) in the output of the block"
                f" before it; it printed:\n{output}"
            )
        position = found + len(wanted)
