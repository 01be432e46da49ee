"""What is this function on the board? One decorated ``def`` -> ``model.Function``, checking
what the board cannot run (``async``, two kinds, ``self``, a computed default, a host decorator),
and laying out its board text on the host's lines."""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence

import libcst as cst

from belay_gen.compiler import parameters
from belay_gen.compiler.model import Function, Kind, Parameter, reserved_name_reason
from belay_gen.compiler.scan import body, decorators
from belay_gen.compiler.scan.layout import FunctionLines, function_text, publish_globals
from belay_gen.compiler.scan.literals import NOT_LITERAL, literal_value
from belay_gen.compiler.scan.source import Source
from belay_gen.errors import SpecialFunctionNameError


def describe(
    source: Source,
    node: cst.FunctionDef,
    device_decorators: Sequence[tuple[cst.Decorator, str]],
    *,
    owner: str | None,
) -> Function:
    """The IR of ``node``, whose device decorators (with their kinds) are
    ``device_decorators``; ``owner`` is its ``Device`` subclass, if a method.

    Raises:
        CompileError: the board cannot run it (``file:line:col``, what, how to fix).
        SpecialFunctionNameError: its name is reserved.
    """
    name = node.name.value
    _check_name(source, node)
    if node.asynchronous is not None:
        raise source.error(node, f"{name}() is async; the board runs plain functions: drop `async`")
    kinds = {kind for _, kind in device_decorators}
    if len(kinds) > 1:
        raise source.error(
            device_decorators[0][0],
            f"{name}() is decorated as {' and '.join(sorted(kinds))}; pick one",
        )
    kind: Kind = device_decorators[0][1]  # type: ignore[assignment]
    options = decorators.options(source, device_decorators, kind)
    tree = source.function(node)
    scope = source.scope(node)
    generator = body.is_generator(scope)
    if generator and kind != "task":
        raise source.error(node, f"a {kind} cannot be a generator: {name}() yields")
    if generator:
        kind = "generator"
    params = describe_parameters(source, node) if owner is not None else None
    if params and params[0].name == "self":
        raise source.error(
            node.params, f"{name}() runs on the board, which has no `self`: remove it"
        )
    decorators.check_other_decorators(source, node, owner=owner)
    if params is None:
        params = describe_parameters(source, node)
    where = lines_of(source, node)
    text = function_text(source.lines, where)
    _drop_slash(source, node, text, where.first)
    if kind in ("setup", "teardown"):
        text = _publish(source, node, params, text, where, kind)
    returns = node.returns.annotation if node.returns else None
    return Function(
        name=name,
        kind=kind,
        parameters=params,
        returns=source.code(returns) if returns is not None else None,
        yields=body.yield_type(returns, source.code) if returns is not None else None,
        returns_value=body.returns_value(scope),
        docstring=node.get_docstring(clean=True),
        span=source.span(node, source.decorated_start(node)),
        def_line=tree.lineno + source.line_shift,
        board_source="\n".join(text) + "\n",
        owner=owner,
        minify=bool(options.get("minify", True)),
        autoinit=bool(options.get("autoinit", False)),
    )


def describe_parameters(source: Source, node: cst.FunctionDef) -> tuple[Parameter, ...]:
    """``node``'s parameters as the user wrote them; a default must be a literal."""
    described = []
    for param, kind in parameters.read(node.params):
        default = None
        if param.default is not None:
            if literal_value(param.default, source.code) is NOT_LITERAL:
                raise source.error(
                    param.default,
                    f"the default of {param.name.value!r} is not a literal; the board and "
                    "the stub need a literal (None, numbers, strings, bytes, and tuples, "
                    "lists, sets and dicts of those): move the computation into the body",
                )
            default = source.code(param.default)
        annotation = source.code(param.annotation.annotation) if param.annotation else None
        described.append(Parameter(param.name.value, kind, annotation, default))
    return tuple(described)


@functools.lru_cache(maxsize=16)  # sources and nodes hash by identity; asked twice each
def lines_of(source: Source, node: cst.FunctionDef) -> FunctionLines:
    """Where the parts of ``node`` are, as lines of its text."""
    tree = source.function(node)
    first, _ = source.decorated_start(node)
    statement = tree.body[0]
    body_line = statement.lineno
    one_line = None
    if isinstance(node.body, cst.SimpleStatementSuite):
        # The suite runs from its first statement to the end of the def's logical line.
        line, column = source.start(statement)
        _, last_line = source.logical_line(statement)
        one_line = "\n".join([source.lines[line - 1][column:], *source.lines[line:last_line]])
    kept = []
    for decorator, expression in zip(node.decorators, tree.decorator_list, strict=True):
        if decorators.runs_on_board(decorator):
            (start, _), end = source.logical_line(expression)
            kept.append((start, end))
    last = tree.end_lineno or tree.lineno
    return FunctionLines(
        first=first,
        def_line=tree.lineno,
        body_line=body_line,
        last=last,
        kept=tuple(kept),
        in_string=frozenset(n for n in source.string_lines if first <= n <= last),
        suite=one_line,
    )


def board_def_line(name: str, params: Sequence[Parameter]) -> str:
    """``def name(a,b=1,*c,d,**e):`` for the board, defaults as canonical literals."""

    def item(param: Parameter) -> str:
        if param.default is None:
            return param.name
        return f"{param.name}={ast.literal_eval(param.default.strip())!r}"

    return f"def {name}({','.join(parameters.parameter_list(params, item))}):"


def _check_name(source: Source, node: cst.FunctionDef) -> None:
    reason = reserved_name_reason(node.name.value)
    if reason is not None:
        line, column = source.where(node.name)
        raise SpecialFunctionNameError(f"{source.filename}:{line}:{column}: {reason}")


def _drop_slash(source: Source, node: cst.FunctionDef, text: list[str], first: int) -> None:
    """Blank the ``/`` of positional-only parameters: MicroPython has no such syntax, and
    the stub passes those arguments by position anyway."""
    slash = node.params.posonly_ind
    if not isinstance(slash, cst.ParamSlash):
        return
    where = source.positions[slash]
    row = where.start.line - first
    shift = len(source.lines[where.start.line - 1]) - len(text[row])
    start = where.start.column - shift
    end = where.end.column - shift if where.end.line == where.start.line else len(text[row])
    text[row] = text[row][:start] + " " * (end - start) + text[row][end:]


def _publish(
    source: Source,
    node: cst.FunctionDef,
    params: Sequence[Parameter],
    text: list[str],
    where: FunctionLines,
    kind: str,
) -> list[str]:
    """Make a setup/teardown function bind its names and arguments as board globals."""
    bound = body.bound_names(source.scope(node)) - {p.name for p in params}
    parts = []
    if bound:
        parts.append("global " + ",".join(sorted(bound)))
    if params:
        pairs = ",".join(f"{p.name}={p.name}" for p in params)
        parts.append(f"globals().update({pairs})")
    if not parts:
        return text
    signature = board_def_line(node.name.value, params)
    published = publish_globals(text, where, signature, ";".join(parts))
    if published is None:
        raise source.error(
            node,
            f"the line above the def of {kind} {node.name.value}() must be its "
            f"@...{kind} decorator: put board decorators above that one",
        )
    return published
