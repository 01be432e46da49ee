"""What do names mean? Which names are belay's modules, its ``Device`` class, the module's
``Device`` subclasses and its ``Device(...)`` instances, under any import alias
(``from belay_gen import Device as D``, ``import belay_gen as belay``)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from belay_gen.compiler.scan import walk

BELAY_MODULES = frozenset({"belay_gen", "belay"})
DEVICE_MODULES = BELAY_MODULES | {"belay_gen.runtime.device"}


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names, else ``None``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class DeviceBindings:
    """A module's belay modules, ``Device`` classes, subclasses and instances, learnt from its
    statements in source order (:meth:`read`)."""

    def __init__(self) -> None:
        self.modules: set[str] = set()
        self.classes: set[str] = set()
        self.subclasses: dict[str, str | None] = {}
        """Each ``Device`` subclass -> its base when that is another subclass, else None."""
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

    def read(self, module: cst.Module) -> None:
        """Learn from every statement of ``module``, nested ones too."""
        for statement in walk.every_statement(module.body):
            if isinstance(statement, cst.Import):
                self._import(statement)
            elif isinstance(statement, cst.ImportFrom):
                self._import_from(statement)
            elif isinstance(statement, cst.ClassDef):
                self._class(statement)
            elif isinstance(statement, cst.Assign):
                self._instance([t.target for t in statement.targets], statement.value)
            elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
                self._instance([statement.target], statement.value)
            elif isinstance(statement, cst.With):
                for item in statement.items:
                    if item.asname is not None:
                        self._instance([item.asname.name], item.item)

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted(alias.name)
            if name is None or name.split(".")[0] not in BELAY_MODULES:
                continue
            if alias.asname is not None:
                self.modules.add(dotted(alias.asname.name) or "")
            else:
                parts = name.split(".")
                self.modules.update(".".join(parts[: i + 1]) for i in range(len(parts)))

    def _import_from(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else None
        if node.relative or module not in DEVICE_MODULES or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == "Device":
                bound = alias.asname.name if alias.asname is not None else alias.name
                self.classes.add(dotted(bound) or "Device")

    def _class(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            found = self.device_class(base.value)
            if found is not None:
                self.subclasses[node.name.value] = None if found == "Device" else found
                return

    def _instance(self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression) -> None:
        if isinstance(value, cst.Call) and self.device_class(value.func) is not None:
            self.instances.update(t.value for t in targets if isinstance(t, cst.Name))
