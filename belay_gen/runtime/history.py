"""What a reconnect replays: the definitions and recent commands of a session, in order."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Commands (``device(cmd)`` with ``record=True``) a reconnect replays: the most recent ones.
MAX_COMMANDS = 1000


@dataclass(frozen=True)
class Exec:
    """Replay by running ``code`` on the board."""

    code: str


@dataclass(frozen=True)
class Sync:
    """Replay by syncing ``folder`` again with the same ``options`` (``sync_folder``'s)."""

    folder: Path
    options: Mapping[str, Any]


Step = Exec | Sync


class History:
    """What a reconnect replays, in the order it was made.

    Definitions are kept by name and never evicted: a task or thread (``def NAME``), a
    recorded setup run (``run NAME``), a generated module (``module NAME``), a sync (``sync
    FOLDER DST``). A re-definition replaces the earlier one in its place, so what was defined
    before a command still is when the command is replayed. Commands are bounded: the most
    recent ``max_commands`` are kept.
    """

    def __init__(self, max_commands: int = MAX_COMMANDS) -> None:
        self._order = itertools.count()
        self._definitions: dict[str, tuple[int, Step]] = {}
        self._commands: deque[tuple[int, Step]] = deque(maxlen=max_commands)

    def define(self, name: str, step: Step) -> None:
        """Keep ``step`` as the definition ``name`` (replacing, in place, an earlier one)."""
        earlier = self._definitions.get(name)
        position = earlier[0] if earlier is not None else next(self._order)
        self._definitions[name] = (position, step)

    def add_command(self, code: str) -> None:
        """Keep the command ``code`` (the oldest command goes when there are too many)."""
        self._commands.append((next(self._order), Exec(code)))

    @property
    def definitions(self) -> list[str]:
        """The names of the definitions, in replay order."""
        return list(self._definitions)

    def __len__(self) -> int:
        return len(self._definitions) + len(self._commands)

    def __iter__(self) -> Iterator[Step]:
        # A definition keeps the position of its first version, so both sources are sorted.
        merged = heapq.merge(self._definitions.values(), self._commands, key=lambda e: e[0])
        return (step for _, step in merged)
