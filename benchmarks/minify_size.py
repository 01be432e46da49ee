"""Minified size on real MicroPython library files: belay-gen vs Belay 0.30.1.

Run: ``python benchmarks/minify_size.py [DIR ...]``. Without arguments it measures the vendored
corpus (``tests/compiler/minify_corpus``); a directory (say a micropython-lib checkout) adds its
``*.py``.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "compiler" / "minify_corpus"


def sources(folders: Sequence[Path]) -> list[str]:
    """The text of every corpus file (``*.py.txt``) or Python file under ``folders``."""
    paths: list[Path] = []
    for folder in folders:
        paths += sorted(folder.rglob("*.py.txt")) + sorted(folder.rglob("*.py"))
    return [path.read_text(encoding="utf-8") for path in paths]


def measure(minify: Callable[[str], str], texts: list[str]) -> tuple[int, float]:
    """Total UTF-8 size of the minified texts, and the seconds it took."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        size = sum(len(minify(text).encode()) for text in texts)
    return size, time.perf_counter() - started


def run(folders: Sequence[Path] = (CORPUS,)) -> None:
    from belay_gen.compiler.minify import minify

    texts = sources(folders)
    total = sum(len(text.encode()) for text in texts)
    rows = [("input", total, 0.0), ("belay-gen", *measure(minify, texts))]
    try:
        from belay._minify import minify as belay_minify
    except ImportError:
        print("(Belay is not installed: pip install belay==0.30.1 for its column)")
    else:
        rows.append(("Belay 0.30.1", *measure(belay_minify, texts)))
    names = ", ".join(str(folder) for folder in folders)
    print(f"\n### Minified size: {len(texts)} files in {names}\n")
    print("| minifier | bytes | % of input | seconds |")
    print("|---|---|---|---|")
    for name, size, seconds in rows:
        print(f"| {name} | {size:,} | {100 * size / total:.2f}% | {seconds:.2f} |")


if __name__ == "__main__":
    run([Path(arg) for arg in sys.argv[1:]] or [CORPUS])
