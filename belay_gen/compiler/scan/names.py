"""Where does each name come from? Python's scoping rules over the stdlib :mod:`ast` tree.

One walk of a module records every scope (module, function, lambda, class, comprehension),
the names each binds or declares ``global``/``nonlocal``, every name read, in its scope, and
whether a function yields or returns a value.
:func:`Names.resolve` then follows Python's lookup: the scope itself, enclosing functions (class
bodies are skipped), the module. Names in annotations are not reads: the board never evaluates
them. This answers what libcst's ``ScopeProvider`` answered, on a tree the stdlib builds an
order of magnitude faster.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

ScopeKind = Literal["module", "function", "class", "comprehension"]

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# Nodes with no names below them.
_LEAVES = (ast.Constant, ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


@dataclass(eq=False)
class Scope:
    """One scope: what it binds and declares, and the scopes nested directly in it."""

    node: ast.AST
    kind: ScopeKind
    parent: Scope | None
    bound: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    reads: list[ast.Name] = field(default_factory=list)
    """The names read (``ast.Load``) in this scope itself."""
    yields: bool = False
    """A function that yields (a generator)."""
    returns_value: bool = False
    """A function with a ``return`` that carries a value."""
    children: list[Scope] = field(default_factory=list)

    def within(self) -> Iterator[Scope]:
        """This scope and every scope nested in it."""
        yield self
        for child in self.children:
            yield from child.within()


class Names:
    """The scopes of one parsed module (by node), and where module-level names are bound."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope(tree, "module", None)
        self.scopes: dict[ast.AST, Scope] = {tree: self.module}
        self.module_bindings: dict[str, list[ast.AST]] = {}
        """Each module-level name -> the nodes binding it, in source order: an ``Import`` or
        ``ImportFrom``, a ``def``/``class``, or the target (a ``global`` name assigned in a
        function counts, as it binds a module name)."""
        _Binder(self).statements(tree.body, self.module)

    def resolve(self, name: str, scope: Scope) -> Scope:
        """The scope whose binding of ``name`` a read in ``scope`` sees (the module's when
        bound nowhere)."""
        probe: Scope | None = scope
        while probe is not None and probe.kind != "module":
            if probe is scope or probe.kind != "class":  # a class body is seen from itself
                if name in probe.globals:
                    return self.module
                if name in probe.bound and name not in probe.nonlocals:
                    return probe
            probe = probe.parent
        return self.module

    def bindings(self, name: str) -> list[ast.AST]:
        """The nodes binding ``name`` at module level (none: a builtin or a board global)."""
        return self.module_bindings.get(name, [])


class _Binder:
    """The one walk: scopes, bindings and reads, in source order within each statement."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def bind(self, scope: Scope, name: str, node: ast.AST) -> None:
        scope.bound.add(name)
        if scope.kind == "module" or name in scope.globals:
            self.names.module_bindings.setdefault(name, []).append(node)

    def open(self, node: ast.AST, kind: ScopeKind, parent: Scope) -> Scope:
        scope = Scope(node, kind, parent)
        parent.children.append(scope)
        self.names.scopes[node] = scope
        return scope

    def statements(self, body: list[ast.stmt], scope: Scope) -> None:
        for statement in body:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: Scope) -> None:
        if isinstance(node, _FUNCTIONS):
            self.exprs(node.decorator_list, scope)
            self.arguments(node.args, scope)
            self.bind(scope, node.name, node)
            inner = self.open(node, "function", scope)
            self.parameters(node.args, inner)
            self.statements(node.body, inner)
        elif isinstance(node, ast.ClassDef):
            self.exprs(node.decorator_list, scope)
            self.exprs(node.bases, scope)
            self.exprs([k.value for k in node.keywords], scope)
            self.bind(scope, node.name, node)
            self.statements(node.body, self.open(node, "class", scope))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    self.bind(scope, alias.asname or alias.name.split(".")[0], node)
        elif isinstance(node, ast.Global):
            scope.globals.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.nonlocals.update(node.names)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.expr(node.value, scope)
            self.expr(node.target, scope)  # the annotation is no read
        elif isinstance(node, ast.Return) and node.value is not None:
            scope.returns_value = True
            self.expr(node.value, scope)
        else:
            self.children(node, scope)

    def children(self, node: ast.AST, scope: Scope) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statement(child, scope)
            elif isinstance(child, ast.excepthandler):
                self.handler(child, scope)
            else:
                self.expr(child, scope)

    def handler(self, node: ast.excepthandler, scope: Scope) -> None:
        assert isinstance(node, ast.ExceptHandler)
        if node.type is not None:
            self.expr(node.type, scope)
        if node.name is not None:
            self.bind(scope, node.name, node)
        self.statements(node.body, scope)

    def exprs(self, nodes: list[ast.expr], scope: Scope) -> None:
        for node in nodes:
            self.expr(node, scope)

    def expr(self, node: ast.AST, scope: Scope) -> None:
        kind = type(node)
        if kind is ast.Name:
            assert isinstance(node, ast.Name)
            if type(node.ctx) is ast.Load:
                scope.reads.append(node)
            else:
                self.bind(scope, node.id, node)
        elif kind is ast.Attribute:
            assert isinstance(node, ast.Attribute)
            self.expr(node.value, scope)
        elif isinstance(node, _LEAVES):
            pass
        elif isinstance(node, ast.Lambda):
            self.arguments(node.args, scope)
            inner = self.open(node, "function", scope)
            self.parameters(node.args, inner)
            self.expr(node.body, inner)
        elif isinstance(node, _COMPREHENSIONS):
            self.comprehension(node, scope)
        elif isinstance(node, (ast.Yield, ast.YieldFrom)):
            scope.yields = True
            if node.value is not None:
                self.expr(node.value, scope)
        elif isinstance(node, ast.NamedExpr):
            self.expr(node.value, scope)
            target = scope
            while target.kind == "comprehension" and target.parent is not None:
                target = target.parent  # `:=` in a comprehension binds outside it
            self.bind(target, node.target.id, node.target)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            if isinstance(node, ast.MatchAs) and node.pattern is not None:
                self.expr(node.pattern, scope)
            if node.name is not None:
                self.bind(scope, node.name, node)
        elif isinstance(node, ast.MatchMapping):
            self.children(node, scope)
            if node.rest is not None:
                self.bind(scope, node.rest, node)
        elif isinstance(node, ast.match_case):
            self.expr(node.pattern, scope)
            if node.guard is not None:
                self.expr(node.guard, scope)
            self.statements(node.body, scope)
        else:
            self.children(node, scope)

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, scope: Scope
    ) -> None:
        generators = node.generators
        self.expr(generators[0].iter, scope)  # the first iterable is evaluated outside
        inner = self.open(node, "comprehension", scope)
        for index, generator in enumerate(generators):
            if index:
                self.expr(generator.iter, inner)
            self.expr(generator.target, inner)
            self.exprs(generator.ifs, inner)
        if isinstance(node, ast.DictComp):
            self.expr(node.key, inner)
            self.expr(node.value, inner)
        else:
            self.expr(node.elt, inner)

    def arguments(self, args: ast.arguments, scope: Scope) -> None:
        """Defaults, evaluated where the function is defined (annotations are no reads)."""
        self.exprs(args.defaults, scope)
        self.exprs([d for d in args.kw_defaults if d is not None], scope)

    def parameters(self, args: ast.arguments, scope: Scope) -> None:
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is not None:
                self.bind(scope, arg.arg, arg)
