# A `machine` module for the virtual board: enough of MicroPython's API for examples
# and Belay's startup imports. Pin changes are reported to the host on the trace
# channel (one line per event) so the host can watch an LED turn on.
import time

from _vboard_periph import ADC, I2C, PWM, SPI, UART, WDT, SoftI2C, SoftSPI  # noqa: F401

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
