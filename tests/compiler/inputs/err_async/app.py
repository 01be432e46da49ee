from belay_gen import Device

device = Device("x")


@device.task
async def fetch():
    return 1
