# MicroPython snippets that belay-gen sends to a board; read with importlib.resources.
