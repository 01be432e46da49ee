"""Folder sync on one virtual board: belay-gen vs Belay 0.30.1 vs ``mpremote fs cp -r``.

A project of 50 files / 500 KB (40 Python modules, 10 binary files, in three folders) is
synced cold (empty board), again with no change, and again with one file changed. Wall time
is the sync call alone (every client is connected and at its prompt before the clock
starts); bytes are counted by the board's relay in both directions. mpremote runs
in-process through its own API (``do_filesystem_recursive_cp``, what ``fs cp -r`` calls,
with its default sha256 skip). belay-gen's minify cache starts empty, so its cold sync pays
for minifying; one more row repeats that cold sync with the cache warm. Then the same cold
sync on a board throttled to 115200 baud shows the file bytes delivered per second as a
share of the link rate (11,520 B/s).

The board runs in its own process (``python -m benchmarks.bench_sync --serve DIR``), which
answers ``count`` on stdin with its byte counters.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from benchmarks.common import print_table

FILES_PY = 40
FILES_BIN = 10
FILE_SIZE = 10_000
LINK_RATE = 115200 / 10  # bytes per second of a 115200-baud UART (8N1)


# -- the board, in its own process, with byte counters ---------------------------------------


class CountingBoard:
    """A virtual board process; :meth:`counts` returns (bytes to board, bytes from board)."""

    def __init__(self, root: Path, baud: int | None = None) -> None:
        command = [sys.executable, "-m", "benchmarks.bench_sync", "--serve", str(root)]
        if baud:
            command += ["--baud", str(baud)]
        self.root = root
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self.process.stdout is not None
        self.path = self.process.stdout.readline().strip()
        if not self.path.startswith("/dev/"):
            raise RuntimeError("the virtual board did not start")

    def counts(self) -> tuple[int, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        to_board, from_board = self.process.stdout.readline().split()
        return int(to_board), int(from_board)

    def clear_files(self) -> None:
        for entry in self.root.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _serve(root: Path, baud: int | None) -> None:
    from belay_gen.emulator.relay import VirtualBoard

    with VirtualBoard(root, baud=baud) as board:
        print(board.path, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(board.bytes_to_board, board.bytes_from_board, flush=True)


# -- the project --------------------------------------------------------------------------


def _module_text(index: int, size: int) -> str:
    """A plausible MicroPython module of about ``size`` characters."""
    rng = random.Random(index)
    parts = [f'"""Driver module {index}: talks to a sensor over I2C."""\n\nimport time\n\n']
    n = 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(
            f"\n# Register {n} helpers. These comments are stripped by the minifier.\n"
            f"REG_{n} = const(0x{rng.randrange(256):02X})\n\n\n"
            f"def read_reg_{n}(bus, address, count: int = {rng.randrange(1, 9)}) -> bytes:\n"
            f'    """Read {n} register(s) and return the raw bytes."""\n'
            f"    data = bus.readfrom_mem(address, REG_{n}, count)\n"
            f"    if len(data) != count:  # short read\n"
            f"        raise OSError('short read from register {n}')\n"
            f"    return data\n"
        )
    return "".join(parts)[:size].rsplit("\n", 1)[0] + "\n"


def make_project(root: Path) -> Path:
    """50 files / ~500 KB in three folders."""
    rng = random.Random(1)
    for i in range(FILES_PY):
        folder = root / ("drivers" if i % 2 else "app") / ("sub" if i % 5 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{i:02}.py").write_text(_module_text(i, FILE_SIZE))
    for i in range(FILES_BIN):
        (root / "assets").mkdir(parents=True, exist_ok=True)
        (root / "assets" / f"blob{i}.bin").write_bytes(rng.randbytes(FILE_SIZE))
    return root


def change_one_file(root: Path) -> None:
    path = root / "app" / "mod02.py"
    path.write_text(path.read_text() + "EXTRA = 1\n")


# -- the clients --------------------------------------------------------------------------


class Client:
    """One way of syncing: ``sync()`` does the whole job; ``rounds`` counts execs if known."""

    name = ""
    rounds: int | None = None

    def sync(self, project: Path) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class BelayGen(Client):
    def __init__(self, path: str, minify: bool = True) -> None:
        from belay_gen.runtime.repl import RawRepl
        from belay_gen.runtime.transport.serial import SerialTransport

        self.name = "belay-gen" if minify else "belay-gen (minify=False)"
        self.minify = minify
        self.transport = SerialTransport(path)
        counter = self

        class CountingRepl(RawRepl):
            def exec(self, code, *args, **kwargs):  # type: ignore[no-untyped-def]
                # The receiver's definition is followed by its call, sent by hand.
                calls = 2 if "def __belay_sync_recv" in str(code) else 1
                counter.rounds = (counter.rounds or 0) + calls
                return super().exec(code, *args, **kwargs)

        self.repl = CountingRepl(self.transport)
        self.repl.enter()

    def sync(self, project: Path) -> None:
        from belay_gen.runtime.sync.folder import sync_folder

        self.rounds = 0
        sync_folder(self.repl, project, minify=self.minify)

    def close(self) -> None:
        self.repl.exit_raw()
        self.transport.close()


class Belay(Client):
    name = "Belay 0.30.1 Device.sync"

    def __init__(self, path: str) -> None:
        import belay

        with redirect_stdout(io.StringIO()):
            self.device = belay.Device(path)
        # Belay's viper/native FNV-1a returns 64-bit values on a 64-bit port such as the
        # virtual board's x64 VM, so no hash ever matches and every sync re-sends all files.
        # On a 32-bit MCU it works; give Belay its pure-Python hash (what it uses on boards
        # without native emitters), which is correct here.
        self.device.implementation.emitters = ()

    def sync(self, project: Path) -> None:
        with redirect_stdout(io.StringIO()):
            self.device.sync(project)

    def close(self) -> None:
        self.device.close()


class Mpremote(Client):
    name = "mpremote fs cp -r (in-process)"

    def __init__(self, path: str) -> None:
        from mpremote.main import State
        from mpremote.transport_serial import SerialTransport

        self.state = State()
        self.state.transport = SerialTransport(path, baudrate=115200)
        self.state.transport.enter_raw_repl(soft_reset=False)

    def sync(self, project: Path) -> None:
        from mpremote.commands import do_filesystem_recursive_cp

        with redirect_stdout(io.StringIO()):
            do_filesystem_recursive_cp(self.state, str(project), ":", False, True)

    def close(self) -> None:
        self.state.transport.exit_raw_repl()
        self.state.transport.close()


# -- running ------------------------------------------------------------------------------


@contextmanager
def _board(baud: int | None = None) -> Iterator[CountingBoard]:
    root = Path(tempfile.mkdtemp(prefix="belay-gen-bench-sync-"))
    board = CountingBoard(root, baud)
    try:
        yield board
    finally:
        board.close()
        shutil.rmtree(root, ignore_errors=True)


def _measure(board: CountingBoard, client: Client, project: Path) -> tuple[float, int, int]:
    before = board.counts()
    started = time.perf_counter()
    client.sync(project)
    elapsed = time.perf_counter() - started
    after = board.counts()
    return elapsed, after[0] - before[0], after[1] - before[1]


def _stored_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _fresh_cache() -> None:
    os.environ["BELAY_GEN_CACHE"] = tempfile.mkdtemp(prefix="belay-gen-bench-cache-")


def run(slow_link: bool = True) -> None:
    """Print the sync table (and, with ``slow_link``, the 115200-baud table: ~3 minutes)."""
    makers: list[Callable[[str], Client]] = [
        BelayGen,
        lambda path: BelayGen(path, minify=False),
        Belay,
        Mpremote,
    ]
    rows = []
    with tempfile.TemporaryDirectory(prefix="belay-gen-bench-project-") as folder:
        with _board() as board:
            for make in makers:
                project = make_project(Path(folder) / "project")
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
                    seconds, to_board, from_board = _measure(board, client, project)
                    rounds = "" if client.rounds is None else str(client.rounds)
                    rows.append(
                        (client.name, scenario, seconds * 1000, to_board, from_board, rounds)
                    )
                client.close()
                shutil.rmtree(project)
        print_table(
            f"Sync of {FILES_PY + FILES_BIN} files / {(FILES_PY + FILES_BIN) * FILE_SIZE:,} bytes,"
            " one virtual board (unthrottled pty)",
            ["client", "sync", "wall ms", "bytes to board", "bytes from board", "execs"],
            rows,
        )
        print(
            "\nexecs: raw-REPL executions belay-gen made (the receiver's definition and its"
            " call count two).\nBelay hashes with its pure-Python FNV-1a here: its viper"
            " version returns 64-bit values on the x64 VM, so nothing would ever match."
        )
        if not slow_link:
            return
        slow = []
        for make in makers[:1] + makers[2:]:
            with _board(baud=115200) as board:
                project = make_project(Path(folder) / "project")
                _fresh_cache()
                client = make(board.path)
                seconds, to_board, from_board = _measure(board, client, project)
                client.close()
                stored = _stored_bytes(board.root)
                slow.append(
                    (
                        client.name,
                        seconds,
                        stored,
                        to_board,
                        f"{stored / seconds / LINK_RATE:.1%}",
                        f"{to_board / seconds / LINK_RATE:.1%}",
                    )
                )
                shutil.rmtree(project)
        print_table(
            "Cold sync at 115200 baud (link rate 11,520 B/s each way)",
            [
                "client",
                "wall s",
                "file bytes stored",
                "bytes to board",
                "file bytes/s, % of link",
                "link busy (to board)",
            ],
            slow,
        )
        print(
            "\nfile bytes stored differ: belay-gen and Belay minify .py files (each its own"
            " minifier), mpremote copies them as they are."
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_sync")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--baud", type=int, default=None)
    parser.add_argument("--fast-only", action="store_true", help="skip the 115200-baud table")
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.baud)
    else:
        run(slow_link=not args.fast_only)


if __name__ == "__main__":
    main()
