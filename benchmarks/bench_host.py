"""Host-side speed, belay-gen beside Belay 0.30.1: the minifier, ``belay-gen build`` (cold and
with nothing changed), defining a task in a warm process, and a fresh process start.

Run: ``python -m benchmarks bench_host``. Whole-process rows run a subprocess each time (the
median of a few), so they include the interpreter's start-up, as a user sees it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.common import board_process, print_table
from benchmarks.minify_size import CORPUS, sources

MODULES, TASKS = 50, 5
_PYPROJECT = '[project]\nname = "bench"\n\n[tool.belay.build]\nsources = ["src"]\n'


def _ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.2f}×" if ours else "-"


# --- minifier ------------------------------------------------------------------------------------


def _throughputs(
    minifiers: Sequence[Callable[[str], str]], texts: list[str], rounds: int = 7
) -> list[float]:
    """MB/s of each minifier over ``texts``: the best of ``rounds`` passes, the minifiers
    taking turns, so that load from elsewhere on the machine touches them alike."""
    import warnings

    size = sum(len(text.encode()) for text in texts)
    best = [float("inf")] * len(minifiers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(rounds):
            for index, minify in enumerate(minifiers):
                started = time.perf_counter()
                for text in texts:
                    minify(text)
                best[index] = min(best[index], time.perf_counter() - started)
    return [size / seconds / 1e6 for seconds in best]


def minifier_rows(texts: list[str]) -> list[list[object]]:
    from belay._minify import minify as belay_minify

    from belay_gen.compiler.minify import minify

    total = sum(len(text.encode()) for text in texts)
    ours, theirs = _throughputs([minify, belay_minify], texts)
    our_size = sum(len(minify(text).encode()) for text in texts)
    their_size = sum(len(belay_minify(text).encode()) for text in texts)
    return [
        ["minifier throughput (MB/s, higher is better)", f"{ours:.2f}", f"{theirs:.2f}",
         f"{ours / theirs:.2f}× Belay's"],
        ["minified size (% of input)", f"{100 * our_size / total:.1f}%",
         f"{100 * their_size / total:.1f}%", ""],
    ]  # fmt: skip


# --- build ---------------------------------------------------------------------------------------


def write_project(folder: Path, modules: int = MODULES, tasks: int = TASKS) -> Path:
    """A project of ``modules`` source files with ``tasks`` board functions each."""
    (folder / "src").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(_PYPROJECT)
    for m in range(modules):
        header = f'"""Module {m}."""\n\nfrom belay_gen import Device\n'
        parts = [header + 'device = Device("virtual:")\n']
        for t in range(tasks):
            parts.append(
                textwrap.dedent(f'''

                @device.task
                def task_{m}_{t}(a: int, b: int = {t}, *, scale: float = 1.5) -> float:
                    """Task {t} of module {m}: a little arithmetic."""
                    total = 0
                    for i in range(a):  # a loop
                        total += i * b
                    return total * scale
                ''')
            )
        (folder / "src" / f"mod_{m}.py").write_text("".join(parts))
    return folder


def _run_seconds(command: Sequence[str], repeat: int, prepare: Callable[[], None]) -> float:
    samples = []
    for _ in range(repeat):
        prepare()
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def build_rows(repeat: int = 5) -> list[list[object]]:
    folder = Path(tempfile.mkdtemp(prefix="belay-gen-bench-build-"))
    try:
        project = write_project(folder / "project")
        out = project / "build"
        command = [sys.executable, "-m", "belay_gen.cli", "build", "--project", str(project)]

        def clean() -> None:
            shutil.rmtree(out, ignore_errors=True)

        cold = _run_seconds(command, repeat, clean)
        subprocess.run(command, check=True, capture_output=True)
        noop = _run_seconds(command, repeat, lambda: None)
        bare = _run_seconds([sys.executable, "-c", "pass"], repeat, lambda: None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    label = f"{MODULES} modules × {TASKS} tasks"
    return [
        [f"build, nothing changed, {label} (s)", f"{noop:.2f}", "-", f"python -c pass {bare:.2f}"],
        [f"build, cold, {label} (s)", f"{cold:.2f}", "-", ""],
    ]


# --- tasks ---------------------------------------------------------------------------------------

_FRESH = textwrap.dedent("""
    import sys
    {imports}
    device = {device}(sys.argv[1])

    @device.task
    def f(a, b=2):
        return a * b

    assert f(3) == 6
    device.close()
""")

_FLAVOURS = {
    "belay-gen": ("import belay_gen", "belay_gen.Device"),
    "Belay": ("import belay", "belay.Device"),
}


def _script(folder: Path, name: str, template: str, flavour: str, count: int = 0) -> Path:
    imports, device = _FLAVOURS[flavour]
    path = folder / f"{name}_{flavour.replace('-', '_')}.py"
    # inspect needs the task's source in a real file: exec'd code names this file and line.
    path.write_text(
        template.format(imports=imports, device=device, count=count, filename=str(path))
    )
    return path


def task_rows(repeat: int = 5, count: int = 100, rounds: int = 3) -> list[list[object]]:
    """Defining tasks (the best of ``rounds`` runs, the flavours taking turns, each belay-gen
    round with an empty cache) and a fresh process start (the median of ``repeat``)."""
    folder = Path(tempfile.mkdtemp(prefix="belay-gen-bench-tasks-"))
    try:
        with board_process() as port:
            defined: dict[str, float] = {}
            cached = float("inf")
            for round_ in range(rounds):
                env = {**os.environ, "BELAY_GEN_CACHE": str(folder / f"cache{round_}")}
                for flavour in _FLAVOURS:
                    script = _script(folder, f"define{round_}", _DEFINE_FILE, flavour, count)
                    for run in range(2 if flavour == "belay-gen" else 1):
                        # The second run defines the same tasks: compiled from the cache.
                        result = subprocess.run(
                            [sys.executable, str(script), port], check=True,
                            capture_output=True, text=True, env=env,
                        )  # fmt: skip
                        milliseconds = float(result.stdout.strip().splitlines()[-1])
                        if run:
                            cached = min(cached, milliseconds)
                        else:
                            defined[flavour] = min(defined.get(flavour, milliseconds), milliseconds)
            env = {**os.environ, "BELAY_GEN_CACHE": str(folder / "cache")}
            fresh: dict[str, float] = {}
            for flavour in _FLAVOURS:
                script = _script(folder, "fresh", _FRESH, flavour)
                command = [sys.executable, str(script), port]
                subprocess.run(command, check=True, capture_output=True, env=env)  # warm cache
                fresh[flavour] = _run_seconds_env(command, repeat, env) * 1000
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours, theirs = defined["belay-gen"], defined["Belay"]
    return [
        ["defining a new task, warm process (ms)", f"{ours:.2f}", f"{theirs:.2f}",
         _ratio(ours, theirs) + " faster"],
        ["defining a task unchanged since the last run (cache), warm process (ms)",
         f"{cached:.2f}", f"{theirs:.2f}", _ratio(cached, theirs) + " faster"],
        ["fresh process: import + Device + define + call one task (ms)",
         f"{fresh['belay-gen']:.0f}", f"{fresh['Belay']:.0f}",
         _ratio(fresh["belay-gen"], fresh["Belay"]) + " faster"],
    ]  # fmt: skip


def _run_seconds_env(command: Sequence[str], repeat: int, env: dict[str, str]) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


# Defining tasks needs their source in a file (inspect reads it): write each task to a module
# file of its own and import it, as a user's program would.
_DEFINE_FILE = textwrap.dedent("""
    import importlib, sys, time
    from pathlib import Path
    {imports}
    device = {device}(sys.argv[1])
    folder = Path(sys.argv[0]).parent / "tasks_{count}_" / Path(sys.argv[0]).stem
    folder.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(folder))
    SOURCE = '''
    from __main__ import device

    @device.task
    def task_%d(a, b=2):
        total = 0
        for i in range(a):
            total += i * b
        return total * %d
    '''
    for i in range({count}):
        (folder / f"t{{i}}.py").write_text(SOURCE % (i, i))
    importlib.invalidate_caches()
    for i in range(5):  # warm-up: imports and first compile
        importlib.import_module(f"t{{i}}")
    started = time.perf_counter()
    for i in range(5, {count}):
        importlib.import_module(f"t{{i}}")
    print((time.perf_counter() - started) / ({count} - 5) * 1000)
    device.close()
""")


def run() -> None:
    texts = sources([CORPUS])
    rows = minifier_rows(texts)
    rows += build_rows()
    rows += task_rows()
    print_table(
        f"Host-side speed (minifier on {len(texts)} corpus files, "
        f"{sum(len(t.encode()) for t in texts) / 1000:.0f} KB)",
        ["measure", "belay-gen", "Belay 0.30.1", "ratio"],
        rows,
    )


if __name__ == "__main__":
    run()
