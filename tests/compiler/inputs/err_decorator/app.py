import functools

from belay_gen import Device

device = Device("x")


@device.task
@functools.lru_cache
def cached(x):
    return x
