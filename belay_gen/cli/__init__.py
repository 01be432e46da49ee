"""The ``belay-gen`` command line: one module per command group, each parse -> library -> print."""

from belay_gen.cli.main import main

__all__ = ["main"]
