# MicroPython snippets that belay-gen sends to a board; read with importlib.resources.
# Installed in the board's __main__ at connect. Results travel back as one line each:
#   _BELAY<kind><nonce> <type name> <repr>
# kind R = a task's return value, Y = one value yielded by a generator task, E = the end of
# a program that returns nothing (no type, no value; see runtime/answer.py).
# The nonce is chosen by the host for each connection, so a user's print cannot forge a frame.
# One string per frame, newline included: print() writes each argument and its end
# separately, and a board thread printing in between would split the frame's line.
def __belay_r(v):
    print("_BELAYR%s %s %r\n" % (__belay_nonce, type(v).__name__, v), end="")


def __belay_y(v):
    print("_BELAYY%s %s %r\n" % (__belay_nonce, type(v).__name__, v), end="")


def __belay_e():
    print("_BELAYE%s \n" % __belay_nonce, end="")
