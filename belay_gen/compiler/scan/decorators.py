"""What does a decorator say? A device decorator (``@X.task``, ``@X.thread(minify=False)``...)
names a kind and literal options; any other decorator either runs on the board
(``@micropython.native``), is dropped with the device decorators (``@staticmethod``), or is an
error."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from belay_gen.compiler.model import DECORATOR_KINDS, OPTIONS
from belay_gen.compiler.scan.bindings import dotted
from belay_gen.compiler.scan.literals import NOT_LITERAL, literal_value
from belay_gen.compiler.scan.source import Source

# `@micropython.<this>`: MicroPython's compiler applies these itself (no import needed).
BOARD_DECORATORS = frozenset({"native", "viper", "bytecode", "asm_thumb", "asm_xtensa", "asm_rv32"})
# Decorators that only matter on the host and are dropped with the device decorators.
HOST_ONLY_DECORATORS = frozenset({"staticmethod"})


def kind_attribute(node: cst.BaseExpression) -> cst.Attribute | None:
    """``node`` when it is an ``X.task`` (``.thread``, ``.setup``, ``.teardown``), any ``X``."""
    if isinstance(node, cst.Attribute) and node.attr.value in DECORATOR_KINDS:
        return node
    return None


def device_attribute(decorator: cst.Decorator) -> cst.Attribute | None:
    """The ``X.task`` of ``@X.task`` or ``@X.task(...)`` (any ``X``), else ``None``."""
    target = decorator.decorator
    return kind_attribute(target.func if isinstance(target, cst.Call) else target)


def device_kind(decorator: cst.Decorator) -> str | None:
    """``"task"``, ``"thread"``, ``"setup"`` or ``"teardown"`` for a device decorator."""
    attribute = device_attribute(decorator)
    return None if attribute is None else attribute.attr.value


def runs_on_board(decorator: cst.Decorator) -> bool:
    """True for a decorator the board text keeps (neither a device nor a host-only one)."""
    target = decorator.decorator
    host_only = isinstance(target, cst.Name) and target.value in HOST_ONLY_DECORATORS
    return device_attribute(decorator) is None and not host_only


def options(
    source: Source, decorators: Sequence[tuple[cst.Decorator, str]], kind: str
) -> dict[str, object]:
    """The literal keyword options of the device decorators (``minify=False``...), checked
    against the kind's option table."""
    found: dict[str, object] = {}
    for decorator, _ in decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call):
            continue
        for arg in call.args:
            if arg.keyword is None or arg.star:
                raise source.error(
                    arg, f"@...{kind}(...) takes keyword options only (minify=..., ...)"
                )
            key = arg.keyword.value
            if key not in OPTIONS[kind]:
                known = ", ".join(sorted(OPTIONS[kind]))
                raise source.error(arg, f"unknown {kind} option {key!r}; known: {known}")
            value = literal_value(arg.value, source.code)
            if value is NOT_LITERAL:
                raise source.error(
                    arg.value, f"the {key!r} option must be a literal (True, False, 'name')"
                )
            found[key] = value
    return found


def check_other_decorators(source: Source, node: cst.FunctionDef, *, owner: str | None) -> None:
    """Refuse a non-device decorator the board cannot run (``@staticmethod`` is fine on a
    method: the host drops it)."""
    for decorator in node.decorators:
        if device_attribute(decorator) is not None:
            continue
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        module, _, last = (dotted(target) or "").rpartition(".")
        if module == "micropython" and last in BOARD_DECORATORS:
            continue
        if owner is not None and last in HOST_ONLY_DECORATORS:
            continue
        raise source.error(
            decorator,
            f"the board cannot run the decorator @{source.code(decorator.decorator)} "
            f"of {node.name.value}(): remove it, or apply it inside the function",
        )
