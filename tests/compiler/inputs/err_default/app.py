from belay_gen import Device

device = Device("x")
PIN = 25


@device.task
def on(pin=PIN):
    return pin
