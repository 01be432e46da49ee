"""What firmware a board runs: name, version, platform, native emitters, ``.mpy`` format,
threads.

:func:`probe` learns it all in one raw-REPL round trip (the board code is
``board/snippets/probe.py``); a ``Device`` joins :func:`probe_program` to its connect exec.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from belay_gen.errors import ProtocolError
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.snippets import snippet

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


@dataclass(frozen=True)
class Implementation:
    """The firmware on a board, as :func:`probe` found it.

    ``name`` is ``"micropython"`` or ``"circuitpython"``; ``platform`` is ``sys.platform``
    (``"rp2"``, ``"esp32"``, ``"linux"`` ...); ``emitters`` lists the usable code emitters
    (``"native"``, ``"viper"``). ``mpy_version`` and ``arch`` describe the ``.mpy`` files the
    board loads (``None`` when it does not say). ``threads``: the board can start threads
    (``_thread.start_new_thread``).
    """

    name: str
    version: tuple[int, int, int] = (0, 0, 0)
    platform: str = ""
    emitters: tuple[str, ...] = ()
    mpy_version: int | None = None
    arch: str | None = None
    threads: bool = False

    @classmethod
    def from_probe(cls, reply: str) -> Implementation:
        """Build from the probe's printed tuple; :class:`ProtocolError` if it is malformed."""
        try:
            value = ast.literal_eval(reply.strip())
        except (ValueError, SyntaxError) as exc:
            raise ProtocolError(
                f"unexpected answer to the implementation probe: {reply!r}"
            ) from exc
        return cls.from_value(value)

    @classmethod
    def from_value(cls, value: object) -> Implementation:
        """Build from the probe's tuple (threads, its last item, may be missing);
        :class:`ProtocolError` if it is malformed."""
        items = value if isinstance(value, (tuple, list)) else ()
        try:
            name, version, platform, emitters, mpy, *rest = items
            major, minor, patch = [*version, 0, 0, 0][:3]
            result = cls(
                name=str(name),
                version=(int(major), int(minor), int(patch)),
                platform=str(platform),
                emitters=tuple(str(e) for e in emitters),
                mpy_version=None if mpy is None else int(mpy) & 0xFF,
                arch=None if mpy is None else _arch(int(mpy) >> 10),
                threads=rest == [True],
            )
        except (ValueError, TypeError) as exc:
            raise ProtocolError(
                f"unexpected answer to the implementation probe: {value!r}"
            ) from exc
        return result


def _arch(index: int) -> str | None:
    return ARCHITECTURES[index] if index < len(ARCHITECTURES) else f"arch{index}"


def probe(repl: RawRepl, *, timeout: float | None = 10.0) -> Implementation:
    """Ask the board what it runs, in one exec.

    >>> probe(repl)
    Implementation(name='micropython', version=(1, 24, 0), platform='rp2', ...)
    """
    stdout = repl.exec_or_raise(probe_program("print(repr({}))"), timeout=timeout)
    return Implementation.from_probe(stdout.decode("utf-8", "replace"))


def probe_program(report: str) -> str:
    """Board code that probes and hands the answer to ``report`` (``"{}"`` marks where the
    answer goes: ``"print(repr({}))"``, or a result frame ``"_belay({})"``)."""
    return snippet("probe.py") + report.format("__belay_probe()") + "\ndel __belay_probe\n"
