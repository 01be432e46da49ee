from belay_gen import Device

device = Device("x")
double = device.task(lambda x: x * 2)
