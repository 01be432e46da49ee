"""``belay-gen install``: dependencies, build output, project package and main.py onto a board.

What goes where:

- ``/lib``: the locked files of ``.belay-lib`` (groups ``main``, non-optional ones, and
  ``with_groups``), develop dependencies read fresh from their sources, and the board
  modules of ``belay-gen build`` (``build/belay/device/``). ``/lib`` mirrors exactly that.
- ``/<name>``: the project package ``[tool.belay] name`` (minus ``ignore`` patterns).
- ``/main.py``: the ``main`` script, whatever its local name.

Example::

    with Device("/dev/ttyACM0") as device:
        install(device, plan_install(load_project(Path.cwd()), main=Path("main.py")))
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from belay_gen.errors import PackageError
from belay_gen.files import DEFAULT_IGNORE
from belay_gen.packages.config import ProjectConfig
from belay_gen.packages.fetch import Fetcher
from belay_gen.packages.locate import Endpoints
from belay_gen.packages.lock import Lock
from belay_gen.packages.paths import LIB_DIR, unsafe_reason
from belay_gen.packages.resolve import Resolver
from belay_gen.packages.store import locked_entry, verify
from belay_gen.project import DEFAULT_BUILD_OUT, read_capped
from belay_gen.runtime.device import Device
from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport


@dataclass(frozen=True)
class InstallPlan:
    """What ``install`` sends: ``lib`` maps ``/lib``-relative paths to content."""

    lib: dict[str, bytes]
    package: Path | None = None
    main: Path | None = None
    ignore: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)


#: The largest ``--main`` script sent (a board has kilobytes of RAM).
MAX_MAIN_BYTES = 4 * 1024 * 1024


def plan_install(
    config: ProjectConfig,
    *,
    with_groups: Sequence[str] = (),
    main: Path | None = None,
    fetcher: Fetcher | None = None,
) -> InstallPlan:
    """Check ``.belay-lib`` against ``belay.lock`` and gather everything ``install`` sends.

    Raises :class:`LockMismatchError` when the cached files or ``pyproject.toml`` differ
    from the lock, :class:`ConfigError` when the project package is missing.
    """
    if main is not None:
        _read_main(main)  # a bad --main fails before the board is touched
    deps = config.installed_with(with_groups)
    lock = Lock.read(config.lock_path)
    cached = [dep for dep in deps if dep.cached]
    lib = verify(config.lib_dir, lock, cached)
    origin = {path: f"{LIB_DIR}/{path}" for path in lib}
    develop = [dep for dep in deps if any(source.develop for source in dep.sources)]
    if develop:
        resolver = Resolver(config.root, fetcher or Fetcher.from_env(), Endpoints.from_env())
        for dep in develop:
            locked_entry(lock, dep)
            live = tuple(source for source in dep.sources if source.develop)
            for dest, fetched in resolver.fetch(dep, live).items():
                _put(lib, origin, dest, fetched.data, fetched.url)
    for path in _build_modules(config):
        relative = path.name
        _put(lib, origin, relative, path.read_bytes(), path.relative_to(config.root).as_posix())
    return InstallPlan(
        lib=lib,
        package=_project_package(config),
        main=main,
        ignore=config.ignore,
        sources=origin,
    )


def _read_main(main: Path) -> bytes:
    """``--main``: a regular file of sensible size (a FIFO would block the read)."""
    try:
        return read_capped(main, MAX_MAIN_BYTES)
    except ValueError as exc:
        raise PackageError(f"{main}: {exc}; --main takes a Python file") from None


#: Called as each part is synced: ``(board path, what the sync did)``.
StageDone = Callable[[str, SyncReport], None]


def install(
    device: Device,
    plan: InstallPlan,
    *,
    mpy_cross_binary: str | Path | None = None,
    minify: bool = True,
    progress: Callable[[str], ProgressUpdate | None] | None = None,
    on_done: StageDone | None = None,
) -> list[SyncReport]:
    """Sync ``plan`` onto ``device``: ``/lib``, then the project package, then ``/main.py``.

    ``progress(stage)`` may return a ``progress_update`` callback for that stage's sync;
    ``on_done(stage, report)`` hears about each stage as it ends.
    """
    options: dict[str, Any] = {"minify": minify, "mpy_cross_binary": mpy_cross_binary}
    reports = []
    with tempfile.TemporaryDirectory(prefix="belay-gen-install-") as folder:
        staged = Path(folder) / "lib"
        staged.mkdir()
        for relative, data in plan.lib.items():
            target = staged / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        previous = installed_on_board(device)
        (staged / INSTALLED_RECORD).write_text(json.dumps(sorted(plan.lib)) + "\n")
        # (shown as, local path, board folder, extra sync arguments). /lib deletes nothing
        # itself: only files the previous install recorded go (see _remove_stale).
        steps: list[tuple[str, Path, str, dict[str, Any]]] = [
            ("/lib", staged, "/lib", {"keep": True})
        ]
        if plan.package is not None and plan.package.is_dir():
            ignore = [*DEFAULT_IGNORE, *plan.ignore]
            name = f"/{plan.package.name}"
            steps.append((name, plan.package, name, {"ignore": ignore}))
        elif plan.package is not None:  # a single module, name.py
            steps.append((f"/{plan.package.name}", plan.package, "/", {}))
        if plan.main is not None:
            main = Path(folder) / "main.py"  # whatever the script's own name
            main.write_bytes(_read_main(plan.main))
            steps.append(("/main.py", main, "/", {}))
        for shown, local, dst, extra in steps:
            callback = progress(shown) if progress is not None else None
            report = device.sync(
                local, dst=dst, record=False, progress_update=callback, **options, **extra
            )
            if shown == "/lib":
                report = _remove_stale(device, report, previous, set(plan.lib))
            reports.append(report)
            if on_done is not None:
                on_done(shown, report)
    return reports


#: The board file (in ``/lib``) listing what ``install`` put there: the only ``/lib`` files a
#: later install deletes, so a module installed some other way (``mip``) is left alone.
INSTALLED_RECORD = ".belay-gen-installed.json"


def installed_on_board(device: Device) -> set[str]:
    """The ``/lib`` paths the previous install recorded on the board (none without a record,
    or with one that is not a JSON list of safe relative paths)."""
    text = device(
        f"try:\n with open('/lib/{INSTALLED_RECORD}') as f:\n  r = f.read()\n"
        "except OSError:\n r = '[]'\nr",
        record=False,
        stream_out=None,
    )
    try:
        listed = json.loads(text) if isinstance(text, str) else []
    except ValueError:
        return set()
    if not isinstance(listed, list):
        return set()
    return {p for p in listed if isinstance(p, str) and unsafe_reason(p) is None}


def _remove_stale(
    device: Device, report: SyncReport, previous: set[str], current: set[str]
) -> SyncReport:
    """Delete from ``/lib`` what the previous install recorded and this one does not have."""
    stale = sorted(previous - current - {INSTALLED_RECORD})
    if not stale:
        return report
    paths = [f"/lib/{relative}" for relative in stale]
    removed = device(
        f"import os\nd = []\nfor p in {paths!r}:\n try:\n  os.remove(p)\n  d.append(p)\n"
        " except OSError:\n  pass\nd",
        record=False,
        stream_out=None,
    )
    gone = tuple(p for p in removed if isinstance(p, str)) if isinstance(removed, list) else ()
    return replace(report, deleted=(*report.deleted, *gone))


def start_main(device: Device, timeout: float = 5.0) -> None:
    """Leave the raw REPL and soft-reset from the friendly prompt, so the board runs
    ``boot.py`` and ``main.py`` (a raw-REPL reset skips ``main.py``). The device must be
    closed afterwards."""
    device.session.repl.run_main(timeout)


def _put(
    lib: dict[str, bytes], origin: dict[str, str], dest: str, data: bytes, source: str
) -> None:
    known = origin.get(dest)
    if known is not None and lib[dest] != data:
        raise PackageError(f"{known} and {source} both go to /lib/{dest}; rename one of them")
    lib[dest] = data
    origin[dest] = source


def _build_modules(config: ProjectConfig) -> list[Path]:
    """The board modules ``belay-gen build`` wrote (an ``.mpy`` wins over its ``.py``)."""
    out = config.root / DEFAULT_BUILD_OUT
    if "build" in config.pyproject.table("tool", "belay"):
        from belay_gen.project import load_config

        out = load_config(config.root).out
    device = out / "device"
    if not device.is_dir():
        return []
    files = sorted(
        path for path in device.iterdir() if path.is_file() and not path.name.startswith(".")
    )
    compiled = {path.stem for path in files if path.suffix == ".mpy"}
    return [path for path in files if not (path.suffix == ".py" and path.stem in compiled)]


def _project_package(config: ProjectConfig) -> Path | None:
    if config.name is None:
        return None
    folder = config.root / config.name
    if folder.is_dir():
        return folder
    module = config.root / f"{config.name}.py"
    if module.is_file():
        return module
    raise config.pyproject.error(
        ("tool", "belay"),
        "name",
        f"is {config.name!r}, but {config.root} has no {config.name}/ folder (or"
        f" {config.name}.py): create it, or remove name",
    )


__all__ = ["InstallPlan", "install", "plan_install", "start_main"]
