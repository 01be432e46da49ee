"""Blink an LED from desktop Python.

    python blink.py [PORT]     # PORT defaults to "virtual:", a virtual board

On the virtual board, pin changes are recorded, and printed at the end.
"""

import sys

import belay_gen as belay

port = sys.argv[1] if len(sys.argv) > 1 else "virtual:"
device = belay.Device(port)
print(f"connected to {device.implementation.name} {device.implementation.version} at {port}")


@device.task
def set_led(state):
    print(f"Printing from device; turning LED to {state}.")
    Pin(25, Pin.OUT).value(state)


@device.task
def blink(times, period_ms):
    led = Pin(25, Pin.OUT)
    for _ in range(times):
        led.toggle()
        time.sleep_ms(period_ms)
    return led.value()


@device.task
def read_adc():
    return ADC(26).read_u16()


set_led(True)
set_led(False)
print("LED after blinking:", blink(4, 50))
print("ADC reading:", read_adc())

trace = getattr(device.transport, "trace", None)  # only the virtual board records pins
if trace is not None:
    print("pin trace recorded by the virtual board:")
    for line in trace():
        print("  ", line)
device.close()
