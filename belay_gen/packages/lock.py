"""``belay.lock``: which files each dependency owns in ``.belay-lib``, their origin and sha256.

JSON with sorted keys, so it diffs well in git::

    {
      "dependencies": {
        "ssd1306": {
          "files": {
            "ssd1306/__init__.py": {
              "sha256": "9f2c...",
              "url": "https://raw.githubusercontent.com/org/repo/HEAD/ssd1306.py"
            }
          },
          "group": "main",
          "sources": [{"rename_to_init": true, "uri": "github:org/repo/ssd1306.py"}]
        }
      },
      "version": 1
    }

``sources`` is the dependency as ``pyproject.toml`` wrote it, to notice when it was edited;
local files are recorded relative to the project.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from belay_gen.errors import PackageError
from belay_gen.files import write_atomic
from belay_gen.packages.paths import LOCK_FILE, read_capped, unsafe_reason

LOCK_VERSION = 1
#: A lock larger than this is not one belay-gen wrote (thousands of files take ~1 MiB).
MAX_LOCK_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class LockedFile:
    """Where a file came from and its hex sha256."""

    url: str
    sha256: str


@dataclass(frozen=True)
class LockEntry:
    """One dependency in ``belay.lock``."""

    group: str
    sources: tuple[Mapping[str, object], ...]
    files: Mapping[str, LockedFile] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "sources": [dict(source) for source in self.sources],
            "files": {
                dest: {"url": locked.url, "sha256": locked.sha256}
                for dest, locked in sorted(self.files.items())
            },
        }


@dataclass
class Lock:
    """The whole lock file: dependency name → :class:`LockEntry`."""

    entries: dict[str, LockEntry] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Lock:
        """Read ``path``; an empty lock when it does not exist.

        Raises :class:`PackageError` when the file is damaged or names an unsafe path.
        """
        if not path.exists() and not path.is_symlink():
            return cls()
        try:
            document = json.loads(read_capped(path, MAX_LOCK_BYTES).decode("utf-8"))
            if document.get("version") != LOCK_VERSION:
                raise ValueError(f"unknown version {document.get('version')!r}")
            entries = {
                name: _entry(name, entry) for name, entry in document["dependencies"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise PackageError(
                f"{path} is damaged ({exc}): restore it from git, or delete it and run"
                " belay-gen update"
            ) from None
        return cls(entries)

    def write(self, path: Path) -> None:
        """Write the lock atomically."""
        document = {
            "version": LOCK_VERSION,
            "dependencies": {name: entry.to_json() for name, entry in sorted(self.entries.items())},
        }
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        write_atomic(path, text.encode())

    def owned(self, *, excluding: str | None = None) -> dict[str, str]:
        """File → the (first) dependency owning it, leaving out ``excluding``."""
        owners: dict[str, str] = {}
        for name, entry in sorted(self.entries.items()):
            if name != excluding:
                for dest in entry.files:
                    owners.setdefault(dest, name)
        return owners


def _entry(name: str, entry: Any) -> LockEntry:
    reason = unsafe_reason(name)
    if reason is not None or "/" in name:
        raise ValueError(f"dependency name {name!r} is not a plain name")
    files = {}
    for dest, locked in entry["files"].items():
        reason = unsafe_reason(dest)
        if reason is not None:
            raise ValueError(f"{name}: file {dest!r} {reason}")
        if not isinstance(locked["url"], str) or not isinstance(locked["sha256"], str):
            raise ValueError(f"{name}: {dest} needs url and sha256 strings")
        files[dest] = LockedFile(locked["url"], locked["sha256"])
    sources = tuple(dict(source) for source in entry["sources"])
    return LockEntry(str(entry["group"]), sources, files)


__all__ = ["LOCK_FILE", "Lock", "LockEntry", "LockedFile"]
