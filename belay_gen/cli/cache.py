"""``belay-gen cache info|clean``: where belay-gen keeps files between runs, and emptying it.

Two host caches live under one root (``BELAY_GEN_CACHE``, default ``$XDG_CACHE_HOME/belay-gen``
or ``~/.cache/belay-gen``): ``sync/``, files already minified or compiled by mpy-cross, by a
hash of tool and input; ``tasks/``, compiled ``@device.task`` functions, by a hash of source
and compiler. Downloads are not cached outside a project: each project keeps its dependencies
in ``.belay-lib/``, which ``update`` fills and ``clean`` prunes.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

import click

#: Cache entries are ``XX/XXXX...`` (sha256 hex), plus temp files of an interrupted write.
_SHARD = re.compile(r"^[0-9a-f]{2}$")
_ENTRY = re.compile(r"^\.?[0-9a-f]{64}(\.json)?(\..*\.tmp)?$")

DOWNLOADS_NOTE = (
    "downloads: not cached on this machine; each project keeps its dependencies in"
    " .belay-lib/ (belay-gen update fills it, belay-gen clean prunes it)"
)


@dataclass(frozen=True)
class CacheFiles:
    """The files of the transform cache under ``folder`` that belay-gen wrote."""

    folder: Path
    files: tuple[Path, ...]

    @property
    def size(self) -> int:
        """Their total size in bytes."""
        total = 0
        for path in self.files:
            with contextlib.suppress(OSError):  # deleted meanwhile
                total += path.lstat().st_size
        return total


def cache_folders() -> dict[str, Path]:
    """Each host cache by what it holds (the folders the library itself computes)."""
    from belay_gen.runtime.dynamic import task_cache_folder
    from belay_gen.runtime.sync.local import TransformCache

    return {
        "minify/mpy-cross cache": TransformCache().folder,
        "compiled task cache": task_cache_folder(),
    }


def cache_files(folder: Path) -> CacheFiles:
    """The cache entries in ``folder``: only names belay-gen writes, never through symlinks,
    so a cache folder pointed at the wrong place holds nothing ``clean`` would delete."""
    found: list[Path] = []
    try:
        shards = sorted(folder.iterdir())
    except OSError:
        return CacheFiles(folder, ())
    for shard in shards:
        if not _SHARD.match(shard.name) or shard.is_symlink() or not shard.is_dir():
            continue
        for path in sorted(shard.iterdir()):
            if _ENTRY.match(path.name) and not path.is_symlink() and path.is_file():
                found.append(path)
    return CacheFiles(folder, tuple(found))


def human_size(count: int) -> str:
    """``512 bytes``, ``1.5 KiB``, ``3.2 MiB``."""
    if count < 1024:
        return f"{count} byte{'' if count == 1 else 's'}"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


@click.group("cache")
def cache_command() -> None:
    """Show or empty belay-gen's cache of minified and compiled files (and where it is)."""


@cache_command.command("info")
def cache_info() -> None:
    """Say where the caches are and how much they hold."""
    for label, folder in cache_folders().items():
        cache = cache_files(folder)
        click.echo(f"{label}: {cache.folder} (set BELAY_GEN_CACHE to move the caches)")
        count = len(cache.files)
        click.echo(f"  {count} file{'' if count == 1 else 's'}, {human_size(cache.size)}")
    click.echo(DOWNLOADS_NOTE)


@cache_command.command("clean")
def cache_clean() -> None:
    """Delete the cached minified, compiled files and tasks (they are made again when needed)."""
    for folder in cache_folders().values():
        cache = cache_files(folder)
        size = cache.size
        for path in cache.files:
            path.unlink(missing_ok=True)
        for shard in {path.parent for path in cache.files}:
            with contextlib.suppress(OSError):  # not empty: what else is in there stays
                shard.rmdir()
        count = len(cache.files)
        click.echo(
            f"deleted {count} file{'' if count == 1 else 's'} ({human_size(size)})"
            f" from {cache.folder}"
        )
