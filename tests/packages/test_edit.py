"""The line editor of ``[tool.belay.dependencies]``: comments and order kept, odd forms refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from belay_gen.errors import ConfigError
from belay_gen.packages.edit import add_dependency, remove_dependency, toml_key, toml_string

PYPROJECT = """\
# the project
[project]
name = "demo"

[tool.belay]
name = "app"   # the package

[tool.belay.dependencies]
# displays
ssd1306 = "https://example.org/ssd1306.py"  # pinned by hand
tools = [
    "lib/a.py",  # first
    "lib/b.py",
]
local = {uri = "../shared", develop = true}

# after the table
[tool.belay.group.dev.dependencies]
fakes = "tests/fakes.py"
"""


@pytest.fixture
def pyproject(tmp_path: Path) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT)
    return path


def test_add_goes_after_the_last_entry_and_touches_nothing_else(pyproject: Path) -> None:
    assert add_dependency(pyproject, "sensor", toml_string("github:org/sensor")) is False
    expected = PYPROJECT.replace(
        "develop = true}\n", 'develop = true}\nsensor = "github:org/sensor"\n'
    )
    assert pyproject.read_text() == expected


def test_add_replaces_an_entry_in_place_keeping_its_comment(pyproject: Path) -> None:
    assert add_dependency(pyproject, "ssd1306", toml_string("github:org/ssd1306")) is True
    assert pyproject.read_text() == PYPROJECT.replace(
        '"https://example.org/ssd1306.py"  # pinned', '"github:org/ssd1306"  # pinned'
    )
    # A multi-line entry is replaced whole.
    assert add_dependency(pyproject, "tools", toml_string("lib/c.py")) is True
    text = pyproject.read_text()
    assert 'tools = "lib/c.py"\nlocal = ' in text and "lib/a.py" not in text


def test_remove_deletes_only_its_lines(pyproject: Path) -> None:
    remove_dependency(pyproject, "tools")
    assert pyproject.read_text() == PYPROJECT.replace(
        'tools = [\n    "lib/a.py",  # first\n    "lib/b.py",\n]\n', ""
    )
    with pytest.raises(ConfigError, match="'nope' is not in"):
        remove_dependency(pyproject, "nope")


def test_a_missing_table_is_added_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.belay]\nname = "app"')  # no final newline
    add_dependency(path, "odd name", toml_string('a "quoted" path'))
    assert path.read_text() == (
        '[tool.belay]\nname = "app"\n\n[tool.belay.dependencies]\n'
        '"odd name" = "a \\"quoted\\" path"\n'
    )


def test_a_header_with_nothing_under_it(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.belay.dependencies]\n\n[other]\nx = 1\n")
    add_dependency(path, "a", toml_string("b"))
    assert path.read_text() == '[tool.belay.dependencies]\na = "b"\n\n[other]\nx = 1\n'


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('[tool.belay]\ndependencies = {a = "x"}\n', "inline or with dotted keys"),
        ('[tool]\nbelay.dependencies.a = "x"\n', "inline or with dotted keys"),
        ('[tool.belay.dependencies]\nb.uri = "x"\nb.develop = true\n', "dotted keys"),
        ('[tool.belay.dependencies]\n[tool.belay.dependencies.b]\nuri = "x"\n', "its own table"),
    ],
)
def test_forms_it_cannot_edit_safely_are_refused(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="cannot edit the dependencies safely") as raised:
        add_dependency(path, "b", toml_string("y"))
    assert why in str(raised.value)
    if "a =" not in text:  # the dependency b exists, written in a form not to be taken apart
        with pytest.raises(ConfigError, match="cannot edit the dependencies safely"):
            remove_dependency(path, "b")
    assert path.read_text() == text


def test_invalid_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.belay.dependencies\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        add_dependency(path, "a", toml_string("b"))


def test_a_comment_sign_inside_a_string_is_no_comment(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.belay.dependencies]\na = "x#y"\n')
    add_dependency(path, "a", toml_string("z"))
    assert path.read_text() == '[tool.belay.dependencies]\na = "z"\n'


def test_keys_and_strings() -> None:
    assert toml_key("ssd1306") == "ssd1306" and toml_key("a.b") == '"a.b"'
    assert toml_string("é\n") == '"\\u00e9\\n"'
