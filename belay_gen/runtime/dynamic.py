"""The dynamic driver: one host function → the text the board runs.

This is the single call point between the runtime and the compiler for ``@device.task``
and friends (and for minifying ``device(cmd)`` commands): the source comes from ``inspect``,
the rest is the compiler's pipeline. Compiled tasks are cached on disk, keyed by a hash of
their source, place and the compiler, so a program started again compiles nothing (and does
not load libcst) for tasks it did not change.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import inspect
import json
import os
import stat
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from belay_gen.compiler.fingerprint import compiler_fingerprint
from belay_gen.files import cache_root
from belay_gen.runtime.tracebacks import SourceSpan


@dataclass(frozen=True)
class CompiledForBoard:
    """A function ready for the board.

    ``device_code`` defines the function (line 1 = host line ``span.first_line``);
    ``body_code`` is its body alone at module level, for ``setup``/``teardown`` which run
    their body in the board's global scope.
    """

    name: str
    device_code: str
    body_code: str
    span: SourceSpan
    is_generator: bool

    def body_with_globals(self, args: Sequence[tuple[str, object]]) -> str:
        """``body_code`` with the named ``(name, value)`` arguments assigned first, on its
        blank first line when it has one (so line numbers stay the host's)."""
        assignments = ";".join(f"{name}={value!r}" for name, value in args if name)
        lines = self.body_code.split("\n")
        if assignments and lines and not lines[0].strip():
            lines[0] = assignments
            return "\n".join(lines)
        return (assignments + "\n" if assignments else "") + self.body_code


def minify_source(code: str) -> str:
    """``code`` minified by the compiler's minifier (line numbers kept)."""
    from belay_gen.compiler.minify import minify

    return minify(code)


def compile_for_board(
    func: Callable[..., Any], *, kind: str, minify: bool = True
) -> CompiledForBoard:
    """Compile ``func`` (a plain function with a source file) with the compiler's pipeline.

    A function compiled before, by this compiler, from the same source at the same place,
    comes from the on-disk cache (:func:`task_cache_folder`) without loading the compiler.
    """
    try:
        lines, first_line = inspect.getsourcelines(func)
        filename = inspect.getsourcefile(func) or "<unknown>"
    except (OSError, TypeError) as exc:
        raise TypeError(
            f"cannot read the source of {getattr(func, '__name__', func)!r} ({exc}); "
            "tasks must be defined in a file, not typed at an interactive prompt"
        ) from None
    source = textwrap.dedent("".join(lines))
    key = _cache_key(source, filename, first_line, kind, minify)
    cached = _read_entry(key, func.__name__)
    if cached is not None:
        name, device_code, body_code, line, is_generator = cached
        return CompiledForBoard(
            name, device_code, body_code, SourceSpan(filename, line), is_generator
        )

    from belay_gen.compiler import compile_function

    compiled = compile_function(
        source, filename=filename, first_line=first_line, kind_hint=kind, minify=minify
    )
    result = CompiledForBoard(
        name=compiled.name,
        device_code=compiled.device_code,
        body_code=compiled.body_code,
        span=SourceSpan(filename, compiled.line_offset + 1),
        is_generator=compiled.kind == "generator",
    )
    _write_entry(key, result)
    return result


# --- the on-disk cache of compiled tasks -------------------------------------------------------

_ENTRY_FIELDS = {"key": str, "name": str, "device_code": str, "body_code": str,
                 "line": int, "is_generator": bool}  # fmt: skip


def task_cache_folder() -> Path:
    """Where compiled tasks are kept: ``tasks`` under :func:`belay_gen.files.cache_root`."""
    return cache_root() / "tasks"


def _cache_key(source: str, filename: str, first_line: int, kind: str, minify: bool) -> str:
    what = json.dumps([compiler_fingerprint(), source, filename, first_line, kind, minify])
    return hashlib.sha256(what.encode()).hexdigest()


def _entry_path(key: str) -> Path:
    return task_cache_folder() / key[:2] / f"{key}.json"


def _read_entry(key: str, function_name: str) -> tuple[str, str, str, int, bool] | None:
    """The cached compile for ``key``, or ``None``: missing, unreadable, or failing any check.

    The entry becomes code that runs on the board, so it is checked, not trusted: a file
    others could have written (not ours, or writable by group or others) is ignored; its
    JSON must have exactly the expected fields and types, name ``key`` and carry the hash of
    its content; and both texts must parse, the device code defining ``function_name``.
    """
    path = _entry_path(key)
    try:
        with path.open("rb") as stream:
            if not _is_private(os.fstat(stream.fileno())):
                return None
            data = stream.read(1 << 22)
        document = json.loads(data)
        digest = document.pop("digest")
        if digest != _digest(document) or document.get("key") != key:
            return None
        if document.keys() != _ENTRY_FIELDS.keys() or not all(
            type(document[name]) is kind for name, kind in _ENTRY_FIELDS.items()
        ):
            return None
        name, device_code, body_code = (
            document["name"],
            document["device_code"],
            document["body_code"],
        )
        if name != function_name or not _defines(device_code, name) or not _parses(body_code):
            return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return name, device_code, body_code, document["line"], document["is_generator"]


def _write_entry(key: str, compiled: CompiledForBoard) -> None:
    document: dict[str, object] = {
        "key": key,
        "name": compiled.name,
        "device_code": compiled.device_code,
        "body_code": compiled.body_code,
        "line": compiled.span.first_line,
        "is_generator": compiled.is_generator,
    }
    document["digest"] = _digest(document)
    with contextlib.suppress(OSError):  # an unwritable cache only means no caching
        _write_private(_entry_path(key), json.dumps(document).encode())


def _write_private(path: Path, content: bytes) -> None:
    """Write ``path`` atomically (a temp file, then a rename), readable by its owner only
    (mode 0600 from creation: under a umask of 002 too, the read check accepts it)."""
    temp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(temp, flags, 0o600)
    except FileNotFoundError:  # the first entry under this prefix
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(temp, flags, 0o600)
    try:
        with open(handle, "wb") as stream:
            stream.write(content)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _digest(document: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _is_private(status: os.stat_result) -> bool:
    if not stat.S_ISREG(status.st_mode):
        return False
    if os.name != "posix":
        return True
    return status.st_uid == os.getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _defines(code: str, name: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
        for node in tree.body
    )


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True
