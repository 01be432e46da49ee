"""belay-gen: drive a MicroPython or CircuitPython board from desktop Python."""

from belay_gen.runtime.device import Device
from belay_gen.runtime.errors import (
    AuthenticationError,
    BelayError,
    ConfigError,
    ConnectionFailed,
    ConnectionLost,
    DeviceTimeoutError,
    FeatureUnavailableError,
    PortBusyError,
    ProtocolError,
    PyboardException,
    ResultNotLiteralError,
    SpecialFunctionNameError,
)
from belay_gen.runtime.implementation import Implementation

__version__ = "0.1.0"


def minify(code: str) -> str:
    """Minify MicroPython source, keeping names and every statement's line number."""
    from belay_gen.compiler.minify import minify as _minify

    return _minify(code)


__all__ = [
    "AuthenticationError",
    "BelayError",
    "ConfigError",
    "ConnectionFailed",
    "ConnectionLost",
    "Device",
    "DeviceTimeoutError",
    "FeatureUnavailableError",
    "Implementation",
    "PortBusyError",
    "ProtocolError",
    "PyboardException",
    "ResultNotLiteralError",
    "SpecialFunctionNameError",
    "__version__",
    "minify",
]
