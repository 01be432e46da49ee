"""Source text -> IR (``model.Module``), one question per module.

``source`` parses; ``bindings`` (what names mean) and ``board_defs`` (which defs run on the
board) find the functions; ``board_function`` describes each (with ``decorators``,
``literals``, ``body`` and the line ``layout``); ``imports`` and ``annotations`` work out what
the board module and the stub import; ``module`` puts it together.
"""

from belay_gen.compiler.scan.module import scan_module

__all__ = ["scan_module"]
