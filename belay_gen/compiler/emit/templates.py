"""The one jinja2 environment over ``belay_gen/templates`` (jinja2 loads on first render)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("belay_gen", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,  # a missing variable is an error, not ""
        autoescape=False,
    )


def render(template: str, **values: Any) -> str:
    """``template`` (a file of ``belay_gen/templates``) rendered with ``values``."""
    return _environment().get_template(template).render(**values)
