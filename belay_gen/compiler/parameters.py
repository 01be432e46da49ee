"""The one parameter-kind walk: a ``def``'s parameters in Python's order, read and written.

Python orders parameters positional-only, ``/``, positional-or-keyword, ``*args`` (or a bare
``*``), keyword-only, ``**kwargs``. :func:`read` lists a parsed ``def``'s parameters with their
kinds (the scan describes them and finds their annotations through it); :func:`parameter_list`
writes IR parameters back with the ``/`` and bare ``*`` in place (the board's ``def`` line of a
setup/teardown function, the stub's signature). Both stages sit on this one module, so the
board and the stub cannot disagree on a signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from belay_gen.compiler.model import Parameter, ParamKind

STARS: dict[ParamKind, str] = {"var_positional": "*", "var_keyword": "**"}


def read(params: cst.Parameters) -> Iterator[tuple[cst.Param, ParamKind]]:
    """Each parameter of a parsed ``def`` with its kind, in the order they are written."""
    for param in params.posonly_params:
        yield param, "positional_only"
    for param in params.params:
        yield param, "positional_or_keyword"
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg, "var_positional"
    for param in params.kwonly_params:
        yield param, "keyword_only"
    if params.star_kwarg is not None:
        yield params.star_kwarg, "var_keyword"


def parameter_list(params: Sequence[Parameter], item: Callable[[Parameter], str]) -> list[str]:
    """The items of a parameter list: each ``item(param)`` after its ``*``/``**``, with ``/``
    after the last positional-only one and a bare ``*`` before the first keyword-only one
    when no ``*args`` precedes it.

    >>> parameter_list([Parameter("a", "positional_only"), Parameter("b", "keyword_only")],
    ...                lambda p: p.name)
    ['a', '/', '*', 'b']
    """
    items: list[str] = []
    starred = False
    for index, param in enumerate(params):
        if param.kind == "keyword_only" and not starred:
            items.append("*")
        starred = starred or param.kind in ("var_positional", "keyword_only")
        items.append(STARS.get(param.kind, "") + item(param))
        following = params[index + 1].kind if index + 1 < len(params) else None
        if param.kind == "positional_only" and following != "positional_only":
            items.append("/")
    return items
