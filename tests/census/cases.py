"""The census table: every kind of bad or hostile input, as data.

A :class:`Case` is a category, the command line (``{project}``, ``{tmp}``, ``{http}``,
and ``{port}`` are filled in by the runner), the steps that prepare its folder,
and what a user should see: ``error`` (exit != 0, one ``error:`` line), ``ok`` (exit 0),
``raised`` (exit 1 with the board's traceback) or ``any`` (either, as long as it is clean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.census.steps import Step


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    args: tuple[str, ...]
    steps: tuple[Step, ...] = ()
    expect: str = "error"
    board: bool = False  # boots a virtual board (MicroPython VM)
    env: tuple[tuple[str, str], ...] = ()
    stdin: str | None = None  # a host path fed as stdin
    #: A finding in a file this census does not fix (where, what): not run under pytest.
    known: str = ""
    #: Mostly waits (a silent peer, a client's deadline): started before the others.
    slow: bool = False

    @property
    def command(self) -> str:
        words = [a for a in self.args if not a.startswith("-")] or ["belay-gen"]
        return " ".join(words[:2]) if words[0] == "cache" else words[0]

    @property
    def id(self) -> str:
        return f"{self.category}/{self.name}"


# The categories of the table.

ARGS = "arguments"
CONFIG = "pyproject"
LOCK = "lock and .belay-lib"
FILES = "host files"
HTTP = "HTTP server"
MANIFEST = "package.json/index"
WS = "WebSocket peer"
BOARD = "board answers"
VIRTUAL = "virtual board"
NETWORK = "network ports"
EMULATE = "emulate options"

_NO_PORT = "/dev/belay-gen-census-no-such-port"


def all_cases() -> list[Case]:
    """Every case, in table order."""
    from tests.census.table_local import local_cases
    from tests.census.table_network import network_cases
    from tests.census.table_remote import remote_cases

    return [*local_cases(), *remote_cases(), *network_cases()]


def ids() -> list[str]:
    return [case.id for case in all_cases()]


__all__ = ["Case", "all_cases", "ids"]
