"""Host imports a board function uses are repeated in the board module."""

import os
import time as t
from json import dumps as to_json

from belay_gen import Device

device = Device("/dev/ttyACM0")
LIMIT = 3  # a host variable: no board function may use it


@device.task
def snapshot() -> str:
    return to_json({"files": os.listdir("/"), "ticks": t.ticks_ms()})


@device.task
def nested() -> int:
    def helper(x):
        return x + 1

    return helper(1) + sum(y for y in range(3)) + hashlib.sha256(b"").digest()[0]


@device.task
def uses_other() -> str:
    return snapshot()
