"""Which imports does the board module need? Where each name a board function uses comes from.

On the board, a function may use its own locals, builtins, other board functions of its
module, modules the host module imports (the import is repeated in the board module) and
Belay's startup names (``Pin``, ``sleep``, ``time``...). A host variable or a variable of an
enclosing function is a :class:`CompileError`: the board cannot see it. Any other name is a
board global (set by ``startup`` code, say) and is reported as free.
"""

from __future__ import annotations

import ast
import builtins

import libcst as cst

from belay_gen.compiler.scan.bindings import BELAY_MODULES
from belay_gen.compiler.scan.names import Scope
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
        self.names = source.names
        self.board_names = board_names
        self.imports: list[str] = []
        self.startup: dict[str, set[str]] = {}
        self.free: set[str] = set()

    def add_function(self, node: cst.FunctionDef) -> None:
        """Check every name ``node`` uses on the board; note the imports it needs."""
        inner = set(self.names.scopes[self.source.function(node)].within())
        reads = [(read, scope) for scope in inner for read in scope.reads]
        reads.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
        for read, scope in reads:
            self._read(node, read, scope, inner)

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

    def _read(self, func: cst.FunctionDef, read: ast.Name, scope: Scope, inner: set[Scope]) -> None:
        name = read.id
        found = self.names.resolve(name, scope)
        if found in inner:
            return
        if found is not self.names.module:
            raise self.source.error(
                read,
                f"{func.name.value}() uses {name!r} from the enclosing {found.kind}; "
                "the board cannot see host variables: pass it as an argument or define it "
                "inside the function",
            )
        bindings = self.names.bindings(name)
        if not bindings:
            if name in STARTUP_NAMES:
                self.startup.setdefault(STARTUP_NAMES[name], set()).add(name)
            elif name not in BUILTINS:
                self.free.add(name)
            return
        for binding in bindings:
            self._module_binding(func, read, binding)

    def _module_binding(self, func: cst.FunctionDef, read: ast.Name, node: ast.AST) -> None:
        name = read.id
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            statement = self._import_statement(node, name, read)
            if statement is not None:
                if statement not in self.imports:
                    self.imports.append(statement)
                return
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and name in self.board_names:
            return
        line, _ = self.source.where(node)
        raise self.source.error(
            read,
            f"{func.name.value}() uses {name!r}, a host variable (line {line}); the board "
            "cannot see host variables: pass it as an argument, define it inside the "
            "function, or make it a board function",
        )

    def _import_statement(
        self, node: ast.Import | ast.ImportFrom, name: str, where: ast.Name
    ) -> str | None:
        """``import a.b`` / ``from m import n as name`` binding ``name``; None for belay's."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                full = alias.name
                bound = alias.asname or full.split(".")[0]
                if bound == name:
                    if full.split(".")[0] in BELAY_MODULES:
                        return None
                    return f"import {full}" + (f" as {bound}" if alias.asname else "")
            return None
        if node.level:
            raise self.source.error(
                where,
                f"{name!r} comes from a relative import, which the board module cannot "
                "repeat: import it absolutely (from package.module import ...)",
            )
        module = node.module or ""
        if module.split(".")[0] in BELAY_MODULES:
            return None
        for alias in node.names:
            bound = alias.asname or alias.name
            if bound == name:
                suffix = f" as {bound}" if alias.asname else ""
                return f"from {module} import {alias.name}{suffix}"
        return None
