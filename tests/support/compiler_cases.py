"""The compiler case folders under ``tests/compiler/inputs`` (see its ``STYLE.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from belay_gen.compiler import emit
from belay_gen.compiler.model import Module
from belay_gen.compiler.scan import scan_module

INPUTS = Path(__file__).resolve().parent.parent / "compiler" / "inputs"
SNAPSHOT_VERSION = "0.0.0"
"""The compiler version snapshot tests pass in, so a release changes no snapshot."""


@dataclass(frozen=True)
class Built:
    """One compiled module of a case."""

    module: Module
    device: emit.DeviceModule
    stub: str


def case_names(*, errors: bool) -> list[str]:
    """The case folders that fail to compile (``errors``) or compile."""
    return sorted(
        p.name for p in INPUTS.iterdir() if p.is_dir() and (p / "error.txt").exists() == errors
    )


def sources(case: str) -> list[Path]:
    return sorted((INPUTS / case).glob("*.py"))


def compile_case(case: str) -> list[Built]:
    """Scan and emit every module of a case (raises what the compiler raises)."""
    built = []
    for path in sources(case):
        module = scan_module(path.read_text(), filename=f"{case}/{path.name}", name=path.stem)
        assert module is not None, f"{path} has no board functions"
        device = emit.device_module(module)
        built.append(Built(module, device, emit.host_stub(module, device)))
    return built


def manifest(case: str, built: list[Built]) -> str:
    """The case's ``manifest.json``, recording :data:`SNAPSHOT_VERSION`."""
    return emit.manifest(
        [
            emit.ManifestEntry(
                b.module,
                b.device,
                f"{case}/{b.module.name}.py",
                f"device/{b.module.name}.py",
                f"host/{b.module.name}.py",
            )
            for b in built
        ],
        version=SNAPSHOT_VERSION,
    )
