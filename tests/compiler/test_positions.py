"""Where a function's parts are: the scan reads positions from ast and the token stream; they
must be what libcst's PositionProvider says, for every def of the corpus and of odd layouts."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from belay_gen.compiler.model import Span
from belay_gen.compiler.scan import decorators, walk
from belay_gen.compiler.scan.board_function import lines_of
from belay_gen.compiler.scan.layout import FunctionLines
from belay_gen.compiler.scan.source import Source

# A sixth of the micropython-lib corpus (the whole corpus agrees; PositionProvider is slow).
CORPUS = sorted((Path(__file__).parent / "minify_corpus").glob("*.py.txt"))[3::6]

ODD = textwrap.dedent(
    '''\
    import micropython

    @(
        micropython.native  # a comment inside
    )
    @device.task
    def parenthesized(x):
        return x

    @device.task
    def suite(a, b=2): x = (a,
      b); return x  # a comment

    class Board(Device):
        @Device.task
        def method(é="ü"):
            s = """multi
      line
        string"""
            return s + "é"

        @micropython.viper
        @Device.task
        def native(a: int) -> int: return a  # é

    @device.task
    def f_string(a):
        return f"""x {a}
      y {a!r}"""

    @device.task
    def last(a, /, b):
        if a:
            pass
        # a comment after the body

    # and one at the end
    '''
)


def _functions(source: Source) -> list[cst.FunctionDef]:
    return [
        node
        for node in walk.compound_statements(source.module.body)
        if isinstance(node, cst.FunctionDef)
    ]


def _libcst_lines(
    source: Source, node: cst.FunctionDef, positions: Mapping[cst.CSTNode, CodeRange]
) -> tuple[FunctionLines, Span]:
    """lines_of and the span as the scan computed them from PositionProvider."""
    first = positions[node.decorators[0]] if node.decorators else positions[node]
    suite = node.body
    if isinstance(suite, cst.SimpleStatementSuite):
        body_line, one_line = positions[suite].start.line, source.code(suite)
    else:
        body_line, one_line = positions[suite.body[0]].start.line, None
    strings = _Strings(positions)
    node.visit(strings)
    lines = FunctionLines(
        first=first.start.line,
        def_line=positions[node].start.line,
        body_line=body_line,
        last=positions[node].end.line,
        kept=tuple(
            (positions[d].start.line, positions[d].end.line)
            for d in node.decorators
            if decorators.runs_on_board(d)
        ),
        in_string=frozenset(strings.lines),
        suite=one_line,
    )
    end = positions[node].end
    span = Span(first.start.line, first.start.column + 1, end.line, end.column + 1)
    return lines, span


class _Strings(cst.CSTVisitor):
    def __init__(self, positions: Mapping[cst.CSTNode, CodeRange]) -> None:
        super().__init__()
        self.positions = positions
        self.lines: set[int] = set()

    def _string(self, node: cst.CSTNode) -> bool:
        where = self.positions[node]
        self.lines.update(range(where.start.line + 1, where.end.line + 1))
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        return self._string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        return self._string(node)


def _normalised(lines: FunctionLines) -> FunctionLines:
    """libcst's one-line suite text starts after the colon: compare it stripped."""
    suite = lines.suite.strip() if lines.suite is not None else None
    return FunctionLines(
        lines.first, lines.def_line, lines.body_line, lines.last, lines.kept,
        lines.in_string, suite,
    )  # fmt: skip


def _check(text: str) -> int:
    source = Source(text, "m.py")
    functions = _functions(source)
    positions = MetadataWrapper(source.module, unsafe_skip_copy=True).resolve(PositionProvider)
    for node in functions:
        theirs_lines, theirs_span = _libcst_lines(source, node, positions)
        ours_lines = lines_of(source, node)
        ours_span = source.span(node, source.decorated_start(node))
        assert _normalised(ours_lines) == _normalised(theirs_lines), node.name.value
        assert ours_span == theirs_span, node.name.value
    return len(functions)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name.removesuffix(".py.txt"))
def test_positions_agree_with_libcst_on_the_corpus(path: Path) -> None:
    assert _check(path.read_text()) > 0


def test_positions_agree_with_libcst_on_odd_layouts() -> None:
    assert _check(ODD) == 6
