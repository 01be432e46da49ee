"""The dynamic driver's entry: one function's source → :class:`CompiledFunction`.

``@device.task`` hands over ``inspect.getsource`` text; the same scan and minify as
``belay-gen build`` run on it, so both flows accept, reject and lay out code alike.
"""

from __future__ import annotations

import libcst as cst

from belay_gen.compiler.minify import minify as minify_code
from belay_gen.compiler.model import DECORATOR_KINDS, CompiledFunction
from belay_gen.compiler.scan.board_function import describe, lines_of
from belay_gen.compiler.scan.decorators import device_kind
from belay_gen.compiler.scan.imports import BoardImports
from belay_gen.compiler.scan.layout import body_text
from belay_gen.compiler.scan.source import Source
from belay_gen.errors import CompileError


def compile_function(
    source: str,
    *,
    filename: str,
    first_line: int,
    kind_hint: str | None = None,
    minify: bool | None = None,
) -> CompiledFunction:
    """Compile one decorated function for the board.

    ``source`` is the dedented text of one ``def`` with its decorators, as
    ``inspect.getsource`` gives it, starting at host line ``first_line`` of ``filename``.
    ``kind_hint`` ("task", "thread", "setup", "teardown") names the decorator in use when
    the decorators alone cannot tell; ``minify`` overrides the decorator's ``minify=``.
    The result's ``device_code`` line k is host line ``line_offset + k``.

    >>> compile_function("@d.task\\ndef f(a):\\n    return a\\n", filename="x.py",
    ...                  first_line=10).device_code
    '\\ndef f(a):\\n return a\\n'

    Raises:
        CompileError: the board cannot run it (``file:line:col: what; how to fix``).
        SpecialFunctionNameError: the name is reserved.
    """
    if kind_hint is not None and kind_hint not in DECORATOR_KINDS:
        raise ValueError(f"kind_hint must be one of {DECORATOR_KINDS}, not {kind_hint!r}")
    parsed = Source(source, filename, line_shift=first_line - 1)
    body = parsed.module.body
    node = body[0] if body else None
    if not isinstance(node, cst.FunctionDef) or len(body) != 1:
        raise CompileError(
            "expected the source of exactly one function (a def with its decorators)",
            filename,
            first_line,
            1,
        )
    decorators = []
    for decorator in node.decorators:
        kind = device_kind(decorator)
        if kind is not None:
            decorators.append((decorator, kind_hint or kind))
    if not decorators:
        if kind_hint is None:
            raise parsed.error(node, f"{node.name.value}() has no task/thread decorator")
        decorators = [(cst.Decorator(cst.Name(kind_hint)), kind_hint)]
    function = describe(parsed, node, decorators, owner=None)
    board = BoardImports(parsed, {function.name})
    board.add_function(node)
    use_minify = function.minify if minify is None else minify
    device_code = function.board_source
    lines = lines_of(parsed, node)
    body_code = ""
    if function.kind in ("setup", "teardown"):
        body_code = "\n".join(body_text(parsed.lines, lines)) + "\n"
    if use_minify:
        device_code = minify_code(device_code)
        body_code = minify_code(body_code) if body_code else ""
    return CompiledFunction(
        name=function.name,
        kind=function.kind,
        parameters=function.parameters,
        device_code=device_code,
        body_code=body_code,
        line_offset=first_line + lines.first - 2,
        docstring=function.docstring,
        free_names=tuple(sorted(board.free | board.startup_names())),
    )
