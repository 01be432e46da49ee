"""Run census cases: each one is the real CLI in a subprocess, in a folder of its own, with a
deadline; its outcome is one of :data:`OUTCOMES`.

Cases run in parallel threads (each waits on its subprocess); the hostile HTTP server is
shared, fake boards and WebSocket peers belong to one case.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.census.cases import Case
from tests.census.hostile import HostileHTTP

#: clean: exit != 0 with one ``error:`` line; success: exit 0; raised: exit 1 with the
#: board's traceback; messy: exit != 0 without one error line; traceback: a host Python
#: traceback; hang: still running at the deadline.
OUTCOMES = ("clean", "success", "raised", "messy", "traceback", "hang")
#: Seconds a case may take; the CLI's own deadlines (board 5 s, downloads 3 s here) are shorter.
DEADLINE = 15.0
_HOST_FRAME = re.compile(r'File "[^"<]*(belay_gen|site-packages|/lib/python3)[^"]*\.py", line \d+')
_ERROR_LINE = re.compile(r"^(error|Error): ", re.MULTILINE)


@dataclass
class Context:
    """One case's world: its folder, the values its arguments use, what to close after."""

    tmp: Path
    project: Path
    values: dict[str, str]
    closers: list[Callable[[], object]] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    case: Case
    outcome: str
    code: int | None
    seconds: float
    stderr: str

    @property
    def as_expected(self) -> bool:
        wanted = {"error": ("clean",), "ok": ("success",), "raised": ("raised",)}
        return self.outcome in wanted.get(self.case.expect, ("clean", "success", "raised"))

    def tail(self, lines: int = 6) -> str:
        return "\n".join(self.stderr.rstrip().splitlines()[-lines:])


def classify(code: int | None, stdout: str, stderr: str) -> str:
    """The outcome of one run (``code`` None: it hung)."""
    if code is None:
        return "hang"
    if "Traceback (most recent call last)" in stdout + stderr and _HOST_FRAME.search(
        stdout + stderr
    ):
        return "traceback"
    if code == 0:
        return "success"
    if code == 1 and "Traceback (most recent call last)" in stderr:
        return "raised"
    return "clean" if len(_ERROR_LINE.findall(stderr)) == 1 else "messy"


def _environment(ctx: Context, case: Case, http: HostileHTTP) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(ctx.tmp / "home"),
        "BELAY_GEN_CACHE": str(ctx.tmp / "cache"),
        "BELAY_GEN_DOWNLOAD_TIMEOUT": "3",
        "BELAY_GEN_GITHUB_RAW_BASE": f"{http.url}/gh",
        "BELAY_GEN_GITLAB_BASE": f"{http.url}/gl",
        "BELAY_GEN_INDEX": f"{http.url}/index",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if os.environ.get("PYTHONPATH"):  # e.g. another checkout, to census it
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    forbid = os.environ.get("BELAY_GEN_FORBID_VM")
    if forbid and not case.board:
        env["BELAY_GEN_FORBID_VM"] = forbid
    env.update(case.env)
    return env


def run_case(case: Case, http: HostileHTTP, deadline: float = DEADLINE) -> Result:
    """Prepare the case's folder, run the CLI, classify what it did, clean up."""
    tmp = Path(tempfile.mkdtemp(prefix="belay-gen-census-"))
    project = tmp / "project"
    project.mkdir()
    (tmp / "home").mkdir()
    ctx = Context(tmp, project, {"tmp": str(tmp), "project": str(project), "http": http.url})
    started = time.monotonic()
    try:
        for step in case.steps:
            step(ctx)
        args = [arg.format(**ctx.values) for arg in case.args]
        stdin = open(case.stdin, "rb") if case.stdin else subprocess.DEVNULL  # noqa: SIM115
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "belay_gen.cli", *args],
                cwd=project,
                env=_environment(ctx, case, http),
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            try:
                out, err = process.communicate(timeout=deadline)
                code: int | None = process.returncode
            except subprocess.TimeoutExpired:
                _kill_group(process)
                out, err = process.communicate()
                code = None
        finally:
            if stdin is not subprocess.DEVNULL:
                stdin.close()
        stdout = out.decode(errors="replace")
        stderr = err.decode(errors="replace")
        outcome = classify(code, stdout, stderr)
        return Result(case, outcome, code, time.monotonic() - started, stderr[-4000:])
    finally:
        for close in reversed(ctx.closers):
            with contextlib.suppress(OSError):
                close()
        _make_removable(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _make_removable(tmp: Path) -> None:
    for path in tmp.rglob("*"):
        if not path.is_symlink():
            with contextlib.suppress(OSError):
                path.chmod(0o700)


def run_all(cases: Sequence[Case], *, workers: int = 8) -> list[Result]:
    """Run ``cases`` in parallel; results in the order of ``cases``."""
    http = HostileHTTP()
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            order = _slow_first(cases)
            results = pool.map(lambda index: run_case(cases[index], http), order)
            done = dict(zip(order, results, strict=True))
            return [done[index] for index in range(len(cases))]
    finally:
        http.close()


def _slow_first(cases: Sequence[Case]) -> list[int]:
    """The indexes of ``cases``, those that mostly wait (on a silent peer) first: they wait
    alongside the others rather than after them (results keep the table's order)."""
    return sorted(range(len(cases)), key=lambda index: not cases[index].slow)


def table(results: Sequence[Result]) -> str:
    """Counts per category and outcome, then the cases that are not as expected."""
    categories = list(dict.fromkeys(r.case.category for r in results))
    commands = sorted({r.case.command for r in results})
    header = f"{'category':<22}{'cases':>6}" + "".join(f"{o:>10}" for o in OUTCOMES)
    lines = [header, "-" * len(header)]
    for category in [*categories, "total"]:
        rows = [r for r in results if category in ("total", r.case.category)]
        counts = "".join(f"{sum(r.outcome == o for r in rows):>10}" for o in OUTCOMES)
        lines.append(f"{category:<22}{len(rows):>6}{counts}")
    lines.append("")
    lines.append(f"commands covered ({len(commands)}): {', '.join(commands)}")
    odd = [r for r in results if not r.as_expected or r.outcome in ("traceback", "hang")]
    if odd:
        lines.append("")
        lines.append("not as expected:")
        for result in odd:
            lines.append(f"  [{result.outcome}] {result.case.id} (expected {result.case.expect})")
            lines.extend(f"      {line}" for line in result.tail().splitlines())
    return "\n".join(lines)
