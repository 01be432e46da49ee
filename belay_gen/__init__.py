"""belay-gen: drive a MicroPython or CircuitPython board from desktop Python."""

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

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "BelayError",
    "ConfigError",
    "ConnectionFailed",
    "ConnectionLost",
    "DeviceTimeoutError",
    "FeatureUnavailableError",
    "PortBusyError",
    "ProtocolError",
    "PyboardException",
    "ResultNotLiteralError",
    "SpecialFunctionNameError",
    "__version__",
]
