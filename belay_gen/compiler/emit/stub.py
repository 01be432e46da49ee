"""IR -> the typed host stub: one class per group of board functions, one ``connect`` each.

Each stub method has the user's signature, annotations and docstring, and makes one runtime
call. Everything the template shows is worked out here first (formatted as ``ruff format``
would), so the template only places it. The stub carries no version: a release does not
change it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from belay_gen.compiler import parameters
from belay_gen.compiler.emit import pyformat
from belay_gen.compiler.emit.board import DeviceModule
from belay_gen.compiler.emit.pyformat import Bracketed
from belay_gen.compiler.emit.templates import render
from belay_gen.compiler.model import Function, Module, Parameter
from belay_gen.errors import CompileError


def class_name(module_name: str) -> str:
    """``blink`` → ``BlinkBoard``: the stub class of a module's own board functions."""
    return "".join(part.capitalize() for part in re.split(r"[_.]+", module_name) if part) + "Board"


def snake(name: str) -> str:
    """``MyDevice`` → ``my_device``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def host_stub(module: Module, device: DeviceModule) -> str:
    """The typed host stub of ``module``, whose board module is ``device``.

    Raises:
        CompileError: a board function's name would hide a name of the stub.
    """
    classes = _stub_classes(module)
    names = [c.name for c in classes] + [c.connect for c in classes]
    clash = sorted({f.name for f in module.functions} & {"device", *names})
    if clash:
        raise CompileError(
            f"a board function named {clash[0]!r} would hide a name of the host stub: rename it",
            module.filename,
        )
    return render(
        "host_stub.py.j2",
        module=module,
        device=device,
        code_lines=[pyformat.string(chunk) for chunk in _chunks(device.text)],
        classes=classes,
        generators=any(f.kind == "generator" for f in module.functions),
        stub_imports=sorted(module.stub_imports),
    )


def method_lines(module: Module, function: Function) -> list[str]:
    """The stub method of one board function, as lines at class indentation."""
    returns = _returns(function)
    lines = pyformat.layout(_signature(function, returns), 4)
    if function.docstring:
        lines.extend(pyformat.docstring(function.docstring, 8))
    target = pyformat.string(f"{module.name}.{function.name}")
    args = _arguments(function)
    if function.kind == "thread":
        call = Bracketed("self.device.spawn(", (target, args), ")")
    elif function.kind == "generator":
        call = Bracketed("self.device.call(", (target, args, "generator=True"), ")")
    else:
        call = Bracketed("self.device.call(", (target, args), ")")
    if returns == "None":
        lines.extend(pyformat.layout(call, 8))
    elif returns == "typing.Any":
        lines.extend(pyformat.layout(call, 8, prefix="return "))
    else:
        cast = Bracketed("typing.cast(", (pyformat.string(returns), call), ")")
        lines.extend(pyformat.layout(cast, 8, prefix="return "))
    return lines


def _signature(function: Function, returns: str) -> Bracketed:
    def item(param: Parameter) -> str:
        annotation = _unquoted(param.annotation) if param.annotation is not None else "typing.Any"
        if param.default is None:
            return f"{param.name}: {annotation}"
        default = pyformat.literal(ast.literal_eval(param.default.strip()))
        return f"{param.name}: {annotation} = {default}"

    items = ("self", *parameters.parameter_list(function.parameters, item))
    return Bracketed(f"def {function.name}(", items, f") -> {returns}:")


# How the stub passes each kind of parameter to ``Device.call``: (keyword, value) pairs.
_ARGUMENT = {
    "positional_only": '("", {name})',
    "positional_or_keyword": '("", {name})',
    "var_positional": '*[("", _v) for _v in {name}]',
    "keyword_only": '("{name}", {name})',
    "var_keyword": "*{name}.items()",
}


def _arguments(function: Function) -> Bracketed:
    items = tuple(_ARGUMENT[p.kind].format(name=p.name) for p in function.parameters)
    return Bracketed("[", items, "]")


def _unquoted(annotation: str) -> str:
    """``int`` for the forward reference ``"int"``: the stub never needs the quotes."""
    try:
        value = ast.literal_eval(annotation.strip())
    except (ValueError, SyntaxError):
        return annotation
    return value if isinstance(value, str) else annotation


def _returns(function: Function) -> str:
    if function.kind == "generator":
        yields = _unquoted(function.yields) if function.yields else "typing.Any"
        return f"collections.abc.Iterator[{yields}]"
    if function.kind in ("thread", "setup", "teardown"):
        return "None"
    if function.returns is not None:
        return _unquoted(function.returns)
    return "typing.Any" if function.returns_value else "None"


@dataclass(frozen=True)
class _StubClass:
    name: str
    base: str | None
    docstring: list[str]
    methods: list[list[str]]
    connect: str
    autoinit: list[str]


def _stub_classes(module: Module) -> list[_StubClass]:
    out = []
    if module.module_functions:
        doc = f"The board functions of ``{module.name}`` on one connected board."
        methods = [method_lines(module, f) for f in module.module_functions]
        out.append(
            _StubClass(
                class_name(module.name), None, pyformat.docstring(doc, 4), methods, "connect", []
            )
        )
    by_name = {f.name: f for f in module.functions}
    parents = {c.name: c.base for c in module.classes}
    for device_class in module.classes:
        chain: list[str] = []
        probe: str | None = device_class.name
        while probe is not None:
            chain.insert(0, probe)
            probe = parents.get(probe)
        autoinit = [
            f.name
            for f in module.functions
            if f.owner in chain and f.kind == "setup" and f.autoinit
        ]
        doc = device_class.docstring or (
            f"The board functions of ``{device_class.name}`` on one connected board."
        )
        out.append(
            _StubClass(
                device_class.name,
                device_class.base,
                pyformat.docstring(doc, 4),
                [method_lines(module, by_name[m]) for m in device_class.methods],
                f"connect_{snake(device_class.name)}",
                autoinit,
            )
        )
    return out


def _chunks(text: str) -> list[str]:
    """``text`` as lines, each blank line joined to the line before it."""
    chunks: list[str] = []
    for line in text.splitlines(keepends=True):
        if chunks and not line.strip():
            chunks[-1] += line
        else:
            chunks.append(line)
    return chunks
