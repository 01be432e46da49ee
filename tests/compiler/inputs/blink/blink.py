"""The seed's first example: one task that drives an LED."""

import belay_gen

device = belay_gen.Device("/dev/ttyUSB0")


@device.task
def set_led(state):
    """This function sets a pin to the specified state."""
    Pin(25, Pin.OUT).value(state)  # Set a pin as an output, and set its value
