"""Which ``def``s run on the board? Those decorated ``@X.task`` (or ``.thread``, ``.setup``,
``.teardown``, with or without ``(...)``) where ``X`` is a ``Device(...)`` instance, and the
methods of a ``Device`` subclass decorated ``@Device.task`` and friends."""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst

from belay_gen.compiler.model import DECORATOR_KINDS
from belay_gen.compiler.scan import walk
from belay_gen.compiler.scan.bindings import DeviceBindings, dotted
from belay_gen.compiler.scan.decorators import device_attribute
from belay_gen.compiler.scan.source import Source
from belay_gen.errors import CompileError

Found = tuple[cst.FunctionDef, list[tuple[cst.Decorator, str]], str | None]
"""A board ``def``, its device decorators with their kinds, and its owning subclass."""


class BoardDefFinder:
    """Collects the board ``def``s of a module in ``found`` (:meth:`find`), refusing nested
    and misplaced ones and lambdas handed to a device decorator."""

    def __init__(self, source: Source, bindings: DeviceBindings) -> None:
        self.source = source
        self.bindings = bindings
        self.found: list[Found] = []

    def find(self) -> None:
        """Walk the module's statements; raise the module's first error, if any."""
        refused = self._lambda_error() if "lambda" in self.source.text else None
        try:
            self._walk(self.source.module.body, None, inside_board=False)
        except CompileError as error:
            if refused is not None and (refused.line, refused.column) < (error.line, error.column):
                raise refused from None
            raise
        if refused is not None:
            raise refused

    def _walk(
        self, body: Sequence[cst.CSTNode], parent: cst.CSTNode | None, *, inside_board: bool
    ) -> None:
        for statement in walk.statements(body):
            if isinstance(statement, cst.FunctionDef):
                board = self._function(statement, parent, inside_board=inside_board)
                inner = list(walk.blocks(statement))
                self._walk(inner, statement, inside_board=inside_board or board)
            elif isinstance(statement, cst.ClassDef):
                self._walk(list(walk.blocks(statement)), statement, inside_board=inside_board)
            elif isinstance(statement, cst.BaseCompoundStatement):
                self._walk(list(walk.blocks(statement)), parent, inside_board=inside_board)

    def _function(
        self, node: cst.FunctionDef, parent: cst.CSTNode | None, *, inside_board: bool
    ) -> bool:
        """Note ``node`` when it is a board function (and say so)."""
        owner = None
        if isinstance(parent, cst.ClassDef) and parent.name.value in self.bindings.subclasses:
            owner = parent.name.value
        decorators = []
        for decorator in node.decorators:
            kind = self._kind(decorator, owner)
            if kind is not None:
                decorators.append((decorator, kind))
        if not decorators:
            return False
        if inside_board:
            raise self.source.error(
                node, f"{node.name.value}() is defined inside a board function: move it out"
            )
        if isinstance(parent, cst.ClassDef) and owner is None:
            raise self.source.error(
                node,
                f"{node.name.value}() is a board function inside class {parent.name.value}, "
                "which is not a Device subclass: move it to module level",
            )
        self.found.append((node, decorators, owner))
        return True

    def _kind(self, decorator: cst.Decorator, owner: str | None) -> str | None:
        """The kind of a device decorator whose ``X`` is an instance (or, on a subclass
        method, a ``Device`` class)."""
        attribute = device_attribute(decorator)
        if attribute is None:
            return None
        if owner is not None and self.bindings.device_class(attribute.value) is not None:
            return attribute.attr.value
        if dotted(attribute.value) in self.bindings.instances:
            return attribute.attr.value
        return None

    def _lambda_error(self) -> CompileError | None:
        """``d.task(lambda: ...)`` (the first in the module): refused, since a board function
        must be a ``def``."""
        calls = []
        for node in ast.walk(self.source.tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            values = [*node.args, *(k.value for k in node.keywords)]
            device = _dotted(node.func.value)
            if (
                node.func.attr in DECORATOR_KINDS
                and device in self.bindings.instances
                and any(isinstance(v, ast.Lambda) for v in values)
            ):
                calls.append((node.lineno, node.col_offset, node, device))
        if not calls:
            return None
        _, _, first, device = min(calls, key=lambda call: call[:2])
        kind = first.func.attr  # type: ignore[attr-defined]
        return self.source.error(
            first,
            f"a lambda cannot be a board {kind}: write it as a def decorated with @{device}.{kind}",
        )


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names, else ``None``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None
