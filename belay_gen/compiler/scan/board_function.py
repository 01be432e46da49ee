"""What is this function on the board? One decorated ``def`` -> ``model.Function``, checking
what the board cannot run (``async``, two kinds, ``self``, a computed default, a host decorator),
and laying out its board text on the host's lines."""

from __future__ import annotations

import ast
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
    generator = body.is_generator(node)
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
    first = source.positions[node.decorators[0]] if node.decorators else None
    return Function(
        name=name,
        kind=kind,
        parameters=params,
        returns=source.code(returns) if returns is not None else None,
        yields=body.yield_type(returns, source.code) if returns is not None else None,
        returns_value=body.returns_value(node),
        docstring=node.get_docstring(clean=True),
        span=source.span(node, first),
        def_line=source.positions[node].start.line + source.line_shift,
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


def lines_of(source: Source, node: cst.FunctionDef) -> FunctionLines:
    """Where the parts of ``node`` are, as lines of its text."""
    positions = source.positions
    first = positions[node.decorators[0]] if node.decorators else positions[node]
    suite = node.body
    if isinstance(suite, cst.SimpleStatementSuite):
        body_line = positions[suite].start.line
        one_line: str | None = source.code(suite)
    else:
        body_line = positions[suite.body[0]].start.line
        one_line = None
    kept = tuple(
        (positions[d].start.line, positions[d].end.line)
        for d in node.decorators
        if decorators.runs_on_board(d)
    )
    return FunctionLines(
        first=first.start.line,
        def_line=positions[node].start.line,
        body_line=body_line,
        last=positions[node].end.line,
        kept=kept,
        in_string=body.lines_in_strings(node, positions),
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
    bound = body.bound_names(node, source.scopes) - {p.name for p in params}
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
