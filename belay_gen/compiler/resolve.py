"""Where the names a board function uses come from, and what the outputs must import.

On the board, a function may use its own locals, builtins, other board functions of its
module, modules the host module imports (the import is repeated in the board module) and
Belay's startup names (``Pin``, ``sleep``, ``time``...). A host variable or a variable of an
enclosing function is a :class:`CompileError`: the board cannot see it. Any other name is a
board global (set by ``startup`` code, say) and is reported as free.

In the host stub, annotations may use builtins, imported names and module-level type aliases;
their imports and aliases are copied into the stub.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterator

import libcst as cst
from libcst.metadata import Access, Assignment, BaseAssignment, GlobalScope, Scope

from belay_gen.compiler import names
from belay_gen.compiler.describe import BELAY_MODULES, Scanner, dotted

# Belay's startup (board/snippets/startup.py): name -> the module it comes from ("" = itself).
STARTUP_NAMES = {
    **dict.fromkeys(("binascii", "errno", "hashlib", "machine", "os", "sys", "time"), ""),
    **dict.fromkeys(("ADC", "I2C", "Pin", "PWM", "SPI", "Timer"), "machine"),
    "sleep": "time",
    "const": "micropython",
}
STUB_NAMES = frozenset({"Device", "typing", "collections", "MODULE", "CODE", "CODE_HASH"})
_BUILTINS = frozenset(dir(builtins))


class ImportResolver:
    """Collects, over a module's board functions, what the board module and the stub import."""

    def __init__(self, scanner: Scanner, board_names: set[str]) -> None:
        self.scanner = scanner
        self.board_names = board_names
        self.global_scope = scanner.scopes[scanner.module]
        self.imports: list[str] = []
        self.startup: dict[str, set[str]] = {}
        self.free: set[str] = set()
        self.stub_imports: list[str] = []
        self.stub_aliases: list[str] = []
        self._aliases_seen: set[str] = set()

    # -- board side ------------------------------------------------------------------------
    def board_names_of(self, node: cst.FunctionDef) -> None:
        """Check every name ``node`` uses on the board; note the imports it needs."""
        own = self.scanner.scopes[node.body]
        assert own is not None
        inner = names.scopes_within(own, self.scanner.scopes.values())
        accesses = [a for scope in inner for a in scope.accesses]
        accesses.sort(key=lambda a: self.scanner.where(a.node))
        inner_ids = {id(scope) for scope in inner}
        for access in accesses:
            if not access.is_annotation and not access.is_type_hint:
                self._board_access(node, access, inner_ids)

    def _board_access(self, func: cst.FunctionDef, access: Access, inner: set[int]) -> None:
        name = _access_name(access)
        referents = list(access.referents)
        if any(id(r.scope) in inner for r in referents):
            return
        if not referents:
            if name in STARTUP_NAMES:
                self.startup.setdefault(STARTUP_NAMES[name], set()).add(name)
            elif name not in _BUILTINS:
                self.free.add(name)
            return
        for referent in referents:
            if referent.scope is self.global_scope:
                self._module_binding(func, access, referent)
            elif not isinstance(referent.scope, GlobalScope) and referent.scope.parent is not (
                referent.scope
            ):
                raise self.scanner.error(
                    access.node,
                    f"{func.name.value}() uses {name!r} from the enclosing "
                    f"{_scope_kind(referent.scope)}; the board cannot see host variables: "
                    "pass it as an argument or define it inside the function",
                )

    def _module_binding(
        self, func: cst.FunctionDef, access: Access, referent: BaseAssignment
    ) -> None:
        name = _access_name(access)
        node = getattr(referent, "node", None)
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            statement = self._import_statement(node, name, access)
            if statement is not None:
                _add(self.imports, statement)
                return
        elif isinstance(node, cst.FunctionDef) and name in self.board_names:
            return
        line, _ = self.scanner.where(node) if isinstance(node, cst.CSTNode) else (0, 0)
        raise self.scanner.error(
            access.node,
            f"{func.name.value}() uses {name!r}, a host variable (line {line}); the board "
            "cannot see host variables: pass it as an argument, define it inside the "
            "function, or make it a board function",
        )

    def _import_statement(
        self, node: cst.Import | cst.ImportFrom, name: str, where: Access
    ) -> str | None:
        """``import a.b`` / ``from m import n as name`` binding ``name``; None for belay's."""
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted(alias.name) or ""
                bound = dotted(alias.asname.name) if alias.asname else full.split(".")[0]
                if bound == name:
                    if full.split(".")[0] in BELAY_MODULES:
                        return None
                    return f"import {full}" + (f" as {bound}" if alias.asname else "")
            return None
        module = dotted(node.module) if node.module is not None else ""
        if node.relative:
            raise self.scanner.error(
                where.node,
                f"{name!r} comes from a relative import, which the board module cannot "
                "repeat: import it absolutely (from package.module import ...)",
            )
        if (module or "").split(".")[0] in BELAY_MODULES or isinstance(node.names, cst.ImportStar):
            return None
        for alias in node.names:
            original = dotted(alias.name)
            bound = dotted(alias.asname.name) if alias.asname else original
            if bound == name:
                suffix = f" as {bound}" if alias.asname else ""
                return f"from {module} import {original}{suffix}"
        return None

    def board_imports(self) -> tuple[str, ...]:
        """The board module's imports: the host module's first, then Belay's startup names
        (each guarded, as the startup code does, so a board without one still loads)."""
        out = list(self.imports)
        for module in sorted(self.startup):
            found = ",".join(sorted(self.startup[module], key=str.lower))
            line = f"import {found}" if not module else f"from {module} import {found}"
            out.append(f"try:{line}\nexcept ImportError:pass")
        return tuple(out)

    # -- host stub side --------------------------------------------------------------------
    def annotation_names_of(self, node: cst.FunctionDef) -> None:
        """Copy the imports and aliases that ``node``'s annotations need into the stub."""
        annotations = [p.annotation.annotation for p in _params(node) if p.annotation]
        if node.returns is not None:
            returns = node.returns.annotation
            if names.is_generator(node) and names.yield_type(returns, self.scanner.code):
                # The stub says Iterator[T] itself: only T's names matter.
                assert isinstance(returns, cst.Subscript)
                first = returns.slice[0].slice
                assert isinstance(first, cst.Index)
                returns = first.value
            annotations.append(returns)
        for annotation in annotations:
            for root, where in _roots(annotation):
                self._stub_name(root, where)

    def _stub_name(self, name: str, where: cst.CSTNode) -> None:
        scope = self.global_scope
        bindings = [b for b in scope[name] if b.scope is scope] if scope is not None else []
        if not bindings:
            if name in _BUILTINS:
                return
            raise self.scanner.error(
                where, f"the annotation {name!r} is neither a builtin nor imported: import it"
            )
        for binding in bindings:
            node = binding.node if isinstance(binding, Assignment) else None
            if isinstance(node, (cst.Import, cst.ImportFrom)):
                statement = self._stub_import(node, name, where)
                self._check_stub_name(name, statement, where)
                if statement != "import typing":
                    _add(self.stub_imports, statement)
                continue
            self._check_stub_name(name, None, where)
            alias = self._alias_statement(name)
            if alias is None:
                raise self.scanner.error(
                    where,
                    f"the annotation {name!r} is defined in this module, so the host stub "
                    "cannot import it: use a builtin or imported type, or a type alias",
                )
            if name not in self._aliases_seen:
                self._aliases_seen.add(name)
                for root, inner in _roots(alias[1]):
                    self._stub_name(root, inner)
                self.stub_aliases.append(alias[0])

    def _check_stub_name(self, name: str, statement: str | None, where: cst.CSTNode) -> None:
        """A name the stub defines itself may only come from the same import."""
        same = statement is not None and re.fullmatch(rf"import {name}(\.\w+)*", statement)
        if name in STUB_NAMES and not same:
            raise self.scanner.error(
                where,
                f"the annotation name {name!r} clashes with a name the host stub defines: "
                "import it under another name",
            )

    def _stub_import(self, node: cst.Import | cst.ImportFrom, name: str, where: cst.CSTNode) -> str:
        if isinstance(node, cst.ImportFrom) and node.relative:
            raise self.scanner.error(
                where,
                f"the annotation {name!r} comes from a relative import, which the host stub "
                "cannot repeat: import it absolutely",
            )
        for alias in node.names if not isinstance(node.names, cst.ImportStar) else ():
            full = dotted(alias.name) or ""
            if alias.asname is not None:
                bound = dotted(alias.asname.name)
            else:
                bound = full.split(".")[0] if isinstance(node, cst.Import) else full
            if bound != name:
                continue
            suffix = f" as {bound}" if alias.asname else ""
            if isinstance(node, cst.Import):
                return f"import {full}{suffix}"
            module = dotted(node.module) if node.module is not None else ""
            return f"from {module} import {full}{suffix}"
        raise self.scanner.error(where, f"cannot tell where the annotation {name!r} comes from")

    def _alias_statement(self, name: str) -> tuple[str, cst.BaseExpression] | None:
        """A module-level ``Name = <type>`` (or ``Name: TypeAlias = <type>``) for ``name``."""
        for statement in self.scanner.module.body:
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
                return self.scanner.code(statement).strip(), value
        return None


def _add(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _access_name(access: Access) -> str:
    node = access.node
    return node.value if isinstance(node, cst.Name) else str(getattr(node, "value", node))


def _scope_kind(scope: Scope) -> str:
    return "class" if type(scope).__name__ == "ClassScope" else "function"


def _params(node: cst.FunctionDef) -> Iterator[cst.Param]:
    params = node.params
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg


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

    class Roots(cst.CSTVisitor):
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

    visitor = Roots()
    annotation.visit(visitor)
    yield from visitor.found
