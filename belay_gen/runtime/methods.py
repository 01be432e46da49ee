"""Class-style board functions: ``@Device.task`` (thread, setup, teardown) in a ``Device``
subclass.

A marked method is a :class:`BoardMethod`; each instance defines it on its own board when it
connects (:func:`bind_methods`). As in Belay, one class body may hold several versions of a
name, one per ``implementation=``; the instance uses the first that fits its board (then a
base class's), and :class:`NoMatchingExecuterError` when none does. :class:`DeviceMeta`
collects those versions while the class body runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from belay_gen.errors import NoMatchingExecuterError
from belay_gen.runtime.implementation import Implementation
from belay_gen.runtime.tasks import (
    BoardFunction,
    Executor,
    check_name,
    check_no_parameters,
    check_options,
)


class HasExecutors(Protocol):
    """A board whose decorators are executors, one per kind (``Device``)."""

    @property
    def executors(self) -> Mapping[str, Executor]: ...

    @property
    def implementation(self) -> Implementation: ...


@dataclass(frozen=True)
class Version:
    """One version of a class-style method: for one implementation, or for all (``""``)."""

    func: Callable[..., Any]
    kind: str
    implementation: str
    autoinit: bool
    #: The options for :meth:`Executor.define` (autoinit runs after every method is bound).
    settings: Mapping[str, Any]


class BoardMethod:
    """A method of a ``Device`` subclass marked ``@Device.task`` (or thread/setup/teardown).

    Read on an instance it is what that instance defined on its board; read on the class it
    is the (first) plain function.
    """

    def __init__(self, name: str, versions: tuple[Version, ...]) -> None:
        self.name = name
        self.versions = versions

    @property
    def func(self) -> Callable[..., Any]:
        return self.versions[0].func

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def with_version(self, other: BoardMethod) -> BoardMethod:
        """This method with ``other``'s versions added (the same name again in a class
        body); a version after one for every implementation is a ``ValueError``."""
        if any(not version.implementation for version in self.versions):
            raise ValueError(
                f"{self.name}: a version for every implementation is already defined above; "
                "give it implementation=... or put it last"
            )
        return BoardMethod(self.name, self.versions + other.versions)

    def version_for(self, implementation: str) -> Version | None:
        """The first version for ``implementation`` (or for all), else ``None``."""
        for version in self.versions:
            if version.implementation in ("", implementation):
                return version
        return None

    def __get__(self, instance: HasExecutors | None, owner: type) -> Any:
        if instance is None:
            return self.func
        for kind in dict.fromkeys(version.kind for version in self.versions):
            try:
                return instance.executors[kind].method(self.name)
            except AttributeError:
                continue
        raise AttributeError(f"{self.name} is defined when the device connects")


def mark(kind: str, f: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``@Device.task`` on a method: a :class:`BoardMethod` each instance defines on connect."""
    check_options(kind, options)
    if f is None:
        return functools.partial(mark, kind, **options)
    check_name(f.__name__)
    autoinit = bool(options.pop("autoinit", False))
    if autoinit:
        check_no_parameters(f, "runs by itself (autoinit=True)")
    if kind == "teardown":
        check_no_parameters(f, "runs when the device closes")
    implementation = str(options.get("implementation", ""))
    version = Version(f, kind, implementation, autoinit, options)
    return BoardMethod(f.__name__, (version,))


class ExecutorSlot:
    """Class attribute behind ``Device.task`` etc.

    On an instance it is that device's :class:`Executor`; on the class (``@Device.task``
    inside a ``Device`` subclass) it makes the method a :class:`BoardMethod`.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __get__(self, instance: HasExecutors | None, owner: type) -> Any:
        if instance is None:
            return functools.partial(mark, self.kind)
        return instance.executors[self.kind]


def _chains(cls: type) -> dict[str, list[BoardMethod]]:
    """For each board method name: its BoardMethods, most derived class first, down to the
    first class that made the name something else. Names in base-class order."""
    chains: dict[str, list[BoardMethod]] = {}
    for klass in reversed(cls.__mro__):
        for name, attribute in vars(klass).items():
            if isinstance(attribute, BoardMethod):
                chains[name] = [attribute, *chains.get(name, [])]
            else:
                chains.pop(name, None)  # overridden by something that is not a board method
    return chains


def bind_methods(board: HasExecutors) -> list[BoardFunction]:
    """Define ``board``'s class-style methods on it; return the ``autoinit`` setups to run.

    Raises :class:`NoMatchingExecuterError` naming a method that has no version for the
    board's implementation.
    """
    implementation = board.implementation.name
    autoinit = []
    for name, chain in _chains(type(board)).items():
        version = next(
            (v for method in chain if (v := method.version_for(implementation)) is not None),
            None,
        )
        if version is None:
            offered = sorted({v.implementation for method in chain for v in method.versions})
            raise NoMatchingExecuterError(
                f"{type(board).__name__}.{name} has versions for {', '.join(offered)} only, "
                f"and this board runs {implementation}"
            )
        function = board.executors[version.kind].bind(name, version.func, version.settings)
        if version.autoinit and isinstance(function, BoardFunction):
            autoinit.append(function)
    return autoinit


_MISSING = object()


class _ClassBody(dict[str, Any]):
    """A class namespace where a board method's name may be defined again, once per
    implementation (Belay's overloads); mixing it with a plain attribute is a ``ValueError``."""

    def __setitem__(self, key: str, value: Any) -> None:
        prior = self.get(key, _MISSING)
        if prior is not _MISSING and prior is not value:
            new, old = isinstance(value, BoardMethod), isinstance(prior, BoardMethod)
            if new and old:
                value = prior.with_version(value)
            elif new or old:
                raise ValueError(
                    f"{key} is both a board method (@Device.task ...) and a plain attribute "
                    "in one class body; rename one of them"
                )
        super().__setitem__(key, value)


class DeviceMeta(type):
    """``Device``'s metaclass: per-implementation versions of a method in one class body,
    and a registry of subclasses (``Device["mydevice"]``; ``skip=True`` leaves a class out)."""

    _registry: dict[str, type]

    @classmethod
    def __prepare__(mcs, name: str, bases: tuple[type, ...], **kwargs: Any) -> _ClassBody:  # type: ignore[override]
        return _ClassBody()

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], skip: bool = False
    ) -> DeviceMeta:
        cls = super().__new__(mcs, name, bases, dict(namespace))
        if not bases:
            cls._registry = {}
        elif not skip:
            cls._registry[name.lower()] = cls
        return cls

    def mro(cls) -> list[type]:
        """Python's order, with the root class (``Device``, marked ``_device_root``) moved
        last before ``object``, as Belay does: a mixin listed after ``Device`` in the bases
        still wins, so a mixin's method called ``setup`` is not hidden by ``Device.setup``."""
        order = super().mro()
        roots = [klass for klass in order[1:] if vars(klass).get("_device_root")]
        if not roots:
            return order
        rest = [klass for klass in order if klass not in roots and klass is not object]
        return [*rest, *roots, object]

    def __getitem__(cls, name: str) -> type:
        """The registered subclass called ``name`` (case does not matter)."""
        try:
            return cls._registry[name.lower()]
        except KeyError:
            raise KeyError(
                f"no Device subclass named {name!r}; known: {', '.join(cls._registry) or 'none'}"
            ) from None

    def __contains__(cls, name: object) -> bool:
        return isinstance(name, str) and name.lower() in cls._registry

    def __iter__(cls) -> Iterator[str]:
        return iter(cls._registry)

    def __len__(cls) -> int:
        return len(cls._registry)

    def keys(cls) -> list[str]:
        """The registered subclass names."""
        return list(cls._registry)
