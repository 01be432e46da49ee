"""Fuzz the board's file listing (``sync`` answers): only ProtocolError and SyncInputError
(both documented) may come out, never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belay_gen.errors import ProtocolError, SyncInputError
from belay_gen.runtime.sync.plan import ALGORITHMS, RemoteTree, parse_listing
from tests.fuzz.conftest import FUZZ

DEEP = "-" * 100_000 + "1"  # literal_eval: MemoryError (the parser's stack), not SyntaxError
NAMES = st.one_of(
    st.text(max_size=12).map(repr),
    st.text(max_size=12),
    st.sampled_from(["{[1]: 2}", "{[]}", "[" * 300, "b'x'", "1", "'a/../b'", DEEP]),
)
ENTRY = st.builds(
    lambda digest, size, name: f"{digest} {size} {name}",
    st.sampled_from(["d", "0" * 8, "abc", ""]),
    st.one_of(st.integers().map(str), st.text(max_size=4)),
    NAMES,
)
HEAD = st.one_of(
    st.sampled_from([*ALGORITHMS, "file", "missing '/lib'"]),
    NAMES.map(lambda name: f"missing {name}"),
    st.text(max_size=10),
)
LISTINGS = st.one_of(
    st.text(),
    st.builds(lambda head, lines: "\r\n".join([head, *lines]), HEAD, st.lists(ENTRY, max_size=6)),
)

#: Listings the fuzzer once found crashing parse_listing (TypeError, MemoryError).
HOSTILE = [
    f"{ALGORITHMS[0]}\nabc 1 {{[1]: 2}}",
    "missing {[]}",
    f"{ALGORITHMS[0]}\nabc 1 {DEEP}",
    f"missing {DEEP}",
]


@FUZZ
@given(LISTINGS)
def test_parse_listing_raises_only_documented_errors(text: str) -> None:
    try:
        tree = parse_listing(text)
    except (ProtocolError, SyncInputError):
        return
    assert isinstance(tree, RemoteTree)
    assert all(isinstance(rel, str) for rel in tree.files)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_are_a_protocol_error_or_the_root(text: str) -> None:
    try:
        tree = parse_listing(text)
    except ProtocolError:
        return
    assert not tree.exists and tree.ancestor == "/"
