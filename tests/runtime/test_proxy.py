"""ProxyObject: board objects handled from the host (Belay's semantics)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

import belay_gen as belay
from belay_gen.runtime.proxy import target_name

pytestmark = pytest.mark.board


@pytest.fixture
def device(virtual_port: str) -> Iterator[belay.Device]:
    with belay.Device(virtual_port) as dev:
        yield dev


def _exists(device: belay.Device, name: str) -> bool:
    return device(f"{name!r} in globals()") is True


def test_items_length_iteration_and_membership(device: belay.Device) -> None:
    data = device.proxy("[1, [2, 3], {'a': 4}, 'text']")
    assert isinstance(data, belay.ProxyObject)
    assert data[0] == 1 and data[-1] == "text"  # immutable values come back as values
    nested = data[1]
    assert isinstance(nested, belay.ProxyObject)  # mutable ones as proxies
    assert data[2]["a"] == 4
    assert len(data) == 4
    assert list(nested) == [2, 3]
    assert 3 in nested and 9 not in nested
    assert device(data[1:3]) == [[2, 3], {"a": 4}]
    assert device(data[::2]) == [1, {"a": 4}]
    data[0] = 100
    nested.append(9)
    del data[3]
    assert device(data) == [100, [2, 3, 9], {"a": 4}]
    assert nested == [2, 3, 9] and nested != [2] and nested < [3]
    assert repr(nested) == "<ProxyObject [2, 3, 9]>"
    assert str(data[2]) == "{'a': 4}"


def test_attributes_calls_and_nested_proxies(device: belay.Device) -> None:
    device(
        "class Sensor:\n"
        "    def __init__(self):\n"
        "        self.settings = {'gain': 2}\n"
        "        self.offset = 1\n"
        "    def read(self, scale, *, extra=0):\n"
        "        return self.settings['gain'] * scale + self.offset + extra\n"
        "    def history(self):\n"
        "        return [self.offset]\n"
        "sensor = Sensor()"
    )
    sensor = device.proxy("sensor")
    assert sensor.offset == 1
    assert sensor.read(3) == 7
    assert sensor.read(3, extra=10) == 17
    sensor.offset = 5
    settings = sensor.settings
    settings["gain"] = 10
    assert device("sensor.read(1)") == 15
    assert device(sensor.history()) == [5]
    assert sensor.read(settings["gain"]) == 105  # a proxy's value as an argument
    assert not hasattr(sensor, "missing")  # a board AttributeError is an AttributeError
    with pytest.raises(KeyError):
        settings["nope"]
    with pytest.raises(TypeError, match="literal"):
        sensor.read(object())


def test_imports_and_names_are_kept_and_temporaries_deleted(device: belay.Device) -> None:
    os_module = device.proxy("import os")
    assert isinstance(os_module, belay.ProxyObject)
    listdir, getcwd = device("from os import listdir, getcwd", proxy=True)
    assert isinstance(listdir, belay.ProxyObject) and isinstance(getcwd, belay.ProxyObject)
    assert isinstance(os_module.listdir("/"), belay.ProxyObject)

    device("kept = [1]")
    kept = device.proxy("kept")
    temporary = device.proxy("[1, 2]")
    explicit = device("[3]", proxy=True, delete=False)
    names = [target_name(p) for p in (temporary, explicit)]
    assert all(_exists(device, name) for name in names)
    del kept, temporary, explicit, os_module, listdir, getcwd
    gc.collect()
    device("0")  # deletions run before the next command
    assert _exists(device, "kept")
    assert _exists(device, "os")
    assert not _exists(device, names[0])
    assert _exists(device, names[1])  # delete=False


def test_immutable_results_are_plain_values(device: belay.Device) -> None:
    assert device("1 + 1", proxy=True) == 2
    assert device("'text'", proxy=True) == "text"
    assert device("None", proxy=True) is None
    assert device("x = 1", proxy=True) is None


def test_imports_give_values_for_immutables_and_views_resolve_as_lists(
    device: belay.Device,
) -> None:
    cos, pi = device.proxy("from math import cos, pi")
    assert isinstance(cos, belay.ProxyObject) and cos(0) == 1.0
    assert isinstance(pi, float) and abs(pi - 3.14159) < 0.001
    settings = device.proxy("{'a': 1, 'b': 2}")
    assert sorted(device(settings.keys())) == ["a", "b"]
    assert sorted(device(settings.values())) == [1, 2]
    with pytest.raises(belay.ResultNotLiteralError):
        device(device.proxy("range(3)"))  # resolving never evaluates board text
    assert device(device.proxy("bytearray(b'x')")) == bytearray(b"x")  # bytes-like: raw


def test_a_subclass_keeps_its_own_attributes_local(device: belay.Device) -> None:
    device("class Thing:\n    size = 3\nthing = Thing()")

    class Local(belay.ProxyObject):
        def describe(self) -> str:
            return f"size {self.size}"

    thing = Local(device, "thing", delete=False)
    object.__setattr__(thing, "note", "host")
    thing.note = "still host"
    assert object.__getattribute__(thing, "note") == "still host"
    assert device("hasattr(thing, 'note')") is False
    assert thing.describe() == "size 3"
    thing.size = 4
    assert device("thing.size") == 4
