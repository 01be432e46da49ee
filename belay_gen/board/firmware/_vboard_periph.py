# Peripherals of the virtual board's `machine` module (a separate module so that no single
# module's compile needs much of a small heap at boot).
import time


def _report(*fields):
    import machine

    machine._report(*fields)


class ADC:
    ATTN_0DB = 0
    ATTN_11DB = 3

    def __init__(self, pin, **kw):
        self._pin = pin

    def read_u16(self):
        return (time.ticks_ms() * 7919) & 0xFFFF

    def read(self):
        return self.read_u16() >> 4

    def read_uv(self):
        return self.read_u16() * 3300000 // 65535

    def atten(self, value):
        pass


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0, **kw):
        self._pin = pin
        self._freq = freq
        self._duty = duty_u16

    def freq(self, value=None):
        if value is None:
            return self._freq
        self._freq = value
        _report("pwm", self._pin, "freq", value)

    def duty_u16(self, value=None):
        if value is None:
            return self._duty
        self._duty = value
        _report("pwm", self._pin, "duty_u16", value)

    def deinit(self):
        _report("pwm", self._pin, "deinit")


class I2C:
    def __init__(self, id=0, **kw):
        self._id = id
        self._memory = {}

    def scan(self):
        return []

    def writeto(self, addr, buf, stop=True):
        raise OSError(19)  # ENODEV: nothing is wired to the virtual bus

    def readfrom(self, addr, nbytes, stop=True):
        raise OSError(19)

    def readfrom_mem(self, addr, memaddr, nbytes, **kw):
        raise OSError(19)

    def writeto_mem(self, addr, memaddr, buf, **kw):
        raise OSError(19)


class SoftI2C(I2C):
    pass


class SPI:
    MSB = 0
    LSB = 1

    def __init__(self, id=0, **kw):
        self._id = id

    def init(self, **kw):
        pass

    def write(self, buf):
        _report("spi", self._id, "write", len(buf))

    def read(self, nbytes, write=0):
        return bytes(nbytes)

    def readinto(self, buf, write=0):
        for i in range(len(buf)):
            buf[i] = 0

    def write_readinto(self, write_buf, read_buf):
        self.readinto(read_buf)

    def deinit(self):
        pass


class SoftSPI(SPI):
    pass


class UART:
    def __init__(self, id=0, baudrate=9600, **kw):
        self._id = id

    def write(self, buf):
        return len(buf)

    def read(self, nbytes=None):
        return None

    def any(self):
        return 0


class WDT:
    def __init__(self, id=0, timeout=5000):
        pass

    def feed(self):
        pass
