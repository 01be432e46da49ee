"""Generated board modules (``belay-gen build`` output) made current on a board."""

from __future__ import annotations

from belay_gen.runtime.codec import RESULT_FUNCTION
from belay_gen.runtime.history import Exec
from belay_gen.runtime.session import Session


def install_module(
    session: Session, name: str, code: str, code_hash: str, *, path: str | None = None
) -> bool:
    """Make the board module ``name`` current and import it; True when it uploaded.

    One round trip compares the ``__belay_hash__`` line at the top of the installed file
    with ``code_hash``; only on a mismatch is ``code`` uploaded (binary, written to a temp
    file and renamed). The import is recorded for replay after a reconnect.
    """
    target = path or f"/lib/{name}.py"
    check = f"{RESULT_FUNCTION}(__belay_import_current({target!r},{code_hash!r},{name!r}))"
    with session.lock:
        current = session.run(check, needs=("module.py",)) is True
        if not current:
            from belay_gen.runtime.sync.wire import write_files

            write_files(session.repl, {target: code.encode()})
            session.run(f"__belay_import({name!r},1)", needs=("module.py",))
        session.history.define(f"module {name}", Exec(f"import {name}"))
    return not current
