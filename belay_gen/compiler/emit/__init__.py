"""IR -> text, pure functions: the board module (``board``), the typed host stub (``stub``),
``manifest.json`` (``manifest``) and the stub package's ``__init__`` (``package``). Parameters
are written through ``compiler.parameters``; ruff-style layout is ``pyformat``; templates are
rendered by ``templates``. Only the manifest names a version, and it is passed in.
"""

from belay_gen.compiler.emit.board import DeviceModule, device_module
from belay_gen.compiler.emit.manifest import ManifestEntry, manifest
from belay_gen.compiler.emit.package import package_init
from belay_gen.compiler.emit.stub import host_stub

__all__ = [
    "DeviceModule",
    "ManifestEntry",
    "device_module",
    "host_stub",
    "manifest",
    "package_init",
]
