"""Bytes on the wire to make three tasks callable: ahead-of-time vs dynamic vs Belay 0.30.1.

One in-process virtual board counts every byte sent to it. The AOT rows connect through the
stub `belay-gen build` generates for examples/blink-aot: a cold start uploads the board
module once, a warm start only compares its hash (no code bytes). The dynamic rows send the
same three functions with `@device.task`, as does Belay.
"""

from __future__ import annotations

import importlib
import io
import shutil
import sys
import tempfile
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from benchmarks.common import print_table

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "blink-aot"


def _define_tasks(device: Any) -> Callable[[bool], None]:
    @device.task
    def set_led(state):  # type: ignore[no-untyped-def]
        """Drive the LED on pin 25."""
        Pin(25, Pin.OUT).value(state)  # type: ignore[name-defined]  # noqa: F821

    @device.task
    def led_is_on():  # type: ignore[no-untyped-def]
        """Whether the LED on pin 25 is lit."""
        return Pin(25).value() == 1  # type: ignore[name-defined]  # noqa: F821

    @device.task
    def pulse(times):  # type: ignore[no-untyped-def]
        """Toggle the LED ``times`` times, yielding its level after each toggle."""
        led = Pin(25, Pin.OUT)  # type: ignore[name-defined]  # noqa: F821
        for _ in range(times):
            led.toggle()
            yield led.value()

    return set_led  # type: ignore[no-any-return]


def run() -> None:
    import belay

    import belay_gen
    from belay_gen.build import build
    from belay_gen.emulator.relay import VirtualBoard
    from belay_gen.project import load_config

    with tempfile.TemporaryDirectory(prefix="belay-gen-wire-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("build"))
        build(load_config(project, out=str(Path(tmp) / "out")))
        sys.path.insert(0, str(Path(tmp) / "out"))
        try:
            stub = importlib.import_module("host.blink")
        finally:
            sys.path.pop(0)

        rows = []
        with VirtualBoard(Path(tmp) / "fs") as board:

            def sent(action: Callable[[], object]) -> int:
                before = board.bytes_to_board
                action()
                return board.bytes_to_board - before

            def ours_bare() -> None:
                belay_gen.Device(board.path).close()

            def theirs_bare() -> None:
                with redirect_stdout(io.StringIO()):
                    belay.Device(board.path).close()

            def aot() -> None:
                connected = stub.connect(board.path)
                connected.set_led(True)
                connected.device.close()

            def dynamic() -> None:
                device = belay_gen.Device(board.path)
                _define_tasks(device)(True)
                device.close()

            def theirs() -> None:
                with redirect_stdout(io.StringIO()):
                    device = belay.Device(board.path)
                    _define_tasks(device)(True)
                    device.close()

            our_base = sent(ours_bare)
            their_base = sent(theirs_bare)
            cold, warm = sent(aot), sent(aot)
            rows.append(("belay-gen AOT, cold start (module uploaded)", cold, cold - our_base))
            rows.append(("belay-gen AOT, warm start (hash matches)", warm, warm - our_base))
            dynamic_bytes = sent(dynamic)
            rows.append(("belay-gen dynamic @device.task", dynamic_bytes, dynamic_bytes - our_base))
            belay_bytes = sent(theirs)
            rows.append(("Belay 0.30.1 @device.task", belay_bytes, belay_bytes - their_base))
            rows.append(("(belay-gen connect alone)", our_base, 0))
            rows.append(("(Belay 0.30.1 connect alone)", their_base, 0))

    print_table(
        "Bytes sent to the board: connect, make 3 tasks callable, call one",
        ["scenario", "bytes to board", "beyond its bare connect"],
        rows,
    )
