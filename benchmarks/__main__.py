"""Run every benchmark and print its table: ``python -m benchmarks [NAME ...]``."""

from __future__ import annotations

import importlib
import sys

SUITES = [
    "bench_exec",
    "bench_task",
    "bench_wire",
    "bench_link",
    "bench_sync",
    "minify_size",
    "bench_host",
]


def main(argv: list[str]) -> int:
    chosen = argv or SUITES
    for name in chosen:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            print(f"(skipping {name}: {exc})")
            continue
        runner = getattr(module, "run", None) or getattr(module, "main", None)
        if runner is None:
            print(f"(skipping {name}: it has no run() or main())")
            continue
        runner()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
