# Runs on the board: start a thread task. The host sends `__belay_t(task, args, kwargs)`.
# The R frame after the start ends the answer for certain, even if the new thread prints
# at once (see runtime/answer.py).
def __belay_t(f, a, k):
    import _thread

    _thread.start_new_thread(f, a, k)
    _belay(None)
