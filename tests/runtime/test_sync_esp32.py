"""sync on the esp32 profile: 115200 baud into a 260-byte input ring that drops what does not
fit. The receiver takes one batch at a time, so nothing may be dropped and every file must
arrive byte for byte, small files packed many to a batch as well as files split across
batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from belay_gen.compiler.minify import minify
from belay_gen.emulator.relay import VirtualBoard
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.sync import sync_folder
from belay_gen.runtime.transport.serial import SerialTransport
from tests.support.virtual_boards import profile_board

pytestmark = pytest.mark.board

BINARY = bytes(range(256)) * 12  # every byte value, \x03 and \x04 included; spans batches


@pytest.fixture
def esp32(
    board_root: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[VirtualBoard, RawRepl]]:
    monkeypatch.setenv("BELAY_GEN_CACHE", str(board_root.parent / f"{board_root.name}-cache"))
    with profile_board("esp32", board_root) as board:
        transport = SerialTransport(board.path)
        repl = RawRepl(transport, answer_timeout=5.0)
        repl.enter()
        try:
            yield board, repl
        finally:
            transport.close()


def test_many_small_files_and_a_large_one_arrive_byte_exact(
    esp32: tuple[VirtualBoard, RawRepl], board_root: Path, tmp_path: Path
) -> None:
    board, repl = esp32
    project = tmp_path / "project"
    sources = {
        f"pkg{i % 3}/m{i:02}.py": f"# module {i}\nVALUE = {i}  # the value\n" for i in range(40)
    }
    for rel, text in sources.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    (project / "data.bin").write_bytes(BINARY)
    (project / "ünï.txt").write_bytes(b"\x03\x04\r\n")
    report = sync_folder(repl, project, batch_size=2048)
    assert len(report.uploaded) == 42 and board.bytes_dropped == 0
    for rel, text in sources.items():
        assert (board_root / rel).read_bytes() == minify(text).encode()
    assert (board_root / "data.bin").read_bytes() == BINARY
    assert (board_root / "ünï.txt").read_bytes() == b"\x03\x04\r\n"
    again = sync_folder(repl, project)
    assert not again.changed and len(again.unchanged) == 42
    assert repl.exec_or_raise("import pkg2.m02\nprint(pkg2.m02.VALUE)") == b"2\r\n"
