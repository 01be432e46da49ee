"""The compiler: source → IR (``scan``) → minified board text, typed host stub, manifest
(``emit``). ``build`` drives it over a project; ``compile_function`` serves ``@device.task``.
"""

from belay_gen.compiler.function import compile_function
from belay_gen.compiler.model import CompiledFunction, DeviceClass, Function, Module, Parameter
from belay_gen.compiler.scan import scan_module
from belay_gen.errors import CompileError

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
