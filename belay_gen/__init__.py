"""belay-gen: drive a MicroPython or CircuitPython board from desktop Python.

Only the public API lives here. ``import belay_gen`` stays light: ``Device`` and the runtime
load on first use (PEP 562), and libcst, jinja2 and requests only when a compile, build or
download needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from belay_gen._version import __version__
from belay_gen.errors import (
    AuthenticationError,
    BelayError,
    BelayException,
    BoardResetError,
    CompileError,
    ConfigError,
    ConnectionFailed,
    ConnectionFailedError,
    ConnectionLost,
    DeviceNotFoundError,
    DeviceTimeoutError,
    EmulatorUnavailable,
    FeatureUnavailableError,
    InsufficientSpecifierError,
    LinkDroppedError,
    MaxHistoryLengthError,
    NoMatchingExecuterError,
    NotBelayResponseError,
    PackageError,
    PortBusyError,
    ProtocolError,
    PyboardError,
    PyboardException,
    ResultNotLiteralError,
    SpecialFunctionNameError,
    SyncInputError,
    SyncTransferError,
)

if TYPE_CHECKING:
    from belay_gen.runtime.device import Device
    from belay_gen.runtime.implementation import Implementation
    from belay_gen.runtime.methods import DeviceMeta
    from belay_gen.runtime.proxy import ProxyObject
    from belay_gen.runtime.transport.usb import UsbSpecifier, list_devices

#: Public names that live in heavier modules, imported on first access.
_LAZY = {
    "Device": "belay_gen.runtime.device",
    "DeviceMeta": "belay_gen.runtime.methods",
    "Implementation": "belay_gen.runtime.implementation",
    "ProxyObject": "belay_gen.runtime.proxy",
    "UsbSpecifier": "belay_gen.runtime.transport.usb",
    "list_devices": "belay_gen.runtime.transport.usb",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'belay_gen' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def minify(code: str) -> str:
    """Minify MicroPython source, keeping names and every statement's line number."""
    from belay_gen.compiler.minify import minify as _minify

    return _minify(code)


__all__ = [
    "AuthenticationError",
    "BelayError",
    "BelayException",
    "BoardResetError",
    "CompileError",
    "ConfigError",
    "ConnectionFailed",
    "ConnectionFailedError",
    "ConnectionLost",
    "Device",
    "DeviceMeta",
    "DeviceNotFoundError",
    "DeviceTimeoutError",
    "EmulatorUnavailable",
    "FeatureUnavailableError",
    "Implementation",
    "InsufficientSpecifierError",
    "LinkDroppedError",
    "MaxHistoryLengthError",
    "NoMatchingExecuterError",
    "NotBelayResponseError",
    "PackageError",
    "PortBusyError",
    "ProtocolError",
    "ProxyObject",
    "PyboardError",
    "PyboardException",
    "ResultNotLiteralError",
    "SpecialFunctionNameError",
    "SyncInputError",
    "SyncTransferError",
    "UsbSpecifier",
    "__version__",
    "list_devices",
    "minify",
]
