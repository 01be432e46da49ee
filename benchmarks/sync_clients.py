"""The pieces of the sync benchmark: a counting board process, the projects, the clients.

The board runs in its own process (``python -m benchmarks.sync_clients --serve DIR``), which
answers ``count`` on stdin with its byte counters (to the board, from the board, dropped by a
full input ring). Every client is connected and at its prompt before a measurement starts.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

FILES_PY = 40
FILES_BIN = 10
FILE_SIZE = 10_000
SMALL_FILES = 300
SMALL_SIZE = 1_000
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "compiler" / "minify_corpus"
CORPUS_MODULES = 30


# -- the board, in its own process, with byte counters ---------------------------------------


class CountingBoard:
    """A virtual board process; :meth:`counts` returns (to board, from board, dropped)."""

    def __init__(self, root: Path, baud: int | None = None, profile: str | None = None) -> None:
        command = [sys.executable, "-m", "benchmarks.sync_clients", "--serve", str(root)]
        if baud:
            command += ["--baud", str(baud)]
        if profile:
            command += ["--profile", profile]
        self.root = root
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self.process.stdout is not None
        self.path = self.process.stdout.readline().strip()
        if not self.path.startswith("/dev/"):
            raise RuntimeError("the virtual board did not start")

    def counts(self) -> tuple[int, int, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        to_board, from_board, dropped = self.process.stdout.readline().split()
        return int(to_board), int(from_board), int(dropped)

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


def _serve(root: Path, baud: int | None, profile: str | None) -> None:
    from belay_gen.emulator.profiles import get_profile
    from belay_gen.emulator.relay import VirtualBoard

    with VirtualBoard(root, profile=get_profile(profile), baud=baud) as board:
        print(board.path, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                counts = (board.bytes_to_board, board.bytes_from_board, board.bytes_dropped)
                print(*counts, flush=True)


# -- the projects -------------------------------------------------------------------------


def module_text(index: int, size: int) -> str:
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
        (folder / f"mod{i:02}.py").write_text(module_text(i, FILE_SIZE))
    for i in range(FILES_BIN):
        (root / "assets").mkdir(parents=True, exist_ok=True)
        (root / "assets" / f"blob{i}.bin").write_bytes(rng.randbytes(FILE_SIZE))
    return root


def make_small_project(root: Path) -> Path:
    """300 modules of ~1 KB each, 30 to a folder."""
    for i in range(SMALL_FILES):
        folder = root / f"pkg{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{i:03}.py").write_text(module_text(i, SMALL_SIZE))
    return root


def make_corpus_project(root: Path) -> Path:
    """The first 30 micropython-lib modules of the minifier's corpus, in one folder."""
    root.mkdir(parents=True, exist_ok=True)
    for source in sorted(CORPUS.glob("*.py.txt"))[:CORPUS_MODULES]:
        (root / source.name.removesuffix(".txt")).write_bytes(source.read_bytes())
    return root


def change_one_file(root: Path) -> None:
    path = root / "app" / "mod02.py"
    path.write_text(path.read_text() + "EXTRA = 1\n")


# -- the clients --------------------------------------------------------------------------


class Client:
    """One way of syncing: ``sync()`` does the whole job; ``rounds`` counts execs if known.
    ``expected(source, data)`` is what the board should hold for a source file."""

    name = ""
    rounds: int | None = None
    #: Where the client puts a synced folder's files, relative to the board's root.
    prefix = ""

    def sync(self, project: Path) -> None:
        raise NotImplementedError

    def expected(self, name: str, data: bytes) -> bytes:
        return data

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
                counter.rounds = (counter.rounds or 0) + 1
                return super().exec(code, *args, **kwargs)

        self.repl = CountingRepl(self.transport)
        self.repl.enter()

    def sync(self, project: Path) -> None:
        from belay_gen.runtime.sync.folder import sync_folder

        self.rounds = 0
        report = sync_folder(self.repl, project, minify=self.minify)
        self.rounds += report.changed  # the receiver's run: a call sent by hand, not an exec

    def expected(self, name: str, data: bytes) -> bytes:
        if not (self.minify and name.endswith(".py")):
            return data
        from belay_gen.compiler.minify import minify

        return minify(data.decode()).encode()

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

    def expected(self, name: str, data: bytes) -> bytes:
        if not name.endswith(".py"):
            return data
        from belay._minify import minify

        return minify(data.decode()).encode()

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

        self.prefix = project.name + "/"  # cp -r puts the folder itself on the board
        with redirect_stdout(io.StringIO()):
            do_filesystem_recursive_cp(self.state, str(project), ":", False, True)

    def close(self) -> None:
        self.state.transport.exit_raw_repl()
        self.state.transport.close()


_SINK = (
    "import sys\n"
    "def _bench_sink(n):\n"
    " read = sys.stdin.buffer.read\n"
    " while n:\n"
    "  n -= len(read(min(n, 256)))\n"
    " print('done')\n"
)


def link_floor(path: str, nbytes: int = 24_000) -> float:
    """Bytes per second the link carries into a program that only reads them (the floor any
    client's file rate can reach), measured now: a busy machine slows the emulated UART."""
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    transport = SerialTransport(path)
    try:
        repl = RawRepl(transport)
        repl.enter()
        repl.exec_or_raise(_SINK)
        transport.write(b"_bench_sink(%d)\x04" % nbytes)
        deadline = time.monotonic() + 30
        if repl.reader.take(2, deadline, "OK") != b"OK":
            raise RuntimeError("the board did not run the sink")
        started = time.perf_counter()
        transport.write(b"x" * nbytes)
        repl.reader.until(b"done", deadline + nbytes / 1000, "the sink's end")
        elapsed = time.perf_counter() - started
        repl.reader.until(b">", deadline + 60, "the raw prompt")
        return nbytes / elapsed
    finally:
        transport.close()


def intact(client: Client, project: Path, board_root: Path) -> str:
    """``yes`` when every project file is on the board as the client meant it, byte for byte."""
    wrong = 0
    files = [p for p in project.rglob("*") if p.is_file()]
    for source in files:
        rel = source.relative_to(project).as_posix()
        target = board_root / (client.prefix + rel)
        expected = client.expected(rel, source.read_bytes())
        if not target.is_file() or target.read_bytes() != expected:
            wrong += 1
    return "yes" if not wrong else f"NO: {wrong} of {len(files)} files differ"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_clients")
    parser.add_argument("--serve", type=Path, required=True)
    parser.add_argument("--baud", type=int, default=None)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args(argv)
    _serve(args.serve, args.baud, args.profile)


if __name__ == "__main__":
    main()
