"""The package manager: ``[tool.belay]`` dependencies → ``.belay-lib`` + ``belay.lock`` → board.

``update`` downloads (:mod:`.update`), ``clean`` drops what is no longer listed, ``install``
syncs to a board (:mod:`.install`), ``new_project`` scaffolds (:mod:`.scaffold`).
"""

from belay_gen.packages.config import Dependency, Group, ProjectConfig, Source, load_project
from belay_gen.packages.fetch import Fetcher
from belay_gen.packages.locate import Endpoints
from belay_gen.packages.lock import Lock
from belay_gen.packages.paths import LIB_DIR, LOCK_FILE
from belay_gen.packages.update import UpdateReport, clean, update

__all__ = [
    "LIB_DIR",
    "LOCK_FILE",
    "Dependency",
    "Endpoints",
    "Fetcher",
    "Group",
    "Lock",
    "ProjectConfig",
    "Source",
    "UpdateReport",
    "clean",
    "load_project",
    "update",
]
