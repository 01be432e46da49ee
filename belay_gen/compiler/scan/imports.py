"""Which imports does the board module need? Where each name a board function uses comes from.

On the board, a function may use its own locals, builtins, other board functions of its
module, modules the host module imports (the import is repeated in the board module) and
Belay's startup names (``Pin``, ``sleep``, ``time``...). A host variable or a variable of an
enclosing function is a :class:`CompileError`: the board cannot see it. Any other name is a
board global (set by ``startup`` code, say) and is reported as free.
"""

from __future__ import annotations

import builtins

import libcst as cst
from libcst.metadata import Access, BaseAssignment, ClassScope, GlobalScope, Scope

from belay_gen.compiler.scan import body
from belay_gen.compiler.scan.bindings import BELAY_MODULES, dotted
from belay_gen.compiler.scan.source import Source

# Belay's startup (board/snippets/startup.py): name -> the module it comes from ("" = itself).
STARTUP_NAMES = {
    **dict.fromkeys(("binascii", "errno", "hashlib", "machine", "os", "sys", "time"), ""),
    **dict.fromkeys(("ADC", "I2C", "Pin", "PWM", "SPI", "Timer"), "machine"),
    "sleep": "time",
    "const": "micropython",
}
BUILTINS = frozenset(dir(builtins))


class BoardImports:
    """Collects, over a module's board functions, the imports the board module repeats, the
    startup names they use, and their free names (board globals)."""

    def __init__(self, source: Source, board_names: set[str]) -> None:
        self.source = source
        self.board_names = board_names
        self.global_scope = source.scopes[source.module]
        self.imports: list[str] = []
        self.startup: dict[str, set[str]] = {}
        self.free: set[str] = set()

    def add_function(self, node: cst.FunctionDef) -> None:
        """Check every name ``node`` uses on the board; note the imports it needs."""
        own = self.source.scopes[node.body]
        assert own is not None
        inner = body.scopes_within(own, self.source.scopes.values())
        accesses = [a for scope in inner for a in scope.accesses]
        accesses.sort(key=lambda a: self.source.where(a.node))
        inner_ids = {id(scope) for scope in inner}
        for access in accesses:
            if not access.is_annotation and not access.is_type_hint:
                self._access(node, access, inner_ids)

    def statements(self) -> tuple[str, ...]:
        """The board module's imports: the host module's first, then Belay's startup names
        (each guarded, as the startup code does, so a board without one still loads)."""
        out = list(self.imports)
        for module in sorted(self.startup):
            found = ",".join(sorted(self.startup[module], key=str.lower))
            line = f"import {found}" if not module else f"from {module} import {found}"
            out.append(f"try:{line}\nexcept ImportError:pass")
        return tuple(out)

    def startup_names(self) -> set[str]:
        """The startup names the functions use."""
        return {name for names in self.startup.values() for name in names}

    def _access(self, func: cst.FunctionDef, access: Access, inner: set[int]) -> None:
        name = _access_name(access)
        referents = list(access.referents)
        if any(id(r.scope) in inner for r in referents):
            return
        if not referents:
            if name in STARTUP_NAMES:
                self.startup.setdefault(STARTUP_NAMES[name], set()).add(name)
            elif name not in BUILTINS:
                self.free.add(name)
            return
        for referent in referents:
            if referent.scope is self.global_scope:
                self._module_binding(func, access, referent)
            elif not isinstance(referent.scope, GlobalScope) and referent.scope.parent is not (
                referent.scope
            ):
                raise self.source.error(
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
                if statement not in self.imports:
                    self.imports.append(statement)
                return
        elif isinstance(node, cst.FunctionDef) and name in self.board_names:
            return
        line, _ = self.source.where(node) if isinstance(node, cst.CSTNode) else (0, 0)
        raise self.source.error(
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
            raise self.source.error(
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


def _access_name(access: Access) -> str:
    node = access.node
    return node.value if isinstance(node, cst.Name) else str(getattr(node, "value", node))


def _scope_kind(scope: Scope) -> str:
    return "class" if isinstance(scope, ClassScope) else "function"
