"""What firmware a board runs: name, version, platform, native emitters, ``.mpy`` format.

:func:`probe` learns it all in one raw-REPL round trip.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from belay_gen.errors import ProtocolError
from belay_gen.runtime.repl import RawRepl

#: ``sys.implementation._mpy >> 10`` indexes this (MicroPython's ``MP_NATIVE_ARCH_*``).
ARCHITECTURES: tuple[str | None, ...] = (
    None,
    "x86",
    "x64",
    "armv6",
    "armv6m",
    "armv7m",
    "armv7em",
    "armv7emsp",
    "armv7emdp",
    "xtensa",
    "xtensawin",
    "rv32imc",
    "rv64imc",
)

# Runs on the board. Emitters are found by compiling a decorated function: the decorator is
# a compile-time error where the emitter is missing. Names start with _belay (reserved).
_PROBE = """\
def _belay_probe():
    import sys
    e = []
    try:
        import micropython
        for n in ("native", "viper"):
            try:
                exec("@micropython.%s\\ndef f(a):\\n return a\\n" % n, {"micropython": micropython})
                e.append(n)
            except Exception:
                pass
    except ImportError:
        pass
    i = sys.implementation
    v = tuple(i.version)
    print(repr((i.name, v[:3], sys.platform, tuple(e), getattr(i, "_mpy", None))))
_belay_probe()
del _belay_probe
"""


@dataclass(frozen=True)
class Implementation:
    """The firmware on a board, as :func:`probe` found it.

    ``name`` is ``"micropython"`` or ``"circuitpython"``; ``platform`` is ``sys.platform``
    (``"rp2"``, ``"esp32"``, ``"linux"`` ...); ``emitters`` lists the usable code emitters
    (``"native"``, ``"viper"``). ``mpy_version`` and ``arch`` describe the ``.mpy`` files the
    board loads (``None`` when it does not say).
    """

    name: str
    version: tuple[int, int, int] = (0, 0, 0)
    platform: str = ""
    emitters: tuple[str, ...] = ()
    mpy_version: int | None = None
    arch: str | None = None

    @classmethod
    def from_probe(cls, reply: str) -> Implementation:
        """Build from the probe's printed tuple; :class:`ProtocolError` if it is malformed."""
        try:
            name, version, platform, emitters, mpy = ast.literal_eval(reply.strip())
            major, minor, patch = [*version, 0, 0, 0][:3]
            result = cls(
                name=str(name),
                version=(int(major), int(minor), int(patch)),
                platform=str(platform),
                emitters=tuple(str(e) for e in emitters),
                mpy_version=None if mpy is None else int(mpy) & 0xFF,
                arch=None if mpy is None else _arch(int(mpy) >> 10),
            )
        except (ValueError, SyntaxError, TypeError) as exc:
            raise ProtocolError(
                f"unexpected answer to the implementation probe: {reply!r}"
            ) from exc
        return result


def _arch(index: int) -> str | None:
    return ARCHITECTURES[index] if index < len(ARCHITECTURES) else f"arch{index}"


def probe(repl: RawRepl, *, timeout: float | None = 10.0) -> Implementation:
    """Ask the board what it runs, in one exec.

    >>> probe(repl)
    Implementation(name='micropython', version=(1, 24, 0), platform='rp2', ...)
    """
    stdout = repl.exec_or_raise(_PROBE, timeout=timeout)
    return Implementation.from_probe(stdout.decode("utf-8", "replace"))
