"""Mirror a host folder onto the board.

``folder`` (the whole sync) uses ``local`` (host files -> bytes for the board), ``plan`` (pure
diff -> operations), ``wire`` (operations to the board's receiver), and the pure ``operations``
(receiver operations, batch framing) and ``hashes`` (one digest on both sides). The names below
load on first use, so importing the pure modules loads neither the raw REPL nor a transport.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport, sync_folder

__all__ = ["ProgressUpdate", "SyncReport", "sync_folder"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'belay_gen.runtime.sync' has no attribute {name!r}")
    from belay_gen.runtime.sync import folder

    value = getattr(folder, name)
    globals()[name] = value
    return value
