"""Find the functions a source module runs on the board (→ ``model.Module``).

A board function is decorated ``@X.task``/``@X.thread`` (also ``@X.setup``/``@X.teardown``,
each with or without ``(...)``) where ``X`` is bound to ``Device(...)`` under any import alias
(``belay_gen.Device``, ``from belay_gen import Device as D``, ``import belay_gen as belay``),
or is a method of a ``Device`` subclass decorated ``@Device.task`` and friends. Generators are
found by their ``yield``. Errors are :class:`CompileError` (``file:line:col``, what, how to
fix) or :class:`SpecialFunctionNameError`.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from belay_gen.compiler.describe import (
    BELAY_MODULES,
    DEVICE_MODULES,
    Scanner,
    dotted,
    is_device_decorator,
)
from belay_gen.compiler.model import DECORATOR_KINDS, DeviceClass, Function, Module
from belay_gen.compiler.resolve import ImportResolver


def scan_module(source: str, *, filename: str, name: str) -> Module | None:
    """The board functions of one module's ``source``; ``None`` when it has none.

    ``filename`` is used in error messages, ``name`` is the module's board name.
    """
    return ModuleScanner(source, filename, name).scan()


class _Bindings(cst.CSTVisitor):
    """What names mean: the belay modules, the ``Device`` class, its subclasses, instances."""

    def __init__(self) -> None:
        super().__init__()
        self.modules: set[str] = set()
        self.classes: set[str] = set()
        self.subclasses: dict[str, str | None] = {}
        self.instances: set[str] = set()

    def device_class(self, node: cst.BaseExpression) -> str | None:
        """``"Device"`` for an expression naming belay's Device, the subclass name for a
        subclass, else ``None``."""
        name = dotted(node)
        if name is None:
            return None
        if name in self.subclasses:
            return name
        module, _, attr = name.rpartition(".")
        if name in self.classes or (attr == "Device" and module in self.modules):
            return "Device"
        return None

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted(alias.name)
            if name is None or name.split(".")[0] not in BELAY_MODULES:
                continue
            if alias.asname is not None:
                self.modules.add(dotted(alias.asname.name) or "")
            else:
                parts = name.split(".")
                self.modules.update(".".join(parts[: i + 1]) for i in range(len(parts)))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else None
        if node.relative or module not in DEVICE_MODULES or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if dotted(alias.name) == "Device":
                bound = alias.asname.name if alias.asname is not None else alias.name
                self.classes.add(dotted(bound) or "Device")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            found = self.device_class(base.value)
            if found is not None:
                self.subclasses[node.name.value] = None if found == "Device" else found
                return

    def _instance(self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression) -> None:
        if isinstance(value, cst.Call) and self.device_class(value.func) is not None:
            self.instances.update(t.value for t in targets if isinstance(t, cst.Name))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._instance([t.target for t in node.targets], node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._instance([node.target], node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._instance([node.asname.name], node.item)


class _Finder(cst.CSTVisitor):
    """Collects the decorated functions, with their owning ``Device`` subclass."""

    def __init__(self, scanner: ModuleScanner, bindings: _Bindings) -> None:
        super().__init__()
        self.scanner = scanner
        self.bindings = bindings
        self.found: list[tuple[cst.FunctionDef, list[tuple[cst.Decorator, str]], str | None]] = []
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
            kind = self.kind(decorator, owner)
            if kind is not None:
                decorators.append((decorator, kind))
        self.stack.append(node)
        if not decorators:
            return
        if self.board_depth:
            raise self.scanner.error(
                node, f"{node.name.value}() is defined inside a board function: move it out"
            )
        if isinstance(parent, cst.ClassDef) and owner is None:
            raise self.scanner.error(
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

    def kind(self, decorator: cst.Decorator, owner: str | None) -> str | None:
        kind = is_device_decorator(decorator, None)
        if kind is None:
            return None
        target = decorator.decorator
        attribute = target.func if isinstance(target, cst.Call) else target
        assert isinstance(attribute, cst.Attribute)
        if owner is not None and self.bindings.device_class(attribute.value) is not None:
            return kind
        if dotted(attribute.value) in self.bindings.instances:
            return kind
        return None

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in DECORATOR_KINDS
            and dotted(func.value) in self.bindings.instances
            and any(isinstance(arg.value, cst.Lambda) for arg in node.args)
        ):
            raise self.scanner.error(
                node,
                f"a lambda cannot be a board {func.attr.value}: write it as a def decorated "
                f"with @{dotted(func.value)}.{func.attr.value}",
            )


class ModuleScanner(Scanner):
    """Scans a whole module: ``scan()`` returns its :class:`Module` IR."""

    def __init__(self, source: str, filename: str, name: str) -> None:
        super().__init__(source, filename)
        self.name = name

    def scan(self) -> Module | None:
        bindings = _Bindings()
        self.module.visit(bindings)
        finder = _Finder(self, bindings)
        self.wrapper.visit(finder)
        if not finder.found:
            return None
        functions = [self.function(node, decs, owner=owner) for node, decs, owner in finder.found]
        self.check_unique(finder.found)
        board_names = {f.name for f in functions}
        resolver = ImportResolver(self, board_names)
        for node, _, _ in finder.found:
            resolver.board_names_of(node)
        for node, _, _ in finder.found:
            resolver.annotation_names_of(node)
        classes = self.classes(bindings, functions)
        return Module(
            name=self.name,
            filename=self.filename,
            functions=tuple(functions),
            classes=classes,
            board_imports=resolver.board_imports(),
            stub_imports=tuple(resolver.stub_imports),
            stub_aliases=tuple(resolver.stub_aliases),
        )

    def check_unique(self, found: Sequence[tuple[cst.FunctionDef, object, str | None]]) -> None:
        seen: dict[str, cst.FunctionDef] = {}
        for node, _, _ in found:
            name = node.name.value
            if name in seen:
                line, _ = self.where(seen[name])
                raise self.error(
                    node,
                    f"a second board function named {name!r} (the first is at line {line}); "
                    "the board module holds one of each: rename one",
                )
            seen[name] = node

    def classes(
        self, bindings: _Bindings, functions: Sequence[Function]
    ) -> tuple[DeviceClass, ...]:
        methods: dict[str, list[str]] = {}
        for function in functions:
            if function.owner is not None:
                methods.setdefault(function.owner, []).append(function.name)
        nodes = {
            n.name.value: n
            for n in self.module.body
            if isinstance(n, cst.ClassDef) and n.name.value in bindings.subclasses
        }

        def has_methods(name: str | None) -> bool:
            while name is not None:
                if methods.get(name):
                    return True
                name = bindings.subclasses.get(name)
            return False

        return tuple(
            DeviceClass(
                name=name,
                base=base if has_methods(base := bindings.subclasses[name]) else None,
                methods=tuple(methods.get(name, ())),
                docstring=node.get_docstring(clean=True),
                span=self.span(node),
            )
            for name, node in nodes.items()
            if has_methods(name)
        )
