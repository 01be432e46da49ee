"""Mirror a host folder onto the board: ``local`` (host files), ``plan`` (pure diff),
``wire`` (bytes to the board's receiver), ``hashes`` (one digest on both sides)."""

from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport, sync_folder

__all__ = ["ProgressUpdate", "SyncReport", "sync_folder"]
