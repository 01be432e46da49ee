from belay_gen import Device

device = Device("x")
LED = 25


@device.task
def on():
    Pin(LED, Pin.OUT).value(1)
