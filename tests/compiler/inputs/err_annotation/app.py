from belay_gen import Device

device = Device("x")


class Reading:
    pass


@device.task
def read() -> Reading:
    return 1
