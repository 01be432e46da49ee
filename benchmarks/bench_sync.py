"""Folder sync on a virtual board: belay-gen vs Belay 0.30.1 vs ``mpremote fs cp -r``.

Unthrottled (a pty at the host's speed):

- a project of 50 files / 500 KB (40 Python modules, 10 binary files, in three folders),
  synced cold (empty board), again with no change, and again with one file changed;
  belay-gen's minify cache starts empty, so its cold sync pays for minifying, and one more
  row repeats that cold sync with the cache warm;
- 300 modules of 1 KB in ten folders, cold with empty caches (median of three, each on a
  new connection, an empty board and a fresh cache), then with no change: many small files,
  where per-file round trips, hashing, minifying and folder creation show.

Then, unless ``--fast-only``, cold syncs over a UART: 30 micropython-lib modules (the
minifier's corpus, 229 KB of source) on a board throttled to 115200 baud and on the ``esp32``
profile (115200 baud, a 260-byte input ring that drops what does not fit, a 110K heap), and
the 300 small modules on the ``esp32`` profile. The link share is file bytes stored on the
board per second, over the link rate (11,520 B/s) and over the floor: what the same board
carries per second into a program that only reads (measured just before and after each
client; a busy machine slows the emulated UART, and the floor shows by how much). Every
board file is compared with what the client meant to store (its own minifier's output, or
the source), byte for byte.

Wall time is the sync call alone (every client is connected and at its prompt before the
clock starts); bytes are counted by the board's relay in both directions. mpremote runs
in-process through its own API (``do_filesystem_recursive_cp``, what ``fs cp -r`` calls,
with its default sha256 skip). The on-board heap row is :mod:`benchmarks.bench_heap`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import print_table
from benchmarks.sync_clients import (
    FILE_SIZE,
    FILES_BIN,
    FILES_PY,
    SMALL_FILES,
    Belay,
    BelayGen,
    Client,
    CountingBoard,
    Mpremote,
    change_one_file,
    intact,
    link_floor,
    make_corpus_project,
    make_project,
    make_small_project,
)

LINK_RATE = 115200 / 10  # bytes per second of a 115200-baud UART (8N1)
REPEAT = 3
Maker = Callable[[str], Client]
MAKERS: list[Maker] = [BelayGen, Belay, Mpremote]


@contextmanager
def _board(baud: int | None = None, profile: str | None = None) -> Iterator[CountingBoard]:
    root = Path(tempfile.mkdtemp(prefix="belay-gen-bench-sync-"))
    board = CountingBoard(root, baud, profile)
    try:
        yield board
    finally:
        board.close()
        shutil.rmtree(root, ignore_errors=True)


def _measure(board: CountingBoard, client: Client, project: Path) -> tuple[float, int, int, int]:
    """Seconds, bytes to the board, bytes from it, bytes its input ring dropped."""
    before = board.counts()
    started = time.perf_counter()
    client.sync(project)
    elapsed = time.perf_counter() - started
    after = board.counts()
    to_board, from_board, dropped = (a - b for a, b in zip(after, before, strict=True))
    return elapsed, to_board, from_board, dropped


def _stored_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _fresh_cache() -> None:
    os.environ["BELAY_GEN_CACHE"] = tempfile.mkdtemp(prefix="belay-gen-bench-cache-")


def _rounds(client: Client) -> str:
    return "" if client.rounds is None else str(client.rounds)


def project_rows(folder: Path) -> list[tuple[object, ...]]:
    """The 50-file project: cold, no change, one file changed (and cold, cache warm)."""
    makers: list[Maker] = [BelayGen, lambda path: BelayGen(path, minify=False), Belay, Mpremote]
    rows: list[tuple[object, ...]] = []
    with _board() as board:
        for make in makers:
            project = make_project(folder / "project")
            board.clear_files()
            _fresh_cache()
            client = make(board.path)
            scenarios = ["cold", "no change", "one file changed"]
            if isinstance(client, BelayGen) and client.minify:
                scenarios.append("cold, minify cache warm")
            for scenario in scenarios:
                if scenario == "one file changed":
                    change_one_file(project)
                if scenario.startswith("cold, "):
                    board.clear_files()
                seconds, to_board, from_board, _ = _measure(board, client, project)
                rows.append(
                    (client.name, scenario, seconds * 1000, to_board, from_board, _rounds(client))
                )
            client.close()
            shutil.rmtree(project)
    return rows


def small_file_rows(folder: Path) -> list[tuple[object, ...]]:
    """300 x 1 KB: cold with empty caches (median of ``REPEAT``), then no change."""
    project = make_small_project(folder / "small")
    # client, scenario, seconds, bytes to the board, bytes from it, execs, byte-exact
    rows: list[tuple[str, str, float, int, int, str, str]] = []
    with _board() as board:
        for make in MAKERS:
            samples = []
            for _ in range(REPEAT):  # each on a new connection, an empty board, no cache
                board.clear_files()
                _fresh_cache()
                client = make(board.path)
                seconds, to_board, from_board, _ = _measure(board, client, project)
                samples.append(seconds)
                if len(samples) < REPEAT:
                    client.close()
            check = intact(client, project, board.root)
            cold = statistics.median(samples)
            rows.append((client.name, "cold", cold, to_board, from_board, _rounds(client), check))
            seconds, to_board, from_board, _ = _measure(board, client, project)
            rows.append(
                (client.name, "no change", seconds, to_board, from_board, _rounds(client), "")
            )
            client.close()
    floor = {row[1]: row[2] for row in rows if row[0] == Mpremote.name}
    return [
        (name, scenario, seconds * 1000, f"{seconds / floor[scenario]:.2f}", *rest)
        for name, scenario, seconds, *rest in rows
    ]


#: The UART boards: a name, and the board process's baud rate and profile.
UART_BOARDS: list[tuple[str, int | None, str | None]] = [
    ("115200 baud", 115200, None),
    ("esp32", None, "esp32"),
]


def link_rows(folder: Path) -> list[tuple[object, ...]]:
    """Cold syncs over a UART (see the module docstring), one fresh board each."""
    projects = [("30 modules", make_corpus_project(folder / "corpus"))]
    projects.append((f"{SMALL_FILES} x 1 KB", make_small_project(folder / "small")))
    rows: list[tuple[object, ...]] = []
    for label, project in projects:
        for board_name, baud, profile in UART_BOARDS:
            if label != "30 modules" and board_name != "esp32":
                continue  # the small files at 115200 only on the esp32 profile
            for make in MAKERS:
                with _board(baud, profile) as board:
                    _fresh_cache()
                    before = link_floor(board.path)
                    client = make(board.path)
                    seconds, to_board, _, dropped = _measure(board, client, project)
                    client.close()
                    floor = (before + link_floor(board.path)) / 2
                    stored = _stored_bytes(board.root)
                    rate = stored / seconds
                    rows.append(
                        (
                            client.name,
                            label,
                            board_name,
                            seconds,
                            stored,
                            to_board,
                            f"{rate / LINK_RATE:.1%}",
                            f"{rate / floor:.1%}",
                            f"{to_board / seconds / floor:.1%}",
                            dropped,
                            intact(client, project, board.root),
                        )
                    )
    return rows


def run(slow_link: bool = True) -> None:
    """Print the unthrottled tables (and, with ``slow_link``, the UART tables: ~5 minutes)."""
    from benchmarks import bench_heap

    with tempfile.TemporaryDirectory(prefix="belay-gen-bench-project-") as name:
        folder = Path(name)
        print_table(
            f"Sync of {FILES_PY + FILES_BIN} files / {(FILES_PY + FILES_BIN) * FILE_SIZE:,} bytes,"
            " one virtual board (unthrottled pty)",
            ["client", "sync", "wall ms", "bytes to board", "bytes from board", "execs"],
            project_rows(folder),
        )
        print(
            "\nexecs: round trips belay-gen made (raw-REPL executions, and the receiver's run"
            " when something changed).\nBelay hashes with its pure-Python FNV-1a here: its viper"
            " version returns 64-bit values on the x64 VM, so nothing would ever match."
        )
        print_table(
            f"Sync of {SMALL_FILES} modules x 1 KB in 10 folders (unthrottled pty; cold: empty"
            f" board and caches, median of {REPEAT})",
            [
                "client",
                "sync",
                "wall ms",
                "vs mpremote",
                "bytes to board",
                "bytes from board",
                "execs",
                "byte-exact",
            ],
            small_file_rows(folder),
        )
        bench_heap.run()
        if not slow_link:
            return
        print_table(
            "Cold sync over a UART (115200 baud: 11,520 B/s each way; esp32: the same with a"
            " 260-byte input ring that drops what does not fit)",
            [
                "client",
                "project",
                "board",
                "wall s",
                "file bytes stored",
                "bytes to board",
                "file bytes/s, % of 11,520",
                "file bytes/s, % of floor",
                "bytes to board/s, % of floor",
                "bytes dropped",
                "byte-exact",
            ],
            link_rows(folder),
        )
        print(
            "\nfile bytes stored differ: belay-gen and Belay minify .py files (each its own"
            " minifier), mpremote copies them as they are. floor: bytes per second into a"
            " program that only reads stdin, on the same board around each sync."
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_sync")
    parser.add_argument("--fast-only", action="store_true", help="skip the UART tables")
    args = parser.parse_args(argv)
    run(slow_link=not args.fast_only)


if __name__ == "__main__":
    main()
