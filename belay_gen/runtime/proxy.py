"""``ProxyObject``: a host handle on an object that stays on the board (Belay's semantics).

Reading an attribute, an item or a call result gives the value itself when it is immutable
(``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``) and another proxy otherwise;
``len``, ``in``, comparisons, ``str``, ``hash`` and iteration ask the board. Board errors
arrive as the builtin they are (a missing attribute is an ``AttributeError``, so ``hasattr``
works). A proxy made for a temporary object deletes it from the board when the proxy is
collected: the deletion is queued and runs before the device's next command, never from
inside the garbage collector.

    data = device.proxy("[1, [2, 3]]")
    data[1].append(4)         # runs data[1].append(4) on the board
    device(data)              # [1, [2, 3, 4]]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Protocol

from belay_gen.runtime.board_helpers import PROXY_NAME
from belay_gen.runtime.codec import RESULT_FUNCTION, require_literal, wrap_trailing_expression
from belay_gen.runtime.commands import (
    CommandOptions,
    imported_names,
    run_command,
)
from belay_gen.runtime.results import ResultForm
from belay_gen.runtime.session import Session


class ProxyHost(Protocol):
    """What a proxy needs from its device (``Device``)."""

    def __call__(self, cmd: Any, *args: Any, **kwargs: Any) -> Any: ...

    def forget(self, name: str) -> None: ...


def _get(proxy: ProxyObject, attribute: str) -> Any:
    return object.__getattribute__(proxy, attribute)


def target_name(proxy: ProxyObject) -> str:
    """The board expression a proxy stands for."""
    return _get(proxy, "_belay_target_name")  # type: ignore[no-any-return]


def board_source(value: object, what: str = "a value") -> str:
    """Board source for ``value``: a proxy's name, or a literal's ``repr``."""
    if isinstance(value, ProxyObject):
        return target_name(value)
    require_literal(value, what, "a proxy operation")
    return repr(value)


class ProxyObject:
    """A remote object; see the module docstring. Made by ``device.proxy(...)`` or
    ``device(cmd, proxy=True)``; ``delete``: remove the board object when collected."""

    def __init__(self, device: ProxyHost, name: str, delete: bool = True) -> None:
        object.__setattr__(self, "_belay_device", device)
        object.__setattr__(self, "_belay_target_name", name)
        object.__setattr__(self, "_belay_delete", delete)

    def _belay_ask(self, expression: str, *, proxy: bool = True) -> Any:
        device: ProxyHost = _get(self, "_belay_device")
        return device(expression, minify=False, record=False, proxy=proxy)

    def __getattribute__(self, name: str) -> Any:
        # The proxy's own attributes first (a subclass may add some), then the board's.
        try:
            return object.__getattribute__(self, name)
        except AttributeError:
            if name.startswith("__") and name.endswith("__"):
                raise
        return _get(self, "_belay_ask")(f"{target_name(self)}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            object.__getattribute__(self, name)
        except AttributeError:
            self._belay_ask(f"{target_name(self)}.{name}={board_source(value)}", proxy=False)
        else:
            object.__setattr__(self, name, value)  # the proxy's own attribute

    def __delattr__(self, name: str) -> None:
        self._belay_ask(f"del {target_name(self)}.{name}", proxy=False)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):  # MicroPython has no slice() to build one from a repr
            parts = [key.start, key.stop] + ([key.step] if key.step is not None else [])
            index = ":".join("" if part is None else board_source(part) for part in parts)
        else:
            index = board_source(key, "the index")
        return self._belay_ask(f"{target_name(self)}[{index}]")

    def __setitem__(self, key: Any, value: Any) -> None:
        index = board_source(key, "the index")
        self._belay_ask(f"{target_name(self)}[{index}]={board_source(value)}", proxy=False)

    def __delitem__(self, key: Any) -> None:
        self._belay_ask(f"del {target_name(self)}[{board_source(key, 'the index')}]", proxy=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        sources = [board_source(arg, "an argument") for arg in args]
        sources += [f"{k}={board_source(v, f'argument {k!r}')}" for k, v in kwargs.items()]
        return self._belay_ask(f"{target_name(self)}({','.join(sources)})")

    def __len__(self) -> int:
        return self._belay_ask(f"len({target_name(self)})", proxy=False)  # type: ignore[no-any-return]

    def __contains__(self, item: object) -> bool:
        return bool(self._belay_ask(f"{board_source(item)} in {target_name(self)}", proxy=False))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._belay_ask(f"list({target_name(self)})", proxy=False))

    def __str__(self) -> str:
        return self._belay_ask(f"str({target_name(self)})", proxy=False)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"<ProxyObject {self._belay_ask(f'repr({target_name(self)})', proxy=False)}>"

    def __hash__(self) -> int:
        return self._belay_ask(f"hash({target_name(self)})", proxy=False)  # type: ignore[no-any-return]

    def _belay_compare(self, operator: str, other: object) -> Any:
        return self._belay_ask(f"{target_name(self)}{operator}{board_source(other)}", proxy=False)

    def __eq__(self, other: object) -> Any:
        return self._belay_compare("==", other)

    def __ne__(self, other: object) -> Any:
        return self._belay_compare("!=", other)

    def __lt__(self, other: object) -> Any:
        return self._belay_compare("<", other)

    def __le__(self, other: object) -> Any:
        return self._belay_compare("<=", other)

    def __gt__(self, other: object) -> Any:
        return self._belay_compare(">", other)

    def __ge__(self, other: object) -> Any:
        return self._belay_compare(">=", other)

    def __del__(self) -> None:
        try:
            if _get(self, "_belay_delete"):
                _get(self, "_belay_device").forget(target_name(self))
        except Exception:
            pass


_HELPERS = ResultForm(calls_helpers=True)


def proxy_command(
    device: ProxyHost, session: Session, cmd: str, options: CommandOptions, delete: bool | None
) -> Any:
    """``device(cmd, proxy=True)``: an import gives its names (immutable values as values,
    the rest as proxies kept on the board); an expression's mutable value is kept on the
    board and proxied (deleted with the proxy unless ``delete=False``); a statement runs."""
    names = imported_names(cmd)
    if names:
        run_command(session, cmd, cmd, ResultForm(), options)
        check = f"{RESULT_FUNCTION}(({','.join(f'__belay_i({n})' for n in names)},))"
        quiet = replace(options, minify=False, record=False)
        values = run_command(session, check, check, _HELPERS, quiet)
        keep = False if delete is None else delete
        proxies = tuple(
            value if immutable else ProxyObject(device, name, delete=keep)
            for name, (immutable, value) in zip(names, values, strict=True)
        )
        return proxies[0] if len(proxies) == 1 else proxies
    code = wrap_trailing_expression(cmd, f"{RESULT_FUNCTION}(__belay_p({{}}))")
    if code is None:
        return run_command(session, cmd, cmd, ResultForm(), options)
    number, value = run_command(session, code, cmd, _HELPERS, options)
    if number is None:
        return value
    return ProxyObject(device, PROXY_NAME.format(number), delete=delete is not False)
