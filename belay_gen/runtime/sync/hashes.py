"""File hashes the host computes exactly as the board's ``sync_hashes`` snippet does.

The board names its algorithm: ``sha256`` (shortened to ``HEX_DIGITS`` hex digits, enough to
tell changed files apart and half the bytes on a slow link), or, where ``hashlib`` lacks it,
``crc32`` or ``fnv1a32`` (8 hex digits each).
"""

from __future__ import annotations

import hashlib
import zlib

#: Hex digits of sha256 the board prints per file (64 bits).
HEX_DIGITS = 16
ALGORITHMS = ("sha256", "crc32", "fnv1a32")


def fnv1a32(data: bytes) -> int:
    """32-bit FNV-1a of ``data``."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def file_hash(algorithm: str, data: bytes) -> str:
    """The hash of ``data`` as the board prints it for ``algorithm``.

    >>> file_hash("crc32", b"abc")
    '352441c2'
    """
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()[:HEX_DIGITS]
    if algorithm == "crc32":
        return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}"
    if algorithm == "fnv1a32":
        return f"{fnv1a32(data):08x}"
    raise ValueError(f"unknown hash algorithm {algorithm!r}; expected one of {ALGORITHMS}")
