"""The stub package's ``host/__init__.py``."""

from __future__ import annotations

from belay_gen.compiler.emit.templates import render


def package_init() -> str:
    """``host/__init__.py``: a docstring saying the package is generated."""
    return render("host_init.py.j2")
