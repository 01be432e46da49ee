# MicroPython snippets that belay-gen sends to a board; read with importlib.resources.
# Installed in the board's __main__ at connect, after the host set _belayM to a nonce chosen
# per connection, so a user's print cannot forge a frame. One frame per result (see
# runtime/codec.py):
#   <lead><nonce><payload>\n
# lead "\x1e" = a return value, "\x1f" = a generator's values. The payload is the repr of a
# value whose type the host can tell from it (None: empty), ":<type> <repr>" for any other
# type, "=<code> <size>" and the raw bytes after the newline for a bytes-like value, or "!"
# (\x1e only): the end of a program that returns nothing.
# A frame is one write, so a board thread printing meanwhile cannot split it; raw through
# sys.stdout.buffer where the board has it (a bare "\n", not the console's "\r\n"). _belayB
# says whether it has: else bytes travel as their repr, and other bytes-like types cannot.
_belayP = (int, float, str, bool, list, tuple, dict, type(None))
_belayB = 0
try:
    _belayW = __import__("sys").stdout.buffer.write
    _belayB = 1
except Exception:
    _belayP += (bytes,)

    def _belayW(b):
        print(str(b, "utf-8"), end="")


def _belay(v=None, k="\x1e"):
    if v is None:
        _belayW((k + _belayM + "\n").encode())
        return
    t = type(v)
    if t in _belayP:
        _belayW((k + _belayM + repr(v) + "\n").encode())
    elif _belayB and (t in (bytes, bytearray, memoryview) or t.__name__ == "array"):
        n = len(v)
        s = len(bytes(v[:1])) if n and t is not bytes and t is not bytearray else 1
        c = "y" if t is bytes else "a" if t is bytearray else "m" if t is memoryview else "A"
        if c == "A":
            c += repr(v[:0])[7] + str(s)
        h = ("%s%s=%s %d\n" % (k, _belayM, c, n * s)).encode()
        if n * s > 512:  # no copy of a large value: two writes
            _belayW(h)
            _belayW(v)
        else:  # one write, so a board thread printing meanwhile cannot get in between
            _belayW(h + bytes(v))
    else:
        _belayW(("%s%s:%s %r\n" % (k, _belayM, t.__name__, v)).encode())


def _belayE():
    _belayW(("\x1e" + _belayM + "!\n").encode())
