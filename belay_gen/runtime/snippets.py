"""Board code that belay-gen sends, read from ``board/snippets`` and shrunk for the wire.

A snippet defines functions (named ``__belay_*``); the host parametrizes it by calling them,
never by formatting code. Each connection defines a snippet once: :func:`define_once` in a
round trip of its own, or :func:`undefined` + :func:`mark_defined` in front of the first code
that needs it, which costs no extra round trip.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources

from belay_gen.runtime.repl import RawRepl

#: Limit for defining a snippet's functions (upload and compile; nothing of the user's runs).
HELPER_TIMEOUT = 20.0


@functools.cache
def snippet(name: str) -> str:
    """The snippet file ``name``, minified when the minifier is available, blank lines dropped.

    Line numbers of a snippet do not matter, so every byte that is not code is left out.
    """
    text = resources.files("belay_gen.board.snippets").joinpath(name).read_text("utf-8")
    try:
        from belay_gen.compiler.minify import minify
    except ImportError:  # the minifier is optional here: the snippet runs either way
        pass
    else:
        text = minify(text)
    lines = (
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )
    return "\n".join(lines) + "\n"


def define_once(repl: RawRepl, name: str) -> None:
    """Define snippet ``name``'s functions on the board unless this connection already did.

    The record is cleared by a soft reset, so a later sync defines them again.
    """
    if name not in repl.defined:
        repl.exec_or_raise(snippet(name), timeout=HELPER_TIMEOUT)
        repl.defined.add(name)


def undefined(repl: RawRepl, names: Iterable[str]) -> str:
    """The text of the snippets in ``names`` this connection has not defined, to send in front
    of the code that calls them; :func:`mark_defined` once that code ran."""
    return "".join(snippet(name) for name in names if name not in repl.defined)


def mark_defined(repl: RawRepl, names: Iterable[str]) -> None:
    """Remember that ``names`` are defined on the board (until its next soft reset)."""
    repl.defined.update(names)
