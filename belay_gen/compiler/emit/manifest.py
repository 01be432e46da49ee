"""IR -> ``manifest.json``: the compiler version, each module's hash and its function table."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from belay_gen.compiler.emit.board import DeviceModule
from belay_gen.compiler.model import Module


@dataclass(frozen=True)
class ManifestEntry:
    """One built module for the manifest: its IR, board module and output paths."""

    module: Module
    device: DeviceModule
    source: str
    device_path: str
    host_path: str


def manifest(
    entries: Sequence[ManifestEntry],
    *,
    version: str,
    build_state: Mapping[str, object] | None = None,
) -> str:
    """``manifest.json`` for ``entries``, recording ``version`` as the compiler's, and
    ``build_state`` (what the build read and wrote, so a build with nothing changed can tell
    without compiling) under ``"build"``.

    The manifest is the one generated file that names the version: the board modules and
    stubs do not, so a release rewrites nothing else.
    """
    modules = {}
    for entry in sorted(entries, key=lambda e: e.module.name):
        modules[entry.module.name] = {
            "source": entry.source,
            "device": entry.device_path,
            "host": entry.host_path,
            "hash": entry.device.hash,
            "line_offset": entry.device.line_offset,
            "functions": [
                {
                    "name": f.name,
                    "kind": f.kind,
                    "target": f"{entry.module.name}.{f.name}",
                    "owner": f.owner,
                    "line": f.def_line,
                    "parameters": [p.name for p in f.parameters],
                }
                for f in entry.module.functions
            ],
        }
    document: dict[str, object] = {"compiler": f"belay-gen {version}", "modules": modules}
    if build_state is not None:
        document["build"] = dict(build_state)
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
