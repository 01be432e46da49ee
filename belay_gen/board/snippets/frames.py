# Installed in the board's __main__ at connect. Results travel back as one line each:
#   _BELAY<kind><nonce> <type name> <repr>
# kind R = a task's return value, Y = one value yielded by a generator task.
# The nonce is chosen by the host for each connection, so a user's print cannot forge a frame.
# One string per frame: print() writes each argument separately, and every write is a chunk
# on the wire.
def __belay_r(v):
    print("_BELAYR%s %s %r" % (__belay_nonce, type(v).__name__, v))


def __belay_y(v):
    print("_BELAYY%s %s %r" % (__belay_nonce, type(v).__name__, v))
