"""pyformat.literal: the stub's default values read back as the very same values."""

from __future__ import annotations

import ast

import pytest

from belay_gen.compiler.emit import pyformat

VALUES: list[object] = [
    set(),
    {1, 2},
    (),
    (1,),
    [],
    {},
    {"a": {3}},
    b'q"',
    b"x'",
    'say "hi"',
    -1.5,
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_literal_reads_back_as_the_same_value(value: object) -> None:
    text = pyformat.literal(value)
    back = ast.literal_eval(text)
    assert (back, type(back)) == (value, type(value)), text
