"""On-board heap a client leaves in use: belay-gen vs Belay 0.30.1, on the ``esp32`` profile.

For each client, a fresh virtual board (the ``esp32`` profile: 110K heap, 115200 baud, a
260-byte input ring). ``gc.mem_free()`` after ``gc.collect()`` is read through a bare raw
REPL before the client connects, after it connected and defined three tasks (each called
once), and after it also synced ten 1 KB modules; the client is closed before each reading,
so only what it left on the board counts. Run: ``python -m benchmarks.bench_heap``.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from benchmarks.bench_task import task_calls
from benchmarks.common import board_process, print_table
from benchmarks.sync_clients import module_text

PROFILE = "esp32"
_READ_FREE = "import gc\ngc.collect()\nprint(gc.mem_free())"


def mem_free(path: str) -> int:
    """``gc.mem_free()`` after a collection, through a bare raw REPL (nothing else defined)."""
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    transport = SerialTransport(path)
    try:
        repl = RawRepl(transport)
        repl.enter()
        return int(repl.exec_or_raise(_READ_FREE))
    finally:
        transport.close()


def _define_tasks(device: Any) -> None:
    """bench_task's three tasks, each called once."""
    for call in task_calls(device):
        call()


def _ours(path: str) -> Any:
    import belay_gen

    return belay_gen.Device(path)


def _belay(path: str) -> Any:
    import belay

    with redirect_stdout(io.StringIO()):
        device = belay.Device(path)
    device.implementation.emitters = ()  # its viper hash is wrong on the x64 VM (bench_sync)
    return device


def heap_rows(project: Path) -> list[tuple[object, ...]]:
    """Heap used after connect + 3 tasks, and after a sync as well, per client."""
    clients: list[tuple[str, Callable[[str], Any]]] = [
        ("belay-gen", _ours),
        ("Belay 0.30.1", _belay),
    ]
    used: list[tuple[str, int, int, int]] = []
    for name, connect in clients:
        with board_process(profile=PROFILE) as path:
            before = mem_free(path)
            device = connect(path)
            _define_tasks(device)
            device.close()
            tasks = mem_free(path)
            device = connect(path)
            _define_tasks(device)
            with redirect_stdout(io.StringIO()):
                device.sync(project)
            device.close()
            synced = mem_free(path)
        used.append((name, before, before - tasks, before - synced))
    (_, _, ours_tasks, ours_sync), (_, _, their_tasks, their_sync) = used
    ratio = (
        "Belay / belay-gen",
        "",
        f"{their_tasks / ours_tasks:.2f}",
        f"{their_sync / ours_sync:.2f}",
    )
    return [*used, ratio]


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="belay-gen-bench-heap-") as name:
        project = Path(name)
        for i in range(10):
            (project / f"m{i}.py").write_text(module_text(i, 1000))
        print_table(
            f"On-board heap left in use ({PROFILE} profile; bytes, gc.mem_free() after"
            " gc.collect(), client closed)",
            ["client", "free before connect", "used: connect + 3 tasks", "used: + sync"],
            heap_rows(project),
        )
        print(
            "\nThe sync row connects again after the first reading (both clients soft-reset"
            " on connect, so the board starts empty), defines the tasks again and syncs"
            " 10 x 1 KB; what the sync keeps is the difference of the two columns."
        )


if __name__ == "__main__":
    run()
