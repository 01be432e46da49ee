"""The one parameter-kind walk: reading a def's parameters and writing them back agree."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from belay_gen.compiler.model import Parameter
from belay_gen.compiler.parameters import parameter_list, read

SIGNATURES = [
    "",
    "a",
    "a, /",
    "a, /, b",
    "a, b=1, /, c=2",
    "*args",
    "*, a",
    "a, *, b, c=3",
    "a, *args, b, **kw",
    "a, /, b, *args, c, d=4, **kw",
    "**kw",
]


def parameters_of(signature: str) -> list[Parameter]:
    module = cst.parse_module(f"def f({signature}): pass\n")
    node = module.body[0]
    assert isinstance(node, cst.FunctionDef)
    return [
        Parameter(p.name.value, kind, None, module.code_for_node(p.default) if p.default else None)
        for p, kind in read(node.params)
    ]


@pytest.mark.parametrize("signature", SIGNATURES)
def test_writing_what_was_read_gives_the_same_signature(signature: str) -> None:
    def item(param: Parameter) -> str:
        return param.name if param.default is None else f"{param.name}={param.default}"

    written = ", ".join(parameter_list(parameters_of(signature), item))
    assert ast.dump(ast.parse(f"def f({written}): pass")) == ast.dump(
        ast.parse(f"def f({signature}): pass")
    )


def test_kinds_come_in_python_order() -> None:
    kinds = [p.kind for p in parameters_of("a, /, b, *args, c, **kw")]
    assert kinds == [
        "positional_only", "positional_or_keyword", "var_positional", "keyword_only",
        "var_keyword",
    ]  # fmt: skip
    assert parameter_list(parameters_of("a, /, *, b"), lambda p: p.name) == ["a", "/", "*", "b"]
