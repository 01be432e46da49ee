# What board code sees of `sys` and the host, on the virtual board:
# - sys.stdout.buffer is binary and uncooked, as on a real board, while text output is
#   cooked by the relay: each binary write reaches the relay in a frame (a header with a
#   per-board nonce and the length) that the relay passes through byte for byte.
# - sys.implementation says CircuitPython on a CircuitPython profile.
# - Defence in depth, not a sandbox: no `os.system`, no `ffi`, no mounting host folders.
import builtins
import io
import sys

_BLOCKED = ("ffi", "termios", "_vboard", "_vboard_fs", "_vboard_stdio", "_vboard_cpy")
_HIDDEN = {"os": ("system", "putenv", "unsetenv"), "vfs": ("VfsPosix",)}


class _Binary(io.IOBase):
    def __init__(self, real, head):
        self._real = real
        self._head = head

    def write(self, data, *span):
        # A stream's write(buf, max_len) and write(buf, off, max_len) forms (mpremote uses them).
        if span:
            off, size = (0, span[0]) if len(span) == 1 else span
            data = memoryview(data)[off : off + size]
        n = len(data)
        if n:
            self._real.write(self._head + str(n).encode() + b"]")
            self._real.write(data)
        return n

    def flush(self):
        pass

    def __getattr__(self, name):
        return getattr(self._real, name)


class _Text(io.IOBase):
    def __init__(self, real, buffer):
        self._real = real
        self.buffer = buffer

    def write(self, text):
        return self._real.write(text)

    def flush(self):
        pass

    def __getattr__(self, name):
        return getattr(self._real, name)


class _Proxy:
    # A module as board code sees it: the real one, with some names replaced or hidden.
    def __init__(self, real, hidden, **names):
        self._real = real
        self._hidden = hidden
        for key in names:
            setattr(self, key, names[key])

    def __getattr__(self, name):
        if name in self._hidden:
            raise AttributeError(name)
        return getattr(self._real, name)

    def __dir__(self):
        return [n for n in dir(self._real) if n not in self._hidden]


class _Impl:
    name = "circuitpython"
    version = (9, 2, 1)
    _machine = "Virtual board with rp2040"
    _mpy = 0

    def __repr__(self):
        return "(name='circuitpython', version=(9, 2, 1), _machine='%s', _mpy=%d)" % (
            self._machine,
            self._mpy,
        )


def install(nonce, cpy):
    import os

    import vfs

    head = b"\x1b[bin:" + nonce.encode() + b":"
    out = _Text(sys.stdout, _Binary(sys.stdout.buffer, head))
    names = {"stdout": out, "stderr": out}
    if cpy:
        impl = _Impl()
        impl._mpy = sys.implementation._mpy
        names["implementation"] = impl
    proxies = {
        "sys": _Proxy(sys, (), **names),
        "os": _Proxy(os, _HIDDEN["os"]),
        "vfs": _Proxy(vfs, _HIDDEN["vfs"]),
    }
    blocked = _BLOCKED + (("machine", "_thread") if cpy else ())
    real_import = builtins.__import__

    def guarded_import(name, *args):
        if name in proxies:
            return proxies[name]
        if name in blocked:
            raise ImportError("no module named '%s'" % name)
        return real_import(name, *args)

    builtins.__import__ = guarded_import
    for key in proxies:
        sys.modules[key] = proxies[key]
