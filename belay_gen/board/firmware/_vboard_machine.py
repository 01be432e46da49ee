# A `machine` module for the virtual board: enough of MicroPython's API for examples
# and Belay's startup imports. Pin changes are reported to the host on the trace
# channel (one line per event) so the host can watch an LED turn on.
import time

_trace = None


def _report(*fields):
    if _trace is not None:
        _trace.write(" ".join([str(f) for f in fields]) + "\n")


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    ALT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2
    _levels = {}

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self._id = id
        self._mode = Pin.IN
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self._mode = mode
            _report("pin", self._id, "mode", "OUT" if mode == Pin.OUT else "IN")
        if value is not None:
            self.value(value)

    def value(self, x=None):
        if x is None:
            return Pin._levels.get(self._id, 0)
        level = 1 if x else 0
        Pin._levels[self._id] = level
        _report("pin", self._id, "value", level)

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def high(self):
        self.value(1)

    def low(self):
        self.value(0)

    def toggle(self):
        self.value(1 - self.value())

    def mode(self, mode=None):
        if mode is None:
            return self._mode
        self.init(mode)

    def irq(self, handler=None, trigger=3):
        return None

    def __repr__(self):
        return "Pin(%s)" % (self._id,)


class Signal:
    def __init__(self, pin, invert=False):
        self._pin = pin
        self._invert = invert

    def value(self, x=None):
        if x is None:
            return self._pin.value() ^ self._invert
        self._pin.value(bool(x) ^ self._invert)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kw):
        self._id = id
        if kw:
            self.init(**kw)

    def init(self, mode=1, period=-1, freq=-1, callback=None):
        _report("timer", self._id, "init", mode, period if period != -1 else freq)

    def deinit(self):
        _report("timer", self._id, "deinit")


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


def reset():
    _report("reset")
    raise SystemExit


def soft_reset():
    raise SystemExit


def unique_id():
    return b"\xbe\x1a\x9e\x00\x00\x01"


def freq(hz=None):
    return 125000000


def idle():
    time.sleep_ms(1)


def lightsleep(ms=None):
    time.sleep_ms(ms or 0)


deepsleep = lightsleep


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def reset_cause():
    return 1


PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
