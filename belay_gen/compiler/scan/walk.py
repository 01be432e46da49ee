"""libcst statements without their expressions: a walk over a module's statements only.

A libcst visitor calls back on every node, and most nodes are expressions. Questions about
statements (which ``def``s and classes there are, what imports and assignments bind) walk
only these: a small fraction of the nodes, without the visitor machinery.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

BLOCK_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")
"""The fields of compound statements holding blocks, in source order (in libcst and ast)."""


def statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """The statements of a block, each line of small statements (``a = 1; import b``) as
    its small statements."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        else:
            yield statement


def blocks(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The statements in a compound statement's blocks, in source order (an ``elif`` is one
    statement; lines of small statements are left whole: see :func:`statements`)."""
    for name in BLOCK_FIELDS:
        value = getattr(node, name, None)
        if isinstance(value, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            yield from value.body
        elif isinstance(value, cst.If):
            yield value
        elif isinstance(value, (list, tuple)):
            for part in value:
                yield from blocks(part)
        elif isinstance(value, (cst.Else, cst.Finally)):
            yield from blocks(value)


def every_statement(body: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every statement under ``body``, nested ones too, in source order."""
    for statement in statements(body):
        yield statement
        if isinstance(statement, cst.BaseCompoundStatement):
            yield from every_statement(list(blocks(statement)))


def compound_statements(body: Sequence[cst.CSTNode]) -> Iterator[cst.BaseCompoundStatement]:
    """Every compound statement (``def``, ``class``, ``if``...) under ``body``, in source
    order."""
    for statement in body:
        if isinstance(statement, cst.BaseCompoundStatement):
            yield statement
            yield from compound_statements(list(blocks(statement)))
