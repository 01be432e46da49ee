# Runs on the board: a generator task's values, one Y frame each as it is produced (see
# frames.py), then an R frame: the end, which printed output cannot forge. The host sends
# `__belay_g(task(args))` per call.
def __belay_g(g):
    for v in g:
        __belay_y(v)
    __belay_r(None)
