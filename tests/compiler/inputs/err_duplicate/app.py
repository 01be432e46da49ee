from belay_gen import Device

device = Device("x")


class A(Device):
    @Device.task
    def read():
        return 1


@device.task
def read():
    return 2
