from belay_gen import Device

device = Device("x")


@device.thread
def ticks():
    while True:
        yield 1
