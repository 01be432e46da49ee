"""Blink through the typed stub that `make build` generates (build/belay/host/blink.py).

Run with `make run` (a virtual board) or `make run PORT=/dev/ttyACM0`.
"""

from __future__ import annotations

import sys
import time

from host.blink import connect


def main(port: str) -> None:
    board = connect(port)
    try:
        for _ in range(3):
            board.set_led(True)
            time.sleep(0.1)
            board.set_led(False)
            time.sleep(0.1)
        board.set_led(True)
        print(f"LED on: {board.led_is_on()}")
        print("pulse:", " ".join(str(level) for level in board.pulse(4)))
    finally:
        board.device.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "virtual:")
