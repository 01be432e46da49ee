"""``device(cmd)``: where a command's value is, what it imports, and running it.

The value of a command is its trailing expression statement;
:func:`~belay_gen.runtime.codec.wrap_trailing_expression` hands it to a board function (the
result frame, a timer, a proxy) in place, keeping every line where it was so board tracebacks
point at the user's lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from belay_gen.runtime.board_helpers import run_with_helpers
from belay_gen.runtime.dynamic import minify_source
from belay_gen.runtime.results import ResultForm
from belay_gen.runtime.session import Session


def imported_names(cmd: str) -> list[str]:
    """The names an ``import``/``from ... import`` command binds, in order (``[]`` when
    ``cmd`` is not only imports). ``import a.b`` binds ``a``."""
    try:
        tree = ast.parse(cmd)
    except SyntaxError:
        return []
    if not tree.body or not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body):
        return []
    names: list[str] = []
    for statement in tree.body:
        for alias in statement.names:  # type: ignore[attr-defined]
            if alias.name == "*":
                return []
            names.append(alias.asname or alias.name.split(".")[0])
    return names


@dataclass(frozen=True)
class CommandOptions:
    """``device(cmd)``'s options: ``stream_out`` takes prints (anything with ``write``),
    ``record`` keeps the command for replay after a reconnect."""

    minify: bool = True
    stream_out: Any = None
    record: bool = True
    timeout: float | None = None


def run_command(
    session: Session, code: str, plain: str, form: ResultForm, options: CommandOptions
) -> Any:
    """Run ``code`` (``plain`` with its value wrapped for ``form``) and return what the board
    sent. What is recorded for replay is ``plain``: a fresh connection lacks the helpers."""
    if options.minify:
        code, plain = minify_source(code), minify_source(plain)
    run: dict[str, Any] = {"stream_out": writer_for(options.stream_out), "timeout": options.timeout}
    if not form.needs_helpers:
        return session.run(code, record=options.record, **run)
    with session.lock:
        value = run_with_helpers(session, code, **run)
        if options.record:
            session.history.add_command(plain)
    return value


class _WriteOnly:
    """A ``stream_out`` that has ``write`` only (Belay asks no more of one)."""

    def __init__(self, stream: Any) -> None:
        self.write = stream.write

    def flush(self) -> None:
        pass


def writer_for(stream_out: Any) -> Any:
    """``stream_out``, given a no-op ``flush`` when it has none."""
    if stream_out is None or hasattr(stream_out, "flush"):
        return stream_out
    return _WriteOnly(stream_out)
