"""Byte transports to a board: serial ports, ptys, the virtual board."""
