# Start-up of the virtual board, run by the VM before its REPL starts:
# jail the filesystem, install the `machine` module, run boot.py (and main.py after
# a power-on or a friendly-mode reset), then print the marker the relay waits for.
import sys
import vfs

import _vboard_fs
import _vboard_machine

MARKER = "\x1b[belay-gen:ready]"


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


def start(root, trace_fd, run_main, namespace):
    if trace_fd >= 0:
        _vboard_machine._trace = open(trace_fd, "w")
    sys.modules["machine"] = _vboard_machine
    jail = _vboard_fs.JailFs(root)
    vfs.umount("/")
    vfs.mount(jail, "/")
    import os

    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib"]
    for name in ("_vboard", "_vboard_fs", "_vboard_machine"):
        sys.modules.pop(name, None)
    _run_file("boot.py", namespace)
    if run_main:
        _run_file("main.py", namespace)
    sys.stdout.write(MARKER)
