"""The compiler, pure text -> text: source -> IR (``scan/``, into ``model``) -> minified board
text (``minify``) -> board module, typed host stub, manifest (``emit/``). ``parameters`` is the
one parameter-kind walk both ends share. ``belay_gen.build`` drives it over a project;
``compile_function`` (``function``) serves ``@device.task``. It imports nothing of belay_gen
but ``errors`` (and takes the version as an argument).

Importing this package loads nothing heavy: libcst and jinja2 load with the stage that needs
them, so the runtime can read ``compiler.model`` (the decorator-option table) for free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from belay_gen.compiler.model import CompiledFunction, DeviceClass, Function, Module, Parameter
from belay_gen.errors import CompileError

if TYPE_CHECKING:
    from belay_gen.compiler.function import compile_function
    from belay_gen.compiler.scan import scan_module

_LAZY = {
    "compile_function": "belay_gen.compiler.function",
    "scan_module": "belay_gen.compiler.scan",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'belay_gen.compiler' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "CompileError",
    "CompiledFunction",
    "DeviceClass",
    "Function",
    "Module",
    "Parameter",
    "compile_function",
    "scan_module",
]
