"""The compile cache behind ``@device.task``: a hit, invalidation, and entries not trusted."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from belay_gen.runtime import dynamic
from belay_gen.runtime.dynamic import compile_for_board, task_cache_folder

TASK = '''\
class Device:
    def task(self, f):
        return f


device = Device()


@device.task
def add(a: int, b: int = 2) -> int:
    """Add."""
    return a + b  # on the board
'''


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BELAY_GEN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "tasks"


def load(folder: Path, source: str, name: str = "tasks_module") -> Callable[..., Any]:
    """``add`` from a module file holding ``source`` (inspect reads it from the file)."""
    path = folder / f"{name}.py"
    path.write_text(source)
    sys.path.insert(0, str(folder))
    try:
        sys.modules.pop(name, None)
        importlib.invalidate_caches()
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(name, None)
    return module.add  # type: ignore[no-any-return]


def entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.json"))


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names the compiler was asked to compile (cache misses)."""
    from belay_gen.compiler import function

    calls: list[str] = []
    real = function.compile_function

    def counting(source: str, **kwargs: Any) -> Any:
        calls.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(function, "compile_function", counting)
    return calls


def test_the_folder_follows_belay_gen_cache(cache: Path) -> None:
    assert task_cache_folder() == cache


def test_second_compile_is_a_hit_with_the_same_result(
    cache: Path, tmp_path: Path, compiles: list[str]
) -> None:
    first = compile_for_board(load(tmp_path, TASK), kind="task")
    assert len(compiles) == 1 and len(entries(cache)) == 1
    again = compile_for_board(load(tmp_path, TASK), kind="task")
    assert len(compiles) == 1, "the second compile came from the cache"
    assert again == first
    assert first.device_code == "\ndef add(a,b=2):\n\n return a+b\n"
    assert first.span.first_line == 9  # the decorator line


def test_a_changed_source_or_option_compiles_again(
    cache: Path, tmp_path: Path, compiles: list[str]
) -> None:
    compile_for_board(load(tmp_path, TASK), kind="task")
    changed = compile_for_board(load(tmp_path, TASK.replace("a + b", "a - b")), kind="task")
    assert "a-b" in changed.device_code
    moved = compile_for_board(load(tmp_path, "\n" + TASK), kind="task")
    assert moved.span.first_line == 10
    compile_for_board(load(tmp_path, TASK), kind="task", minify=False)
    assert len(compiles) == 4 and len(entries(cache)) == 4


def test_a_new_compiler_compiles_again(
    cache: Path, tmp_path: Path, compiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    compile_for_board(load(tmp_path, TASK), kind="task")
    monkeypatch.setattr(dynamic, "compiler_fingerprint", lambda: "another compiler")
    compile_for_board(load(tmp_path, TASK), kind="task")
    assert len(compiles) == 2


def _tamper(entry: Path, change: Callable[[dict[str, Any]], object]) -> None:
    document = json.loads(entry.read_text())
    change(document)
    entry.write_text(json.dumps(document))


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda e: e.write_text(e.read_text()[:40]), id="truncated"),
        pytest.param(lambda e: e.write_bytes(b"\xff\x00"), id="binary"),
        pytest.param(lambda e: e.write_text("[]"), id="not-an-object"),
        pytest.param(
            lambda e: _tamper(e, lambda d: d.update(device_code="import os\n")), id="edited-code"
        ),
        pytest.param(lambda e: _tamper(e, lambda d: d.update(line="9")), id="wrong-type"),
        pytest.param(lambda e: e.chmod(0o666), id="writable-by-others"),
    ],
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_replaced(
    cache: Path, tmp_path: Path, compiles: list[str], corrupt: Callable[[Path], object]
) -> None:
    first = compile_for_board(load(tmp_path, TASK), kind="task")
    (entry,) = entries(cache)
    corrupt(entry)
    again = compile_for_board(load(tmp_path, TASK), kind="task")
    assert again == first
    assert len(compiles) == 2, "the entry was not trusted"
    third = compile_for_board(load(tmp_path, TASK), kind="task")
    assert third == first and len(compiles) == 2, "a good entry replaced it"


def test_an_entry_with_a_recomputed_digest_must_still_define_the_function(
    cache: Path, tmp_path: Path, compiles: list[str]
) -> None:
    compile_for_board(load(tmp_path, TASK), kind="task")
    (entry,) = entries(cache)
    document = json.loads(entry.read_text())
    del document["digest"]
    document["device_code"] = "def other():\n pass\n"
    document["digest"] = dynamic._digest(document)
    entry.write_text(json.dumps(document))
    again = compile_for_board(load(tmp_path, TASK), kind="task")
    assert "def add" in again.device_code and len(compiles) == 2


def test_entries_are_private_whatever_the_umask(cache: Path, tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        compile_for_board(load(tmp_path, TASK), kind="task")
    finally:
        os.umask(old)
    (entry,) = entries(cache)
    assert entry.stat().st_mode & 0o777 == 0o600


def test_an_unwritable_cache_only_means_no_caching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("BELAY_GEN_CACHE", str(blocker))  # a file: no folder can go there
    compile_for_board(load(tmp_path, TASK), kind="task")
    compile_for_board(load(tmp_path, TASK), kind="task")
    assert len(compiles) == 2


def test_a_hit_does_not_import_libcst(cache: Path, tmp_path: Path) -> None:
    """A fresh process that finds its task in the cache never loads the compiler's parser."""
    (tmp_path / "tasks_module.py").write_text(TASK)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from belay_gen.runtime.dynamic import compile_for_board
        import tasks_module
        compiled = compile_for_board(tasks_module.add, kind="task")
        print(compiled.device_code.count("return"), "libcst" in sys.modules)
    """)
    env = {**os.environ, "BELAY_GEN_CACHE": str(cache.parent)}
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["1", "True"]
    second = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    assert second.stdout.split() == ["1", "False"]
