"""What ``sync`` sends the board's receiver, as pure data: operations and their batch framing.

The receiver (``board/snippets/sync_receiver.py``) reads length-prefixed batches::

    batch = 0xB5, u16 length L (little-endian), L bytes of frames, 0x5B
    frame = op byte, u16 payload length, payload
    ops   = d mkdir PATH | o open PATH (as PATH.belay-tmp) | w write DATA
            | c close + rename to PATH | x remove file PATH | r remove folder PATH
            | f whole file: u8 K, u8 N, N bytes, DATA (o + w + c in one frame; its PATH is
              the first K characters of the last PATH, then the N UTF-8 bytes) | z end

A file that fits in the room left in a batch goes as one ``f`` frame, which names it by what
its path shares with the one before (``/lib/m001.py`` after ``/lib/m000.py`` is 3 + 5 bytes
of names): many small files cost little framing. Larger files stream as ``o``, ``w``..., ``c``.

No I/O here: :mod:`belay_gen.runtime.sync.wire` sends the batches, and
:mod:`belay_gen.runtime.sync.plan` decides the operations.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Union

MAGIC = 0xB5
TRAILER = 0x5B
#: The receiver writes each file under this suffix and renames it when complete.
TEMP_SUFFIX = ".belay-tmp"
DEFAULT_BATCH = 8192
#: Op byte + u16 length; also the size of a batch header.
HEADER = 3

OP_MKDIR = b"d"
OP_OPEN = b"o"
OP_WRITE = b"w"
OP_CLOSE = b"c"
OP_REMOVE = b"x"
OP_RMDIR = b"r"
OP_FILE = b"f"
OP_END = b"z"


#: File content, or its future while it is still being minified or compiled.
Content = Union[bytes, "Future[bytes]"]


def content_bytes(content: Content) -> bytes:
    """The bytes of ``content``, waiting for them if they are still being made."""
    return content if isinstance(content, bytes) else content.result()


@dataclass(frozen=True)
class Operation:
    """One change on the board: ``kind`` is an ``OP_*`` code; ``data`` only for uploads."""

    kind: bytes
    path: str
    data: Content = b""


@dataclass(frozen=True)
class Batch:
    """One batch: its bytes, the file-content bytes it carries, the files it touches, and
    ``progress``, the uploads it completes (0.5 for half a file)."""

    data: bytes
    payload: int
    paths: tuple[str, ...]
    progress: float = 0.0


def write_operations(files: Iterable[tuple[str, bytes]]) -> list[Operation]:
    """Operations that write ``files`` (absolute board path, content), making their folders
    first, and end the stream."""
    files = list(files)
    folders = sorted({path.rsplit("/", 1)[0] for path, _ in files if path.rsplit("/", 1)[0]})
    operations = [Operation(OP_MKDIR, folder) for folder in folders]
    operations += [Operation(OP_WRITE, path, data) for path, data in files]
    operations.append(Operation(OP_END, ""))
    return operations


def _frame(kind: bytes, payload: bytes | memoryview) -> bytes:
    return kind + struct.pack("<H", len(payload)) + bytes(payload)


def _file_frame(previous: str, path: str, data: bytes, room: int) -> bytes | None:
    """An ``f`` frame for ``path`` after ``previous`` (the receiver's last path), or ``None``
    when it would not fit in ``room`` bytes. Only an ASCII prefix is shared: a board without
    Unicode strings slices them by bytes."""
    keep = 0
    limit = min(len(previous), len(path), 255)
    while keep < limit and previous[keep] == path[keep] and path[keep].isascii():
        keep += 1
    suffix = path[keep:].encode("utf-8")
    if len(suffix) > 255 or HEADER + 2 + len(suffix) + len(data) > room:
        return None
    return _frame(OP_FILE, bytes([keep, len(suffix)]) + suffix + data)


def batches(operations: Iterable[Operation], size: int) -> Iterator[Batch]:
    """Pack ``operations`` (ending with ``OP_END``) into batches of at most ``size`` bytes.

    >>> [b.data for b in batches([Operation(OP_MKDIR, "/a"), Operation(OP_END, "")], 64)]
    [b'\\xb5\\x08\\x00d\\x02\\x00/az\\x00\\x00[']
    """
    if size < 64:
        raise ValueError(f"batch size {size} is too small; the board must take 64 bytes or more")
    parts: list[bytes] = []
    used = 0
    payload = 0
    progress = 0.0
    paths: list[str] = []
    last = ""  # the receiver's last path

    def flush() -> Batch:
        nonlocal used, payload, progress
        body = b"".join(parts)
        framed = bytes([MAGIC]) + struct.pack("<H", len(body)) + body + bytes([TRAILER])
        batch = Batch(framed, payload, tuple(paths), progress)
        parts.clear()
        paths.clear()
        used = payload = 0
        progress = 0.0
        return batch

    def add(frame: bytes) -> Iterator[Batch]:
        nonlocal used
        if used + len(frame) > size:
            yield flush()
        parts.append(frame)
        used += len(frame)

    for op in operations:
        name = op.path.encode("utf-8")
        if len(name) + HEADER > size:
            raise ValueError(f"path {op.path!r} is too long for a {size}-byte batch")
        if op.kind != OP_WRITE:
            yield from add(_frame(op.kind, name if op.kind != OP_END else b""))
            if op.kind != OP_END:
                paths.append(op.path)
                last = op.path
            continue
        data = content_bytes(op.data)
        whole = _file_frame(last, op.path, data, size - used)
        last = op.path
        if whole is not None:
            yield from add(whole)
            paths.append(op.path)
            payload += len(data)
            progress += 1.0
            continue
        yield from add(_frame(OP_OPEN, name))
        paths.append(op.path)
        view = memoryview(data)
        while view:
            room = size - used - HEADER
            if room < 1:
                yield flush()
                paths.append(op.path)
                continue
            chunk, view = view[:room], view[room:]
            yield from add(_frame(OP_WRITE, chunk))
            payload += len(chunk)
            progress += len(chunk) / len(data)
        yield from add(_frame(OP_CLOSE, b""))
        if not data:
            progress += 1.0
    if parts:
        yield flush()
