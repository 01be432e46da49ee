"""Run the virtual board's VM under an OS sandbox: bubblewrap (``bwrap``) on Linux, opt-in.

``BELAY_GEN_SANDBOX=bwrap`` starts each VM in its own user, PID, network, IPC and UTS
namespaces (no network at all), on a read-only root that holds only ``/usr`` (and the
``/bin``, ``/lib*`` links), the Python that runs MicroPython and the board firmware, with a
fresh ``/dev``, ``/proc`` and an empty ``/tmp``; the board's folder is the one place it can
write. Unset (the default), the VM runs as a plain child process, as before::

    sandbox = requested_sandbox()               # None unless BELAY_GEN_SANDBOX says so
    command = sandbox.wrap(command, root, info_fd=w) if sandbox else command
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from belay_gen.errors import EmulatorUnavailable

#: Environment variable that asks for a sandbox; ``bwrap`` is the only one known.
SANDBOX_ENV = "BELAY_GEN_SANDBOX"
SANDBOXES = ("bwrap",)
#: How long bwrap may take to report the sandboxed process.
_START_TIMEOUT = 10.0
_probed: dict[str, str | None] = {}


@dataclass(frozen=True)
class Bwrap:
    """bubblewrap at ``program``: :meth:`wrap` turns a command into a sandboxed one."""

    program: str

    def wrap(
        self, command: Sequence[str], root: Path, *, info_fd: int, read_only: Sequence[Path] = ()
    ) -> list[str]:
        """``command`` run by bwrap with ``root`` the only writable folder and no network;
        bwrap writes the sandboxed process's pid to ``info_fd`` (see :func:`read_child_pid`)."""
        args = [self.program, *_system_binds(), "--dev", "/dev", "--proc", "/proc"]
        args += ["--tmpfs", "/tmp"]  # before the binds: the board folder may be under /tmp
        for path in _python_paths(read_only):
            args += ["--ro-bind", str(path), str(path)]
        real = str(root.resolve())
        args += ["--bind", real, real, "--chdir", real]
        args += [
            "--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1",
            "--cap-drop", "ALL", "--info-fd", str(info_fd), "--",
        ]  # fmt: skip
        return [*args, *command]


def requested_sandbox(env: dict[str, str] | None = None) -> Bwrap | None:
    """The sandbox ``BELAY_GEN_SANDBOX`` asks for, checked to work here; ``None`` when unset.

    Raises :class:`EmulatorUnavailable` (a clear one-line error) when the value is unknown,
    bwrap is not installed or cannot create namespaces on this machine.
    """
    wanted = (env if env is not None else os.environ).get(SANDBOX_ENV, "").strip()
    if wanted in ("", "none", "0"):
        return None
    if wanted not in SANDBOXES:
        raise EmulatorUnavailable(
            f"{SANDBOX_ENV}={wanted!r}: unknown sandbox; the one known is bwrap (bubblewrap)"
        )
    program = shutil.which("bwrap")
    if program is None:
        raise EmulatorUnavailable(
            f"{SANDBOX_ENV}=bwrap, but bwrap is not installed: install bubblewrap (apt install"
            f" bubblewrap, dnf install bubblewrap), or unset {SANDBOX_ENV} to run the virtual"
            " board without a sandbox"
        )
    problem = _probe(program)
    if problem is not None:
        raise EmulatorUnavailable(
            f"{SANDBOX_ENV}=bwrap, but bwrap cannot make a sandbox here ({problem}); it needs"
            " unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or a"
            " container that allows them)"
        )
    return Bwrap(program)


def _probe(program: str) -> str | None:
    """Why bwrap cannot sandbox here (its own words), or ``None``; asked once per process."""
    if program not in _probed:
        try:
            done = subprocess.run(
                [program, *_system_binds(), "--unshare-all", "--as-pid-1", "--", "/bin/true"],
                capture_output=True,
                timeout=_START_TIMEOUT,
                env={"PATH": "/usr/bin:/bin"},
            )
            words = done.stderr.decode(errors="replace").strip().splitlines()
            _probed[program] = None if done.returncode == 0 else (words or ["failed"])[-1]
        except (OSError, subprocess.TimeoutExpired) as exc:
            _probed[program] = str(exc)
    return _probed[program]


def read_child_pid(info_fd: int, process: subprocess.Popen[bytes]) -> int:
    """The host pid of the sandboxed process, from what bwrap wrote to ``info_fd`` (which is
    closed here). Raises :class:`EmulatorUnavailable` when bwrap ends or says nothing."""
    data = b""
    deadline = time.monotonic() + _START_TIMEOUT
    try:
        while True:
            with contextlib.suppress(ValueError):
                return int(json.loads(data)["child-pid"])
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([info_fd], [], [], left)[0]:
                break
            chunk = os.read(info_fd, 4096)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(info_fd)
    code = process.poll()
    raise EmulatorUnavailable(
        "bwrap did not start the virtual board"
        + (f" (it exited with status {code})" if code is not None else "")
    )


def _system_binds() -> list[str]:
    """``/usr`` read-only, and ``/bin``, ``/lib``... as the host has them (links or folders)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc/ld.so.cache"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def _python_paths(extra: Sequence[Path]) -> list[Path]:
    """Folders the VM's Python needs, outside ``/usr``: its installation, the virtual
    environment, the folder of the MicroPython unix port and ``extra`` (nothing else of the
    host's: not the current folder, not the project)."""
    candidates = [Path(sys.base_prefix), Path(sys.prefix), *extra]
    spec = importlib.util.find_spec("micropython_unix")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent)
    executable = Path(sys.executable)
    candidates += [executable.parent, executable.resolve().parent]
    kept: list[Path] = []
    for path in sorted({p.resolve() for p in candidates if str(p) and p.exists()}):
        inside = path.is_relative_to("/usr") or any(path.is_relative_to(k) for k in kept)
        if path.is_dir() and not inside and path != Path("/"):
            kept.append(path)
    return kept
