"""Raw REPL round trips on one virtual board: ours (plain raw, raw-paste) vs mpremote vs Belay."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

from benchmarks.common import board_process, median_ms, print_table

CODE = "x = 1"


def run(repeat: int = 300) -> None:
    from belay_gen.runtime.repl import RawRepl
    from belay_gen.runtime.transport.serial import SerialTransport

    rows: list[tuple[str, float]] = []
    with board_process() as path:
        with SerialTransport(path) as transport:
            repl = RawRepl(transport)
            repl.enter()
            rows.append(
                ("belay-gen raw exec (one write)", median_ms(lambda: repl.exec(CODE), repeat))
            )
            rows.append(
                ("belay-gen raw-paste exec", median_ms(lambda: repl.exec(CODE, paste=True), repeat))
            )
            repl.exit_raw()

        from mpremote.transport_serial import SerialTransport as MpremoteTransport

        mp = MpremoteTransport(path, baudrate=115200)
        mp.enter_raw_repl(soft_reset=False)
        rows.append(("mpremote exec (in-process)", median_ms(lambda: mp.exec(CODE), repeat)))
        mp.exit_raw_repl()
        mp.close()

        import belay

        with redirect_stdout(io.StringIO()):
            device = belay.Device(path)

            @device.task
            def noop():  # type: ignore[no-untyped-def]
                return None

            rows.append(("Belay 0.30.1 task call", median_ms(noop, repeat)))
            device.close()

    ours = rows[0][1]
    print_table(
        f"Raw REPL round trip, one virtual board, median of {repeat} calls",
        ["client", "median ms", "ratio to ours"],
        [(name, value, f"{value / ours:.2f}x") for name, value in rows],
    )
