# CircuitPython's hardware modules, enough for examples and Belay's startup imports:
# `board` (pin names), `digitalio` (DigitalInOut, Direction, Pull) and `storage`
# (remount, which makes the filesystem writable to code when boot.py asks).
import sys

_jail = None


class _Pin:
    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "board." + self._name


class _Board:
    board_id = "virtual_board"

    def __getattr__(self, name):
        if name[:2] == "GP" or name in ("LED", "A0", "A1", "A2", "D0", "D1", "SCL", "SDA"):
            return _Pin(name)
        raise AttributeError(name)


class Direction:
    INPUT = 0
    OUTPUT = 1


class Pull:
    UP = 1
    DOWN = 2


class DigitalInOut:
    def __init__(self, pin):
        self._pin = pin
        self.direction = Direction.INPUT
        self.pull = None
        self.value = False

    def switch_to_output(self, value=False, **kw):
        self.direction = Direction.OUTPUT
        self.value = value

    def switch_to_input(self, pull=None):
        self.direction = Direction.INPUT
        self.pull = pull

    def deinit(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


class _Storage:
    def remount(self, mount_path, readonly=False, **kw):
        if mount_path != "/":
            raise OSError(22)
        _jail.readonly = readonly

    def getmount(self, mount_path):
        return _jail


class _Digitalio:
    Direction = Direction
    Pull = Pull
    DigitalInOut = DigitalInOut


def install(jail):
    global _jail
    _jail = jail
    sys.modules["board"] = _Board()
    sys.modules["digitalio"] = _Digitalio()
    sys.modules["storage"] = _Storage()
