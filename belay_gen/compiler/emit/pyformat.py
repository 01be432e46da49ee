"""Python text the way ruff/black format it, for the generated stub.

Only what the stub needs: string literals (double quotes unless that needs more escapes),
literal values, docstrings, and calls or signatures laid out on one line when they fit in
:data:`WIDTH` columns, else one item per line with a trailing comma (a "magic" trailing comma,
so a formatter keeps the layout). Generated files are a fixed point of ``ruff format``.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 88
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string(text: str, prefix: str = "") -> str:
    """A string literal for ``text``, double-quoted unless that needs more escapes."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char == quote:
            out.append("\\" + char)
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return f"{prefix}{quote}{''.join(out)}{quote}"


def literal(value: object) -> str:
    """Source for a literal value (what ``ast.literal_eval`` returns), formatter-style."""
    if isinstance(value, str):
        return string(value)
    if isinstance(value, bytes):
        text = repr(value)
        if text.startswith("b'") and b'"' not in value:
            return 'b"' + text[2:-1].replace("\\'", "'") + '"'
        return text
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()"  # "{}" would be an empty dict
        return "{" + ", ".join(sorted(literal(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def docstring(text: str, indent: int) -> list[str]:
    """A docstring's lines at ``indent`` spaces (single line when the text is one line)."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    pad = " " * indent
    lines = [line.rstrip() for line in text.strip().split("\n")]
    if len(lines) == 1:
        return [f'{pad}"""{lines[0]}"""']
    out = [f'{pad}"""{lines[0]}']
    out.extend(f"{pad}{line}" if line else "" for line in lines[1:])
    out.append(f'{pad}"""')
    return out


@dataclass(frozen=True)
class Bracketed:
    """``head`` items ``close``: a call, a list display or a ``def`` signature."""

    head: str
    items: tuple[Bracketed | str, ...]
    close: str

    def one_line(self) -> str:
        return self.head + ", ".join(_one_line(item) for item in self.items) + self.close


def _one_line(item: Bracketed | str) -> str:
    return item if isinstance(item, str) else item.one_line()


def layout(item: Bracketed | str, indent: int, prefix: str = "", suffix: str = "") -> list[str]:
    """Lines for ``prefix + item + suffix`` at ``indent`` spaces, split only where needed."""
    pad = " " * indent
    line = f"{pad}{prefix}{_one_line(item)}{suffix}"
    if len(line) <= WIDTH or isinstance(item, str) or not item.items:
        return [line]
    out = [f"{pad}{prefix}{item.head}"]
    for inner in item.items:
        out.extend(layout(inner, indent + 4, suffix=","))
    out.append(f"{pad}{item.close}{suffix}")
    return out
