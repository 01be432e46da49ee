# Installed in the board's __main__ at connect. Results travel back as one line each:
#   _BELAY<kind><nonce> <type name> <repr>
# kind R = a task's return value, Y = one value yielded by a generator task.
# The nonce is chosen by the host for each connection, so a user's print cannot forge a frame.
def __belay_r(v):
    print("_BELAYR" + __belay_nonce, type(v).__name__, repr(v))


def __belay_y(v):
    print("_BELAYY" + __belay_nonce, type(v).__name__, repr(v))
