# Runs on the board at connect (see runtime/implementation.py): what firmware it runs, as one
# tuple (name, version, sys.platform, emitters, sys.implementation._mpy, has _thread).
# Emitters are found by compiling a decorated function: the decorator is a compile-time error
# where the emitter is missing. The caller reports the tuple and deletes the function.
def __belay_probe():
    import sys

    e = []
    try:
        import micropython

        for n in ("native", "viper"):
            try:
                exec("@micropython.%s\ndef f(a):\n return a\n" % n, {"micropython": micropython})
                e.append(n)
            except Exception:
                pass
    except ImportError:
        pass
    try:
        import _thread

        t = hasattr(_thread, "start_new_thread")
    except ImportError:
        t = False
    i = sys.implementation
    v = tuple(i.version)
    return (i.name, v[:3], sys.platform, tuple(e), getattr(i, "_mpy", None), t)
