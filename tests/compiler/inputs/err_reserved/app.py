from belay_gen import Device

device = Device("x")


@device.task
def __belay_secret():
    return 1
