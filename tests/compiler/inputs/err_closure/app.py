from belay_gen import Device


def make(device: Device, pin: int) -> None:
    @device.task
    def on():
        Pin(pin, Pin.OUT).value(1)


device = Device("x")
