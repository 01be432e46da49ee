"""The dynamic driver: one host function → the text the board runs.

This is the single call point between the runtime and the compiler for ``@device.task``
and friends (and for minifying ``device(cmd)`` commands): the source comes from ``inspect``,
the rest is the compiler's pipeline.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Sequence
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
    """Compile ``func`` (a plain function with a source file) with the compiler's pipeline."""
    from belay_gen.compiler import compile_function

    try:
        lines, first_line = inspect.getsourcelines(func)
        filename = inspect.getsourcefile(func) or "<unknown>"
    except (OSError, TypeError) as exc:
        raise TypeError(
            f"cannot read the source of {getattr(func, '__name__', func)!r} ({exc}); "
            "tasks must be defined in a file, not typed at an interactive prompt"
        ) from None
    compiled = compile_function(
        textwrap.dedent("".join(lines)),
        filename=filename,
        first_line=first_line,
        kind_hint=kind,
        minify=minify,
    )
    return CompiledForBoard(
        name=compiled.name,
        device_code=compiled.device_code,
        body_code=compiled.body_code,
        span=SourceSpan(filename, compiled.line_offset + 1),
        is_generator=compiled.kind == "generator",
    )
