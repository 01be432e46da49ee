"""The dynamic driver: one host function → the text the board runs.

This is the single call point between the runtime and the compiler for ``@device.task``
and friends: the source comes from ``inspect``, the rest is the compiler's pipeline.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    body_first_line: int
    span: SourceSpan
    is_generator: bool
    parameters: tuple[str, ...]


def _minify(code: str) -> str:
    from belay_gen.compiler.minify import minify

    return minify(code)


def compile_for_board(
    func: Callable[..., Any], *, kind: str, minify: bool = True
) -> CompiledForBoard:
    """Compile ``func`` (a plain function with a source file) for the board."""
    try:
        lines, first_line = inspect.getsourcelines(func)
        filename = inspect.getsourcefile(func) or "<unknown>"
    except (OSError, TypeError) as exc:
        raise TypeError(
            f"cannot read the source of {getattr(func, '__name__', func)!r} ({exc}); "
            "tasks must be defined in a file, not typed at an interactive prompt"
        ) from None
    source = textwrap.dedent("".join(lines))
    tree = ast.parse(source)
    node = tree.body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if isinstance(node, ast.AsyncFunctionDef):
        raise TypeError(f"{func.__name__}() is async; the board runs plain functions only")
    source_lines = source.splitlines()
    # Drop the host decorators but keep line numbering: the def stays on its own line.
    def_line = node.lineno
    blank = [""] * (def_line - 1)
    definition = "\n".join(blank + source_lines[def_line - 1 :]) + "\n"
    body_start = node.body[0].lineno
    body = textwrap.dedent("\n".join(source_lines[body_start - 1 :])) + "\n"
    body = "\n" * (body_start - 1) + body
    if minify:
        definition = _minify(definition)
        body = _minify(body)
    is_generator = any(
        isinstance(sub, (ast.Yield, ast.YieldFrom))
        for sub in ast.walk(node)
        if _in_function(sub, node)
    )
    return CompiledForBoard(
        name=node.name,
        device_code=definition,
        body_code=body,
        body_first_line=first_line,
        span=SourceSpan(filename, first_line),
        is_generator=is_generator,
        parameters=tuple(inspect.signature(func).parameters),
    )


def _in_function(sub: ast.AST, node: ast.AST) -> bool:
    # A yield inside a nested def/lambda does not make the outer function a generator.
    for inner in ast.walk(node):
        if (
            inner is not node
            and isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            and any(child is sub for child in ast.walk(inner))
        ):
            return False
    return True
