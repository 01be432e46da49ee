# MicroPython code of the virtual board; it runs inside the MicroPython VM, not in CPython.
