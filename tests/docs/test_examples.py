"""Every code block of docs/ marked runnable runs on the virtual board and does what the page
says; blocks that need hardware are not marked (see :mod:`tests.docs.markdown_blocks`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.markdown_blocks import blocks, checked_blocks, run_page
from tests.support.requirements import require_board

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
RUNNABLE = [page for page in PAGES if any(block.runnable for block in blocks(page))]
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.board
@pytest.mark.parametrize("page", RUNNABLE, ids=[page.name for page in RUNNABLE])
def test_runnable_blocks_of_the_page_run(page: Path, tmp_path: Path) -> None:
    require_board()
    ran = run_page(page, tmp_path)
    assert ran, f"{page.name} has runnable blocks, yet none ran"


def test_the_pages_with_examples_have_runnable_blocks() -> None:
    names = {page.name for page in RUNNABLE}
    expected = {
        "quickstart.md",
        "dynamic-api.md",
        "aot.md",
        "sync.md",
        "packages.md",
        "circuitpython.md",
        "how-it-works.md",
    }
    assert expected <= names, f"no runnable block in {sorted(expected - names)}"


def test_a_failing_block_fails_the_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text(
        "# Broken\n\n```python run\nprint('ok')\n```\n\n```python run\nraise SystemExit(3)\n```\n"
    )
    with pytest.raises(AssertionError, match=r"broken\.md:7: exited 3"):
        run_page(page, tmp_path)


def test_a_failing_shell_command_fails_the_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text("```sh run\nbelay-gen no-such-command\necho after\n```\n")
    with pytest.raises(AssertionError, match=r"broken\.md:1: exited 2"):
        run_page(page, tmp_path)


def test_output_that_differs_fails_the_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text(
        "```python run\nprint(6 * 7)\n```\n\n```text output\n42\n```\n\n"
        "```python run\nprint(6 * 9)\n```\n\n```text output\n42\n```\n"
    )
    with pytest.raises(AssertionError, match=r"broken\.md:13: expected '42'"):
        run_page(page, tmp_path)


def test_files_blocks_are_written_before_the_blocks_that_use_them(tmp_path: Path) -> None:
    page = tmp_path / "files.md"
    page.write_text(
        "```toml file=conf/x.toml\nanswer = 42\n```\n\n"
        "```python run\nimport tomllib\nprint(tomllib.load(open('conf/x.toml', 'rb')))\n```\n\n"
        "```text output\n{'answer': 42}\n```\n"
    )
    assert run_page(page, tmp_path) == ["files.md:5"]


def test_every_page_is_indexed_and_every_relative_link_resolves() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in PAGES:
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not link {page.name}"
    for page in [*PAGES, DOCS.parent / "README.md"]:
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_every_marked_block_is_a_kind_the_runner_knows() -> None:
    for page in PAGES:
        for block in checked_blocks(page):
            if block.runnable:
                assert block.words[0] in ("python", "sh"), block.where
