"""docs/cli.md is the CLI's own --help output; it must not drift from the commands."""

from __future__ import annotations

from pathlib import Path

from belay_gen.cli.main import main
from belay_gen.cli.reference import REGENERATE, render_reference

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_cli_reference_is_current() -> None:
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == render_reference(), f"docs/cli.md is out of date: run {REGENERATE}"


def test_reference_covers_every_command() -> None:
    text = render_reference()
    for name in main.commands:
        assert f"\n## belay-gen {name}\n" in text
    assert "\n## belay-gen cache clean\n" in text


def test_docs_index_links_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in ("cli.md", "virtual-board.md", "coming-from-belay.md"):
        assert f"]({page})" in index
