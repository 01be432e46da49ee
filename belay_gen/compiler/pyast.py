"""The stdlib's parser, quiet: :func:`parse` as ``ast.parse``, without its warnings."""

from __future__ import annotations

import ast
import threading
import warnings

# ast.parse may warn (an invalid escape like "\\d"); the filter that silences it is global
# state, so parses in several threads take turns around it.
_PARSE_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """``ast.parse(source)`` with warnings silenced.

    Raises:
        SyntaxError: ``source`` is not valid Python.
    """
    with _PARSE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)
