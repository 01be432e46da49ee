# Belay's default startup imports; a module the board lacks is skipped, not an error.
for __belay_m in ("binascii", "errno", "hashlib", "machine", "os", "sys", "time"):
    try:
        globals()[__belay_m] = __import__(__belay_m)
    except ImportError:
        pass
del __belay_m  # a global name less: the board's globals table grows when full
try:
    from machine import ADC, I2C, Pin, PWM, SPI, Timer
except ImportError:
    pass
try:
    from time import sleep
except ImportError:
    pass
try:
    from micropython import const
except ImportError:
    pass
