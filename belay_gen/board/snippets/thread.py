# Runs on the board: start a thread task. The host sends `__belay_t(task, args, kwargs)`.
def __belay_t(f, a, k):
    import _thread

    _thread.start_new_thread(f, a, k)
