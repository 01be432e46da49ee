# Runs on the board: a generator task's values as \x1f frames (see frames.py), then a \x1e
# frame: the end, which printed output cannot forge. The host sends `_belayG(task(args))`.
# Values are batched only when the generator outruns the link: a value that took the
# generator 1 ms or more goes out at once (with any batched before it); one made faster joins
# the batch (reprs joined by commas, one frame), which goes out once it is 250 characters
# long or, at the next value, 10 ms old. So a fast generator costs the link little more than
# its values' text, and only a value made within 1 ms of the one before can wait for the
# next (or the end). The generator's time is measured without our own writes, which block
# while the link is busy. A value the host cannot read from its repr alone (bytes-like,
# other types) goes in a frame of its own, after the batch before it.
def _belayG(g):
    try:
        from time import ticks_diff as d
        from time import ticks_us as m
    except ImportError:  # no ticks_us (CircuitPython): every value goes out at once
        m = int

        def d(a, b):
            return 9999

    b = []
    n = 999  # the first value goes out at once
    t = p = m()
    for v in g:
        c = m()
        x = type(v) in _belayP
        if x:
            r = repr(v)
            if not b:
                t = c
            b.append(r)
            n += len(r) + 1
        if b and (not x or n > 250 or d(c, p) >= 1000 or d(c, t) >= 10000):
            _belayW(("\x1f" + _belayM + ",".join(b) + "\n").encode())
            b = []
            n = 0
        if not x:
            _belay(v, "\x1f")
        p = m()
    if b:
        _belayW(("\x1f" + _belayM + ",".join(b) + "\n").encode())
    _belay(None)
