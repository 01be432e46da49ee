# Start-up of the virtual board, run by the VM before its REPL starts:
# jail the filesystem, install the board's modules (profile-dependent), run boot.py
# (and main.py after a power-on or a friendly-mode reset), then print the marker the
# relay waits for.
# Each module is imported when needed, with a collection before it, so that compiling the
# firmware needs little heap: the board leaves nearly all of it to board code.
import gc
import sys

import vfs

MARKER = "\x1b[belay-gen:ready]"
UP_MARKER = "\x1b[belay-gen:up]"


def _run_file(name, namespace):
    try:
        with open(name) as f:
            source = f.read()
    except OSError:
        return
    try:
        exec(compile(source, name, "exec"), namespace)
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            return
        sys.print_exception(exc)


def start(root, trace_fd, run_main, namespace, nonce, flavour):
    cpy = flavour == "circuitpython"
    import _vboard_fs

    jail = _vboard_fs.JailFs(root, cpy)
    gc.collect()
    if cpy:
        import _vboard_cpy

        _vboard_cpy.install(jail)
    else:
        import _vboard_machine

        if trace_fd >= 0:
            _vboard_machine._trace = open(trace_fd, "w")
        sys.modules["machine"] = _vboard_machine
    gc.collect()
    import _vboard_stdio

    vfs.umount("/")
    vfs.mount(jail, "/")
    import os

    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib"]
    sys.argv[:] = []
    _vboard_stdio.install(nonce, cpy)
    for name in ("_vboard", "_vboard_fs", "_vboard_stdio", "_vboard_cpy"):
        sys.modules.pop(name, None)
    gc.collect()
    # A client's Ctrl-C may land anywhere from here on, not only inside boot.py or main.py;
    # the relay waits for MARKER, so it is written whatever happens.
    try:
        sys.stdout.write(UP_MARKER)
        _run_file("boot.py", namespace)
        if run_main:
            _run_file("code.py" if cpy else "main.py", namespace)
    except KeyboardInterrupt:
        pass
    finally:
        sys.stdout.write(MARKER)
