"""Which ``def``s run on the board? Those decorated ``@X.task`` (or ``.thread``, ``.setup``,
``.teardown``, with or without ``(...)``) where ``X`` is a ``Device(...)`` instance, and the
methods of a ``Device`` subclass decorated ``@Device.task`` and friends."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from belay_gen.compiler.scan.bindings import DeviceBindings, dotted
from belay_gen.compiler.scan.decorators import KIND_NAME, device_attribute
from belay_gen.compiler.scan.source import Source

#: ``d.task(lambda: ...)``: refused, since a board function must be a ``def``.
_LAMBDA_TO_DEVICE = m.Call(
    func=m.Attribute(attr=KIND_NAME),
    args=[m.ZeroOrMore(), m.Arg(value=m.Lambda()), m.ZeroOrMore()],
)

Found = tuple[cst.FunctionDef, list[tuple[cst.Decorator, str]], str | None]
"""A board ``def``, its device decorators with their kinds, and its owning subclass."""


class BoardDefFinder(cst.CSTVisitor):
    """Collects the board ``def``s of a module in ``found``, refusing nested and misplaced
    ones and lambdas handed to a device decorator."""

    def __init__(self, source: Source, bindings: DeviceBindings) -> None:
        super().__init__()
        self.source = source
        self.bindings = bindings
        self.found: list[Found] = []
        self.stack: list[cst.CSTNode] = []
        self.board_depth = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        parent = self.stack[-1] if self.stack else None
        owner = None
        if isinstance(parent, cst.ClassDef) and parent.name.value in self.bindings.subclasses:
            owner = parent.name.value
        decorators = []
        for decorator in node.decorators:
            kind = self._kind(decorator, owner)
            if kind is not None:
                decorators.append((decorator, kind))
        self.stack.append(node)
        if not decorators:
            return
        if self.board_depth:
            raise self.source.error(
                node, f"{node.name.value}() is defined inside a board function: move it out"
            )
        if isinstance(parent, cst.ClassDef) and owner is None:
            raise self.source.error(
                node,
                f"{node.name.value}() is a board function inside class {parent.name.value}, "
                "which is not a Device subclass: move it to module level",
            )
        self.board_depth += 1
        self.found.append((node, decorators, owner))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()
        if self.found and self.found[-1][0] is original_node:
            self.board_depth -= 1

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

    def visit_Call(self, node: cst.Call) -> None:
        if not m.matches(node, _LAMBDA_TO_DEVICE):
            return
        assert isinstance(node.func, cst.Attribute)
        device, kind = dotted(node.func.value), node.func.attr.value
        if device in self.bindings.instances:
            raise self.source.error(
                node,
                f"a lambda cannot be a board {kind}: write it as a def decorated "
                f"with @{device}.{kind}",
            )
