"""Which imports and type aliases does the host stub need? The names board functions'
annotations use: builtins, imported names (their import is copied into the stub) and
module-level type aliases (copied, with what they use in turn)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import libcst as cst

from belay_gen.compiler import parameters
from belay_gen.compiler.scan import body
from belay_gen.compiler.scan.imports import BUILTINS
from belay_gen.compiler.scan.source import Source

# Names the stub template defines itself; an annotation may use them only as the same import.
STUB_NAMES = frozenset({"Device", "typing", "collections", "MODULE", "CODE", "CODE_HASH"})


class StubImports:
    """Collects, over a module's board functions, the imports and aliases of the stub."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.imports: list[str] = []
        self.aliases: list[str] = []
        self._aliases_seen: set[str] = set()

    def add_function(self, node: cst.FunctionDef) -> None:
        """Copy the imports and aliases that ``node``'s annotations need into the stub."""
        params = [param for param, _ in parameters.read(node.params)]
        annotations = [p.annotation.annotation for p in params if p.annotation]
        if node.returns is not None:
            returns = node.returns.annotation
            generator = body.is_generator(self.source.scope(node))
            yielded = body.yield_node(returns) if generator else None
            # The stub says Iterator[T] itself: only T's names matter.
            annotations.append(yielded if yielded is not None else returns)
        for annotation in annotations:
            for root, where in _roots(annotation):
                self._name(root, where)

    def _name(self, name: str, where: cst.CSTNode) -> None:
        bindings = self.source.names.bindings(name)
        if not bindings:
            if name in BUILTINS:
                return
            raise self.source.error(
                where, f"the annotation {name!r} is neither a builtin nor imported: import it"
            )
        for node in bindings:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                statement = self._import(node, name, where)
                self._check_clash(name, statement, where)
                if statement != "import typing" and statement not in self.imports:
                    self.imports.append(statement)
                continue
            self._check_clash(name, None, where)
            alias = self._alias(name)
            if alias is None:
                raise self.source.error(
                    where,
                    f"the annotation {name!r} is defined in this module, so the host stub "
                    "cannot import it: use a builtin or imported type, or a type alias",
                )
            if name not in self._aliases_seen:
                self._aliases_seen.add(name)
                for root, inner in _roots(alias[1]):
                    self._name(root, inner)
                self.aliases.append(alias[0])

    def _check_clash(self, name: str, statement: str | None, where: cst.CSTNode) -> None:
        """A name the stub defines itself may only come from the same import."""
        same = statement is not None and re.fullmatch(rf"import {name}(\.\w+)*", statement)
        if name in STUB_NAMES and not same:
            raise self.source.error(
                where,
                f"the annotation name {name!r} clashes with a name the host stub defines: "
                "import it under another name",
            )

    def _import(self, node: ast.Import | ast.ImportFrom, name: str, where: cst.CSTNode) -> str:
        if isinstance(node, ast.ImportFrom) and node.level:
            raise self.source.error(
                where,
                f"the annotation {name!r} comes from a relative import, which the host stub "
                "cannot repeat: import it absolutely",
            )
        for alias in node.names:
            full = alias.name
            if alias.asname is not None:
                bound = alias.asname
            else:
                bound = full.split(".")[0] if isinstance(node, ast.Import) else full
            if bound != name:
                continue
            suffix = f" as {bound}" if alias.asname else ""
            if isinstance(node, ast.Import):
                return f"import {full}{suffix}"
            return f"from {node.module or ''} import {full}{suffix}"
        raise self.source.error(where, f"cannot tell where the annotation {name!r} comes from")

    def _alias(self, name: str) -> tuple[str, cst.BaseExpression] | None:
        """A module-level ``Name = <type>`` (or ``Name: TypeAlias = <type>``) for ``name``."""
        for statement in self.source.module.body:
            if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                continue
            small = statement.body[0]
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value = small.target, small.value
            else:
                continue
            if isinstance(target, cst.Name) and target.value == name:
                return self.source.code(statement).strip(), value
        return None


def _roots(annotation: cst.BaseExpression) -> Iterator[tuple[str, cst.CSTNode]]:
    """The names an annotation starts from (``typing`` in ``typing.List[int]``); a whole
    string annotation is read as the expression it holds."""
    if isinstance(annotation, cst.SimpleString):
        try:
            inner = cst.parse_expression(annotation.evaluated_value)  # type: ignore[arg-type]
        except (cst.ParserSyntaxError, TypeError):
            return
        for name, _ in _roots(inner):
            yield name, annotation
        return
    visitor = _Roots()
    annotation.visit(visitor)
    yield from visitor.found


class _Roots(cst.CSTVisitor):
    """The leftmost name of each dotted name in an annotation (string literals skipped)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, cst.CSTNode]] = []

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.found.append((node.value, node))

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        return False  # Literal["on"]: a value, not a name
