"""Host file helpers shared by all: atomic writes, and folder walking with ignore rules."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from belay_gen.errors import SyncInputError

#: Left out of a walk unless the caller passes its own patterns (Belay's defaults).
DEFAULT_IGNORE = ("*.pyc", "__pycache__", ".DS_Store", ".pytest_cache")


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temp file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class FolderTree:
    """What a walk found: ``files`` and ``dirs`` as sorted POSIX paths relative to ``base``.

    ``single_file`` is set when the walk was given a file: ``base`` is then its folder and
    ``files`` its name alone.
    """

    base: Path
    files: tuple[str, ...]
    dirs: tuple[str, ...]
    single_file: bool = False


def resolve_ignore(ignore: str | Sequence[str] | None) -> list[str]:
    """The ignore patterns: :data:`DEFAULT_IGNORE` for ``None``, one pattern for a string.

    Raises :class:`SyncInputError` (a ``ValueError``) for anything else.
    """
    if ignore is None:
        return list(DEFAULT_IGNORE)
    if isinstance(ignore, str):
        return [ignore]
    if isinstance(ignore, (list, tuple)):
        return [str(pattern) for pattern in ignore]
    raise SyncInputError(f"ignore must be a pattern or a list of patterns, not {ignore!r}")


def discover(folder: Path, ignore: Sequence[str]) -> FolderTree:
    """List the files and folders under ``folder`` not matched by git-wildmatch ``ignore``.

    Ignored folders are not entered; only regular files are listed. A single file is allowed
    and lists as itself. Raises :class:`FileNotFoundError` when ``folder`` does not exist and
    :class:`NotADirectoryError` when it is neither a file nor a folder (a socket, a device).
    """
    if folder.is_file():
        return FolderTree(folder.parent, (folder.name,), (), single_file=True)
    if not folder.exists():
        raise FileNotFoundError(f"{folder} does not exist")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is neither a file nor a folder")
    import pathspec  # only the paths that walk folders need it

    spec = pathspec.GitIgnoreSpec.from_lines(ignore)
    files: list[str] = []
    dirs: list[str] = []
    for current, subdirs, names in os.walk(folder):
        rel_dir = Path(current).relative_to(folder).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        kept = []
        for name in sorted(subdirs):
            rel = prefix + name
            if not spec.match_file(rel + "/"):
                kept.append(name)
                dirs.append(rel)
        subdirs[:] = kept  # do not descend into ignored folders
        for name in sorted(names):
            rel = prefix + name
            if not spec.match_file(rel) and (Path(current) / name).is_file():
                files.append(rel)
    return FolderTree(folder, tuple(sorted(files)), tuple(sorted(dirs)))


def cache_root() -> Path:
    """The folder of belay-gen's host caches: ``BELAY_GEN_CACHE`` when set, else
    ``$XDG_CACHE_HOME/belay-gen`` (``~/.cache/belay-gen``). Each cache is a subfolder of it
    (``sync`` for minified and mpy-cross output, ``tasks`` for compiled ``@device.task``s)."""
    env = os.environ.get("BELAY_GEN_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "belay-gen"


@contextlib.contextmanager
def merged_package_folders(
    package: ModuleType | str, subfolders: Sequence[str | Path]
) -> Iterator[Path]:
    """A temporary folder holding ``subfolders`` of an installed Python ``package``, copied
    in order (later ones win), removed on exit (Belay's ``sync_dependencies``)."""
    import shutil
    from importlib import resources

    files = resources.files(package)
    with tempfile.TemporaryDirectory(prefix="belay-gen-package-") as folder:
        for subfolder in subfolders:
            with resources.as_file(files / str(subfolder)) as source:
                shutil.copytree(source, folder, dirs_exist_ok=True)
        yield Path(folder)
