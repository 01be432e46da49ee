"""What ``sync`` changes on the board: compare the local tree with the board's listing.

Pure functions on paths and hashes: no I/O, and nothing that reaches the board. Board paths
are absolute (``/lib/x.py``); the listing and the local tree use paths relative to ``dst``.
Nothing outside ``dst`` appears in a plan except the folders leading to ``dst`` when it does
not exist yet.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field

from belay_gen.errors import ProtocolError, SyncInputError
from belay_gen.runtime.sync.hashes import ALGORITHMS, file_hash
from belay_gen.runtime.sync.operations import (
    OP_END,
    OP_MKDIR,
    OP_REMOVE,
    OP_RMDIR,
    OP_WRITE,
    TEMP_SUFFIX,
    Content,
    Operation,
    content_bytes,
)

#: Kept on the board when ``dst`` is ``/`` and ``keep`` is ``None`` (Belay's default).
DEFAULT_KEEP = ("boot.py", "webrepl_cfg.py", "lib")


@dataclass(frozen=True)
class RemoteTree:
    """The board's files under ``dst``: ``files`` maps a relative path to ``(hash, size)``."""

    algorithm: str
    files: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    dirs: Set[str] = frozenset()
    exists: bool = True
    #: When ``dst`` is missing: its deepest ancestor that exists.
    ancestor: str = "/"


@dataclass(frozen=True)
class Plan:
    """The changes, in the order they are applied: removals, new folders, uploads."""

    removes: tuple[str, ...] = ()
    rmdirs: tuple[str, ...] = ()
    mkdirs: tuple[str, ...] = ()
    uploads: tuple[tuple[str, Content], ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the board already matches."""
        return not (self.removes or self.rmdirs or self.mkdirs or self.uploads)

    def operations(self) -> list[Operation]:
        """The plan as receiver operations, ending with ``OP_END``."""
        ops = [Operation(OP_REMOVE, path) for path in self.removes]
        ops += [Operation(OP_RMDIR, path) for path in self.rmdirs]
        ops += [Operation(OP_MKDIR, path) for path in self.mkdirs]
        ops += [Operation(OP_WRITE, path, data) for path, data in self.uploads]
        ops.append(Operation(OP_END, ""))
        return ops


def normalize_dst(dst: str) -> str:
    """``dst`` as a clean absolute board path; rejects relative paths and ``..``.

    >>> normalize_dst("/lib/")
    '/lib'
    """
    text = str(dst)
    if not text.startswith("/"):
        raise SyncInputError(
            f"dst {text!r} is not an absolute board path; use one starting with '/', such as"
            " '/' or '/lib'"
        )
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SyncInputError(f"dst {text!r} climbs out with '..'; name the folder directly")
    return "/" + "/".join(parts)


def board_path(dst: str, rel: str) -> str:
    """``rel`` (relative to ``dst``) as an absolute board path."""
    return dst + rel if dst == "/" else f"{dst}/{rel}"


def resolve_keep(
    keep: bool | str | Sequence[str] | None, dst: str, single_file: bool
) -> tuple[bool, tuple[str, ...]]:
    """``(keep_all, kept paths relative to dst)`` from Belay's ``keep`` argument.

    ``True`` (or syncing a single file) deletes nothing; ``False`` or ``[]`` deletes every
    unsynced file; ``None`` keeps :data:`DEFAULT_KEEP` when ``dst`` is ``/``. Absolute entries
    outside ``dst`` are meaningless (nothing there is touched) and dropped.
    """
    if keep is True or single_file:
        return True, ()
    if keep is None:
        entries: Sequence[str] = DEFAULT_KEEP if dst == "/" else ()
    elif keep is False:
        entries = ()
    elif isinstance(keep, str):
        entries = (keep,)
    elif isinstance(keep, (list, tuple)):
        entries = [str(entry) for entry in keep]
    else:
        raise SyncInputError(f"keep must be a bool, a path or a list of paths, not {keep!r}")
    rels = []
    prefix = "" if dst == "/" else dst + "/"
    for entry in entries:
        parts = [part for part in entry.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise SyncInputError(f"keep entry {entry!r} climbs out with '..'; name it directly")
        if entry.startswith("/"):
            full = "/" + "/".join(parts)
            if not full.startswith(prefix) or full == dst:
                continue
            parts = full[len(prefix) :].strip("/").split("/")
        if parts:
            rels.append("/".join(parts))
    return False, tuple(rels)


def parse_listing(text: str) -> RemoteTree:
    """Read the output of the board's ``sync_hashes`` snippet."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        raise ProtocolError("the board's file listing was empty")
    head = lines[0].strip()
    if head.startswith("missing "):
        ancestor = _board_string(head[len("missing ") :])
        return RemoteTree(ALGORITHMS[0], exists=False, ancestor=ancestor or "/")
    if head == "file":
        raise SyncInputError("dst is a file on the board; pass a folder (or remove the file)")
    if head not in ALGORITHMS:
        raise ProtocolError(f"the board's file listing began with {head[:80]!r}")
    files: dict[str, tuple[str, int]] = {}
    dirs: set[str] = set()
    for line in lines[1:]:
        try:
            digest, size, name = line.strip().split(" ", 2)
            rel = _board_string(name)
            if rel is None:
                raise ValueError(name)
            if digest == "d":
                dirs.add(rel)
            else:
                files[rel] = (digest, int(size))
        except (ValueError, SyntaxError):
            raise ProtocolError(
                f"unexpected line in the board's file listing: {line[:80]!r}"
            ) from None
    return RemoteTree(head, files, frozenset(dirs))


#: A board path is far shorter; a longer "name" is not one the board's snippet printed.
_MAX_NAME = 4096


def _board_string(text: str) -> str | None:
    """The ``repr`` of a string as the board printed it, or ``None`` when ``text`` is not one.

    Board output is untrusted: anything but a quoted string literal of sane length is refused
    before ``literal_eval`` sees it (a nested ``{[1]: 2}`` raises TypeError there, a deeply
    nested expression MemoryError).
    """
    if len(text) > _MAX_NAME or text[:1] not in ("'", '"'):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _kept(rel: str, keep: Sequence[str]) -> bool:
    return any(rel == k or rel.startswith(k + "/") for k in keep)


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def make_plan(
    dst: str,
    remote: RemoteTree,
    local_files: Mapping[str, Content],
    local_dirs: Set[str],
    *,
    keep_all: bool,
    keep: Sequence[str] = (),
) -> Plan:
    """Decide what to upload, create and delete so that the board under ``dst`` matches.

    ``local_files`` maps paths relative to ``dst`` to the bytes the board should hold (only
    those the board already has a file for are waited for, to compare hashes). A
    board file where a local folder goes (or a folder where a local file goes) is removed
    even with ``keep_all``, since that path is synced; an explicit ``keep`` entry that would
    have to go raises :class:`SyncInputError`.
    """
    local_dirs = set(local_dirs) | {p for rel in local_files for p in _parents(rel)}
    remove: set[str] = set()
    for rel in remote.files:
        if rel in local_files:
            continue
        conflict = rel in local_dirs
        if rel.endswith(TEMP_SUFFIX) or conflict or (not keep_all and not _kept(rel, keep)):
            if conflict and _kept(rel, keep):
                raise SyncInputError(
                    f"cannot create folder {board_path(dst, rel)}: a kept file has that name"
                    " on the board; remove it or leave it out of keep"
                )
            remove.add(rel)
    rmdirs: set[str] = set()
    for rel in remote.dirs:
        if rel in local_dirs:
            continue
        conflict = rel in local_files
        inside = [f for f in remote.files if f.startswith(rel + "/")]
        inside += [d for d in remote.dirs if d.startswith(rel + "/")]
        blocked = _kept(rel, keep) or any(_kept(f, keep) for f in inside)
        if conflict and blocked:
            raise SyncInputError(
                f"cannot upload {board_path(dst, rel)}: the board has a folder there that keep"
                " protects; remove it or leave it out of keep"
            )
        if conflict:
            remove.update(f for f in inside if f in remote.files)
            rmdirs.update([rel, *(d for d in inside if d in remote.dirs)])
    if not keep_all:
        # A folder goes when everything in it goes and nothing local or kept needs it.
        for rel in remote.dirs:
            if rel in local_dirs or _kept(rel, keep):
                continue
            files = [f for f in remote.files if f.startswith(rel + "/")]
            subdirs = [d for d in remote.dirs if d.startswith(rel + "/")]
            needed = any(d in local_dirs or _kept(d, keep) for d in subdirs)
            if all(f in remove for f in files) and not needed:
                rmdirs.add(rel)
    uploads = []
    unchanged = []
    for rel in sorted(local_files):
        have = remote.files.get(rel)
        if have is not None:
            data = content_bytes(local_files[rel])
            if have == (file_hash(remote.algorithm, data), len(data)):
                unchanged.append(board_path(dst, rel))
                continue
        uploads.append((board_path(dst, rel), local_files[rel]))
    mkdirs = [] if remote.exists else _dst_chain(dst, remote.ancestor)
    mkdirs += [board_path(dst, rel) for rel in sorted(local_dirs) if rel not in remote.dirs]
    return Plan(
        removes=tuple(board_path(dst, rel) for rel in sorted(remove)),
        rmdirs=tuple(
            board_path(dst, rel) for rel in sorted(rmdirs, key=lambda r: (-r.count("/"), r))
        ),
        mkdirs=tuple(mkdirs),
        uploads=tuple(uploads),
        unchanged=tuple(unchanged),
    )


def _dst_chain(dst: str, ancestor: str) -> list[str]:
    """The folders from below ``ancestor`` (which exists) down to ``dst``."""
    parts = dst.strip("/").split("/") if dst != "/" else []
    chain = ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]
    start = ancestor.rstrip("/") + "/"
    return [path for path in chain if path.startswith(start) or ancestor == "/"]
