"""Describe one board function (→ ``model.Function``), checking what the board cannot run.

:class:`Scanner` holds one parsed text (a module, or one function for the dynamic path) with
its positions and scopes; ``Scanner.function`` turns a decorated ``def`` into the IR. What the
board cannot run is a :class:`CompileError` at ``file:line:col`` with a hint; a reserved name is
a :class:`SpecialFunctionNameError`.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider, ScopeProvider

from belay_gen.compiler import names
from belay_gen.compiler.layout import FunctionLines, function_text, publish_globals
from belay_gen.compiler.model import (
    DECORATOR_KINDS,
    OPTIONS,
    Function,
    Kind,
    Parameter,
    Span,
    reserved_name_reason,
)
from belay_gen.errors import CompileError, SpecialFunctionNameError

BELAY_MODULES = frozenset({"belay_gen", "belay"})
DEVICE_MODULES = BELAY_MODULES | {"belay_gen.runtime.device"}
# `@micropython.<this>`: MicroPython's compiler applies these itself (no import needed).
BOARD_DECORATORS = frozenset({"native", "viper", "bytecode", "asm_thumb", "asm_xtensa", "asm_rv32"})
# Decorators that only matter on the host and are dropped with the device decorators.
HOST_ONLY_DECORATORS = frozenset({"staticmethod"})
_EMPTY = cst.Module(body=[])


class Scanner:
    """Scans one parsed source text. ``line_shift`` turns text lines into file lines."""

    def __init__(self, source: str, filename: str, line_shift: int = 0) -> None:
        self.filename = filename
        self.line_shift = line_shift
        self.lines = source.splitlines()
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as error:
            raise CompileError(
                f"invalid syntax: {error.message}",
                filename,
                error.raw_line + line_shift,
                error.raw_column + 1,
            ) from None
        self.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.scopes = self.wrapper.resolve(ScopeProvider)

    # -- errors ----------------------------------------------------------------------------
    def where(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.positions[node].start
        return start.line + self.line_shift, start.column + 1

    def error(self, node: cst.CSTNode, message: str) -> CompileError:
        line, column = self.where(node)
        return CompileError(message, self.filename, line, column)

    def span(self, node: cst.CSTNode, first: CodeRange | None = None) -> Span:
        where = self.positions[node]
        start = (first or where).start
        return Span(
            start.line + self.line_shift,
            start.column + 1,
            where.end.line + self.line_shift,
            where.end.column + 1,
        )

    def code(self, node: cst.CSTNode) -> str:
        return _EMPTY.code_for_node(node)

    # -- one function ----------------------------------------------------------------------
    def function(
        self,
        node: cst.FunctionDef,
        decorators: Sequence[tuple[cst.Decorator, str]],
        *,
        owner: str | None,
    ) -> Function:
        """Describe ``node``, whose device decorators (with their kinds) are ``decorators``."""
        name = node.name.value
        self.check_name(node)
        if node.asynchronous is not None:
            raise self.error(
                node, f"{name}() is async; the board runs plain functions: drop `async`"
            )
        kinds = {kind for _, kind in decorators}
        if len(kinds) > 1:
            raise self.error(
                decorators[0][0],
                f"{name}() is decorated as {' and '.join(sorted(kinds))}; pick one",
            )
        kind: Kind = decorators[0][1]  # type: ignore[assignment]
        options = self.options(decorators, kind)
        generator = names.is_generator(node)
        if generator and kind != "task":
            raise self.error(node, f"a {kind} cannot be a generator: {name}() yields")
        if generator:
            kind = "generator"
        if owner is not None and self.parameters(node) and self.parameters(node)[0].name == "self":
            raise self.error(
                node.params, f"{name}() runs on the board, which has no `self`: remove it"
            )
        self.board_decorators(node, owner=owner)
        where = self.lines_of(node)
        text = function_text(self.lines, where)
        self.drop_slash(node, text, where.first)
        if kind in ("setup", "teardown"):
            text = self.publish(node, text, where, kind)
        returns = self.code(node.returns.annotation) if node.returns else None
        return Function(
            name=name,
            kind=kind,
            parameters=self.parameters(node),
            returns=returns,
            yields=names.yield_type(node.returns.annotation, self.code) if node.returns else None,
            returns_value=names.returns_value(node),
            docstring=node.get_docstring(clean=True),
            span=self.span(node, self.positions[node.decorators[0]] if node.decorators else None),
            def_line=self.positions[node].start.line + self.line_shift,
            board_source="\n".join(text) + "\n",
            owner=owner,
            minify=bool(options.get("minify", True)),
            autoinit=bool(options.get("autoinit", False)),
        )

    def check_name(self, node: cst.FunctionDef) -> None:
        reason = reserved_name_reason(node.name.value)
        if reason is not None:
            line, column = self.where(node.name)
            raise SpecialFunctionNameError(f"{self.filename}:{line}:{column}: {reason}")

    def options(
        self, decorators: Sequence[tuple[cst.Decorator, str]], kind: str
    ) -> dict[str, object]:
        """The literal keyword options of the device decorators (``minify=False``...)."""
        found: dict[str, object] = {}
        for decorator, _ in decorators:
            call = decorator.decorator
            if not isinstance(call, cst.Call):
                continue
            for arg in call.args:
                if arg.keyword is None or arg.star:
                    raise self.error(
                        arg, f"@...{kind}(...) takes keyword options only (minify=..., ...)"
                    )
                key = arg.keyword.value
                if key not in OPTIONS[kind]:
                    known = ", ".join(sorted(OPTIONS[kind]))
                    raise self.error(arg, f"unknown {kind} option {key!r}; known: {known}")
                value = names.literal_value(arg.value, self.code)
                if value is names.NOT_LITERAL:
                    raise self.error(
                        arg.value, f"the {key!r} option must be a literal (True, False, 'name')"
                    )
                found[key] = value
        return found

    def parameters(self, node: cst.FunctionDef) -> tuple[Parameter, ...]:
        params = node.params
        out: list[Parameter] = []

        def add(param: cst.Param, kind: str) -> None:
            default = None
            if param.default is not None:
                if names.literal_value(param.default, self.code) is names.NOT_LITERAL:
                    raise self.error(
                        param.default,
                        f"the default of {param.name.value!r} is not a literal; the board and "
                        "the stub need a literal (None, numbers, strings, bytes, and tuples, "
                        "lists, sets and dicts of those): move the computation into the body",
                    )
                default = self.code(param.default)
            annotation = self.code(param.annotation.annotation) if param.annotation else None
            out.append(Parameter(param.name.value, kind, annotation, default))  # type: ignore[arg-type]

        for param in params.posonly_params:
            add(param, "positional_only")
        for param in params.params:
            add(param, "positional_or_keyword")
        if isinstance(params.star_arg, cst.Param):
            add(params.star_arg, "var_positional")
        for param in params.kwonly_params:
            add(param, "keyword_only")
        if params.star_kwarg is not None:
            add(params.star_kwarg, "var_keyword")
        return tuple(out)

    def board_decorators(self, node: cst.FunctionDef, *, owner: str | None) -> list[int]:
        """Check the non-device decorators; return the indexes of those the board keeps."""
        kept = []
        for index, decorator in enumerate(node.decorators):
            if is_device_decorator(decorator, None):
                continue
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            name = dotted(target) or ""
            module, _, last = name.rpartition(".")
            if module == "micropython" and last in BOARD_DECORATORS:
                kept.append(index)
            elif owner is not None and last in HOST_ONLY_DECORATORS:
                continue
            else:
                raise self.error(
                    decorator,
                    f"the board cannot run the decorator @{self.code(decorator.decorator)} "
                    f"of {node.name.value}(): remove it, or apply it inside the function",
                )
        return kept

    def lines_of(self, node: cst.FunctionDef) -> FunctionLines:
        first = self.positions[node.decorators[0]] if node.decorators else self.positions[node]
        body = node.body
        if isinstance(body, cst.SimpleStatementSuite):
            body_line = self.positions[body].start.line
            suite: str | None = self.code(body)
        else:
            body_line = self.positions[body.body[0]].start.line
            suite = None
        kept = []
        for decorator in node.decorators:
            if not is_device_decorator(decorator, None) and not is_host_only(decorator):
                where = self.positions[decorator]
                kept.append((where.start.line, where.end.line))
        return FunctionLines(
            first=first.start.line,
            def_line=self.positions[node].start.line,
            body_line=body_line,
            last=self.positions[node].end.line,
            kept=tuple(kept),
            in_string=names.lines_in_strings(node, self.positions),
            suite=suite,
        )

    def drop_slash(self, node: cst.FunctionDef, text: list[str], first: int) -> None:
        """Blank the ``/`` of positional-only parameters: MicroPython has no such syntax,
        and the stub passes those arguments by position anyway."""
        slash = node.params.posonly_ind
        if not isinstance(slash, cst.ParamSlash):
            return
        where = self.positions[slash]
        row = where.start.line - first
        shift = len(self.lines[where.start.line - 1]) - len(text[row])
        start = where.start.column - shift
        end = where.end.column - shift if where.end.line == where.start.line else len(text[row])
        text[row] = text[row][:start] + " " * (end - start) + text[row][end:]

    def publish(
        self, node: cst.FunctionDef, text: list[str], where: FunctionLines, kind: str
    ) -> list[str]:
        """Make a setup/teardown function bind its names and arguments as board globals."""
        params = self.parameters(node)
        bound = names.bound_names(node, self.scopes) - {p.name for p in params}
        parts = []
        if bound:
            parts.append("global " + ",".join(sorted(bound)))
        if params:
            pairs = ",".join(f"{p.name}={p.name}" for p in params)
            parts.append(f"globals().update({pairs})")
        if not parts:
            return text
        signature = names.signature_line(node.name.value, params)
        published = publish_globals(text, where, signature, ";".join(parts))
        if published is None:
            raise self.error(
                node,
                f"the line above the def of {kind} {node.name.value}() must be its "
                f"@...{kind} decorator: put board decorators above that one",
            )
        return published


def is_device_decorator(decorator: cst.Decorator, targets: frozenset[str] | None) -> str | None:
    """The kind of a ``@X.task``-style decorator, or ``None``.

    ``targets`` are the names ``X`` may be (device instances); ``None`` accepts any ``X``
    (the dynamic path, where only the function's own text is known).
    """
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    if not isinstance(target, cst.Attribute) or target.attr.value not in DECORATOR_KINDS:
        return None
    if targets is not None and dotted(target.value) not in targets:
        return None
    return target.attr.value


def is_host_only(decorator: cst.Decorator) -> bool:
    return m.matches(decorator.decorator, m.Name("staticmethod"))


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names, else ``None``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None
