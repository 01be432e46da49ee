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
# sys.stdout.buffer where the board has it (a bare "\n", not the console's "\r\n"). Where it
# has not, bytes travel as their repr (bytes is then in _belayP) and other bytes-like types
# cannot. _belayP and _belayW are generator.py's too.
# Every byte here stays on the board's heap for the whole connection (bytecode, constants,
# and a slot in its globals per name), so the code is written for size: the session compiles
# it on its own (runtime/session.py), and rare branches are short rather than fast.
_belayP = (int, float, str, bool, list, tuple, dict, type(None))
try:
    _belayW = __import__("sys").stdout.buffer.write
except Exception:
    _belayP += (bytes,)

    def _belayW(b):
        print(str(b, "utf-8"), end="")


def _belay(v=None, k="\x1e"):
    t = type(v)
    if v is None:
        p = ""
    elif t in _belayP:
        p = repr(v)
    elif bytes not in _belayP and (t in (bytes, bytearray, memoryview) or t.__name__ == "array"):
        # "=<code> <size>": y bytes, a bytearray, m memoryview, A<typecode><itemsize> array.
        n = len(v)
        s = len(bytes(v[:1])) if n else 1
        if t.__name__ == "array":
            c = "A" + repr(v[:0])[7] + str(s)
        else:
            c = "yam"[(bytes, bytearray, memoryview).index(t)]
        n *= s
        p = (k + _belayM + "=%s %d\n" % (c, n)).encode()
        if n > 512:  # no copy of a large value: two writes
            _belayW(p)
            _belayW(v)
        else:  # one write, so a board thread printing meanwhile cannot get in between
            _belayW(p + bytes(v))
        return
    else:
        p = ":%s %r" % (t.__name__, v)
    _belayW((k + _belayM + p + "\n").encode())


def _belayE():
    _belayW(("\x1e" + _belayM + "!\n").encode())
