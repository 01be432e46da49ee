"""Mixins with board methods named like Device's decorators (Belay's MRO rule)."""

from __future__ import annotations

from belay_gen import Device, DeviceMeta


class _MicroPythonSetup(metaclass=DeviceMeta):
    @Device.setup(implementation="micropython")
    def setup():  # type: ignore[no-untyped-def]
        setup_choice = "micropython"  # noqa: F841


class _CircuitPythonSetup(metaclass=DeviceMeta):
    @Device.setup(implementation="circuitpython")
    def setup():  # type: ignore[no-untyped-def]
        setup_choice = "circuitpython"  # noqa: F841


class _Board(Device, _MicroPythonSetup, _CircuitPythonSetup, skip=True):
    @Device.task
    def chosen() -> str:  # type: ignore[misc]
        return setup_choice  # type: ignore[name-defined]  # noqa: F821


def test_a_mixin_method_named_setup_is_not_hidden_by_device_setup(virtual_port: str) -> None:
    assert _Board.__mro__.index(Device) > _Board.__mro__.index(_CircuitPythonSetup)
    with _Board(virtual_port) as board:
        board.setup()
        assert board.chosen() == "micropython"
