# Runs on the board: keep a generated module current (see Device.ensure_module).
# __belay_import_current(path, hash, name): import module `name` when the first line of `path`
# is its hash line; True when it did, False when the host must upload the module first.
# __belay_import(name, fresh): import `name` into the board's globals, as `import name` does;
# `fresh` forgets a copy imported earlier, so a module just uploaded is loaded again.
def __belay_import_current(p, h, n):
    try:
        with open(p) as f:
            ok = f.readline().strip() == '__belay_hash__ = "%s"' % h
    except OSError:
        ok = False
    if ok:
        __belay_import(n, 0)
    return ok


def __belay_import(n, fresh):
    import sys

    if fresh:
        sys.modules.pop(n, None)
    globals()[n.split(".")[0]] = __import__(n)
