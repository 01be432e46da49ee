"""One source module -> ``model.Module``: asks each scan question in turn and assembles the IR."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from belay_gen.compiler.model import DeviceClass, Function, Module
from belay_gen.compiler.scan.annotations import StubImports
from belay_gen.compiler.scan.bindings import DeviceBindings
from belay_gen.compiler.scan.board_defs import BoardDefFinder, Found
from belay_gen.compiler.scan.board_function import describe
from belay_gen.compiler.scan.imports import BoardImports
from belay_gen.compiler.scan.source import Source


def scan_module(source: str, *, filename: str, name: str) -> Module | None:
    """The board functions of one module's ``source``; ``None`` when it has none.

    ``filename`` is used in error messages, ``name`` is the module's board name.

    Raises:
        CompileError: the board cannot run something (``file:line:col: what; how to fix``).
        SpecialFunctionNameError: a board function's name is reserved.
    """
    parsed = Source(source, filename)
    bindings = DeviceBindings()
    bindings.read(parsed.module)
    finder = BoardDefFinder(parsed, bindings)
    finder.find()
    if not finder.found:
        return None
    functions = [describe(parsed, node, decs, owner=owner) for node, decs, owner in finder.found]
    _check_unique(parsed, finder.found)
    board = BoardImports(parsed, {f.name for f in functions})
    for node, _, _ in finder.found:
        board.add_function(node)
    stub = StubImports(parsed)
    for node, _, _ in finder.found:
        stub.add_function(node)
    return Module(
        name=name,
        filename=filename,
        functions=tuple(functions),
        classes=_device_classes(parsed, bindings, functions),
        board_imports=board.statements(),
        stub_imports=tuple(stub.imports),
        stub_aliases=tuple(stub.aliases),
    )


def _check_unique(source: Source, found: Sequence[Found]) -> None:
    seen: dict[str, cst.FunctionDef] = {}
    for node, _, _ in found:
        name = node.name.value
        if name in seen:
            line, _ = source.where(seen[name])
            raise source.error(
                node,
                f"a second board function named {name!r} (the first is at line {line}); "
                "the board module holds one of each: rename one",
            )
        seen[name] = node


def _device_classes(
    source: Source, bindings: DeviceBindings, functions: Sequence[Function]
) -> tuple[DeviceClass, ...]:
    """The module-level ``Device`` subclasses that have board functions (or inherit some)."""
    methods: dict[str, list[str]] = {}
    for function in functions:
        if function.owner is not None:
            methods.setdefault(function.owner, []).append(function.name)
    nodes = {
        n.name.value: n
        for n in source.module.body
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
            span=source.span(node),
        )
        for name, node in nodes.items()
        if has_methods(name)
    )
