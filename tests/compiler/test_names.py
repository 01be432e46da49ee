"""scan.names: where each name a function reads comes from, by Python's scoping rules.

The scan once asked libcst's ScopeProvider; names.py answers on the stdlib ast instead. The
oracle test holds it to ScopeProvider's answers for every function of the micropython-lib
corpus and of tricky snippets; the other tests pin the rules that matter to the board.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import (
    BuiltinScope,
    GlobalScope,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)

from belay_gen.compiler.scan.names import Names, Scope

_CONSTANTS = frozenset({"True", "False", "None"})
# A sixth of the micropython-lib corpus (libcst's scopes are slow; the whole corpus agrees).
CORPUS = sorted((Path(__file__).parent / "minify_corpus").glob("*.py.txt"))[::6]

TRICKY = textwrap.dedent(
    """\
    import os, a.b as ab
    from m import (x as y, z)
    LIMIT = 3

    def outer(p, q=LIMIT, *r, k: int = 1, **s) -> int:
        local = [i for i in range(p) if i > q]
        pairs = {i: j for i in r for j in range(i)}
        gen = (os.sep for _ in s)
        f = lambda u, v=local: u + v + LIMIT
        if (n := len(local)) > 1:
            pass
        try:
            pass
        except ValueError as error:
            print(error)
        with open(y) as handle, open(z) as other:
            pass
        match p:
            case [first, *rest]:
                print(first, rest)
            case {"k": value, **others}:
                print(value, others)
            case Point(x=px) | px:
                print(px)
        class Inner:
            attr = p
            other = attr

            def method(self):
                return attr, p, Inner

        def nested():
            nonlocal local
            global COUNTER
            COUNTER = 1
            local = 2
            return n, handle, ab, undefined_name

        del handle
        return nested

    def counter():
        global COUNTER
        COUNTER += 1
        return COUNTER
    """
)


Answers = dict[tuple[int, int, int, str], str]
"""(line of the def, line and column of the read, name) -> where the name comes from."""


def _oracle(text: str) -> Answers:
    """Per name read inside each function: libcst's answer (inside, enclosing, module,
    none), for functions at any depth."""
    wrapper = MetadataWrapper(cst.parse_module(text))
    scopes, positions = wrapper.resolve(ScopeProvider), wrapper.resolve(PositionProvider)
    answers: Answers = {}
    all_scopes = {s for s in scopes.values() if s is not None}
    for node in scopes:
        if not isinstance(node, cst.FunctionDef):
            continue
        own = scopes[node.body]
        assert own is not None
        inner = {s for s in all_scopes if _nested(s, own)}
        for scope in inner:
            for access in scope.accesses:
                if access.is_annotation or access.is_type_hint:
                    continue
                if not isinstance(access.node, cst.Name) or access.node.value in _CONSTANTS:
                    continue  # (ast reads True, False and None as constants)
                start = positions[access.node].start
                key = (positions[node].start.line, start.line, start.column, access.node.value)
                answers[key] = _libcst_answer(access.referents, inner)
    return answers


def _nested(scope: object, own: object) -> bool:
    probe = scope
    while probe is not None:
        if probe is own:
            return True
        parent = getattr(probe, "parent", None)
        probe = None if parent is probe else parent
    return False


def _libcst_answer(referents: object, inner: set[object]) -> str:
    found = list(referents)  # type: ignore[call-overload]
    if any(r.scope in inner for r in found):
        return "inside"
    found = [r for r in found if not isinstance(r.scope, BuiltinScope)]
    if not found:
        return "none"
    if all(isinstance(r.scope, GlobalScope) for r in found):
        return "module"
    return "enclosing"


def _ours(text: str) -> Answers:
    names = Names(ast.parse(text))
    answers: Answers = {}
    for scope in names.scopes.values():
        if not isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        inner = set(scope.within())
        for inside in inner:
            for read in inside.reads:
                key = (scope.node.lineno, read.lineno, read.col_offset, read.id)
                answers[key] = _our_answer(names, read.id, inside, inner)
    return answers


def _our_answer(names: Names, name: str, scope: Scope, inner: set[Scope]) -> str:
    found = names.resolve(name, scope)
    if found in inner:
        return "inside"
    if found is names.module:
        return "module" if names.bindings(name) else "none"
    return "enclosing"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name.removesuffix(".py.txt"))
def test_names_agree_with_libcst_scopes_on_the_corpus(path: Path) -> None:
    text = path.read_text()
    assert _ours(text) == _oracle(text)


def test_names_agree_with_libcst_scopes_on_tricky_code() -> None:
    # Where libcst is wrong, Python decides: a match capture binds (libcst reads it), and
    # `del x` makes x local without reading it.
    lines = TRICKY.splitlines()
    python_decides = {
        number
        for number, line in enumerate(lines, 1)
        if line.strip().startswith(("case ", "del "))
        or (number > 1 and lines[number - 2].strip().startswith("case "))
    }
    ours, theirs = _ours(TRICKY), _oracle(TRICKY)
    assert {k: v for k, v in ours.items() if k[1] not in python_decides} == {
        k: v for k, v in theirs.items() if k[1] not in python_decides
    }
    captured = {k[3]: v for k, v in ours.items() if k[1] in python_decides}
    expected = dict.fromkeys(("first", "rest", "value", "others", "px"), "inside")
    assert captured == {**expected, "print": "none", "Point": "none"}


def test_names_follow_pythons_rules() -> None:
    names = Names(ast.parse(TRICKY))
    outer = next(s for s in names.module.children if getattr(s.node, "name", "") == "outer")
    assert {"p", "q", "r", "k", "s", "local", "n", "error", "handle", "first"} <= outer.bound
    reads = {(r.id, s.kind) for s in outer.within() for r in s.reads}
    assert ("int", "function") not in reads  # annotations are not reads
    inner_class = next(s for s in outer.children if s.kind == "class")
    method = inner_class.children[0]
    attr = next(r for r in method.reads if r.id == "attr")
    assert names.resolve("attr", method) is names.module  # a class body is not enclosing
    assert attr is not None
    assert names.resolve("p", method) is outer
    assert [type(b).__name__ for b in names.bindings("COUNTER")] == ["Name", "Name"]
    assert [type(b).__name__ for b in names.bindings("ab")] == ["Import"]
