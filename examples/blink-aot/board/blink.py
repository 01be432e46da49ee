"""What runs on the board. `belay-gen build` reads this file; nothing imports it.

The build turns it into build/belay/device/blink.py (the board module) and
build/belay/host/blink.py (the typed stub that main.py imports).
"""

from collections.abc import Iterator

from machine import Pin  # the board's module: the build repeats this import in the board module

import belay_gen

# Tells the compiler which decorators mark board functions. The app connects through the
# generated stub's connect(port) instead, so this line never runs.
device = belay_gen.Device("virtual:")


@device.task
def set_led(state: bool) -> None:
    """Drive the LED on pin 25."""
    Pin(25, Pin.OUT).value(state)


@device.task
def led_is_on() -> bool:
    """Whether the LED on pin 25 is lit."""
    return Pin(25).value() == 1


@device.task
def pulse(times: int) -> Iterator[int]:
    """Toggle the LED ``times`` times, yielding its level after each toggle."""
    led = Pin(25, Pin.OUT)
    for _ in range(times):
        led.toggle()
        yield led.value()
