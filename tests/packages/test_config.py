"""``[tool.belay]`` parsing, error lines, safe paths and where dependency URIs point."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from belay_gen.errors import ConfigError, PackageError
from belay_gen.packages.config import MAIN, Source, load_project, parse_project
from belay_gen.packages.locate import (
    Endpoints,
    FileRef,
    FolderRef,
    IndexRef,
    ManifestRef,
    locate,
    manifest_entry,
)
from belay_gen.packages.paths import unsafe_reason
from belay_gen.project import Pyproject, find_project, key_line, load_pyproject

EP = Endpoints(github_raw="http://gh", gitlab="http://gl", index="http://idx")


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(text).lstrip())
    return tmp_path


def config_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_project(project(tmp_path, text))
    return str(caught.value)


# ---- key_line -----------------------------------------------------------------------------

KEYS = """\
[project]
name = "x"

[tool.belay]
name = "app"
dependencies = { foo = "a", "bar-baz" = "b" }

[tool.belay.group.dev]
optional = true

[tool.belay.group.dev.dependencies]
stubs = [
  "a.py",
  {uri = "b.py"},
]
qux.uri = "x"
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("tool", "belay", "name"), 5),
        (("tool", "belay", "dependencies", "foo"), 6),
        (("tool", "belay", "dependencies", "bar-baz"), 6),
        (("tool", "belay", "group", "dev", "optional"), 9),
        (("tool", "belay", "group", "dev", "dependencies", "stubs"), 12),
        (("tool", "belay", "group", "dev", "dependencies", "qux"), 16),
        (("tool", "belay", "group", "dev", "dependencies", "missing"), 11),
        (("tool", "belay", "build"), 4),
        (("nothing",), 1),
    ],
)
def test_key_line_finds_tables_dotted_and_inline_keys(path: tuple[str, ...], line: int) -> None:
    assert key_line(KEYS, path) == line


def test_find_project_walks_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_project(tmp_path / "a" / "b") == tmp_path.resolve()


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    project(tmp_path, "[tool.belay\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: not valid TOML"):
        load_pyproject(tmp_path)


def test_missing_pyproject_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="belay-gen new NAME"):
        load_project(tmp_path)


# ---- dependency forms ---------------------------------------------------------------------


def test_every_dependency_form(tmp_path: Path) -> None:
    config = load_project(
        project(
            tmp_path,
            """
            [tool.belay]
            name = "app"
            ignore = ["*.md"]

            [tool.belay.dependencies]
            single = "https://example.com/single.py"
            several = ["github:org/repo/a.py", {uri = "lib/b.py", rename = "bee.py"}]
            table = {uri = "lib/c.py"}
            dev_copy = {uri = "../shared", develop = true}
            latest = "*"
            pinned = "1.2.0"

            [tool.belay.group.test]
            optional = true
            [tool.belay.group.test.dependencies]
            fakes = "tests/fakes.py"
            """,
        )
    )
    assert config.name == "app" and config.ignore == ("*.md",)
    deps = {dep.name: dep for dep in config.dependencies()}
    assert deps["single"].sources == (Source("https://example.com/single.py", rename_to_init=True),)
    assert deps["several"].sources == (
        Source("github:org/repo/a.py"),
        Source("lib/b.py", rename="bee.py"),
    )
    assert deps["table"].sources == (Source("lib/c.py", rename_to_init=True),)
    assert deps["dev_copy"].cached == ()
    assert deps["latest"].sources[0].uri == "mip:latest"
    assert deps["pinned"].sources[0].uri == "mip:pinned@1.2.0"
    assert deps["fakes"].group == "test"
    assert [d.name for d in config.installed_with()] == [n for n in deps if n != "fakes"]
    assert "fakes" in [d.name for d in config.installed_with(["test"])]
    with pytest.raises(ConfigError, match=r"no dependency group 'prod' .*\(groups: test\)"):
        config.installed_with(["prod"])
    with pytest.raises(ConfigError, match=r"no dependency named 'nope'"):
        config.select(["nope"])


def test_no_tool_belay_means_no_dependencies(tmp_path: Path) -> None:
    config = load_project(project(tmp_path, '[project]\nname = "x"\n'))
    assert config.name is None and config.dependencies() == []
    assert [group.name for group in config.groups] == [MAIN]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('[tool.belay]\nnaem = "x"\n', 2, r"\[tool.belay\] naem is not a belay-gen setting"),
        ('[tool.belay]\nname = "my app"\n', 2, r"name must be the project package's name"),
        ('[tool.belay]\nignore = "*.md"\n', 2, r"ignore must be a list"),
        (
            '[tool.belay.dependencies]\nok = "a.py"\n"../up" = "b.py"\n',
            3,
            r'\[tool.belay.dependencies\] "../up" contains \'..\': a dependency name',
        ),
        (
            '[tool.belay.dependencies]\n"/abs" = "b.py"\n',
            2,
            r'"/abs" is absolute: a dependency name becomes a folder',
        ),
        (
            '[tool.belay.dependencies]\nx = {uri = "a.py", rename = "../../a.py"}\n',
            2,
            r"x rename '../../a.py' contains '..'",
        ),
        (
            '[tool.belay.dependencies]\nx = {uri = "a.py", rename = "/boot.py"}\n',
            2,
            r"x rename '/boot.py' is absolute",
        ),
        (
            '[tool.belay.dependencies]\nx = {uri = "https://h/a.py", develop = true}\n',
            2,
            r"develop = true needs a local path",
        ),
        ('[tool.belay.dependencies]\nx = "^1.0"\n', 2, r"version ranges are not supported"),
        ("[tool.belay.dependencies]\nx = []\n", 2, r"x is an empty list"),
        ("[tool.belay.dependencies]\nx = 3\n", 2, r"x must be a URL or path"),
        ('[tool.belay.dependencies]\nx = {url = "a"}\n', 2, r"unknown setting 'url'"),
        (
            '[tool.belay.dependencies]\nx = [{uri="a.py", rename_to_init=true},'
            ' {uri="b.py", rename_to_init=true}]\n',
            2,
            r"more than one source with rename_to_init",
        ),
        ("[tool.belay.group.main]\noptional = true\n", 1, r"main is reserved"),
        ('[tool.belay.group.dev]\noptional = "yes"\n', 2, r"optional must be true or false"),
        (
            '[tool.belay.dependencies]\nx = "a.py"\n\n'
            '[tool.belay.group.dev.dependencies]\nx = "b.py"\n',
            5,
            r"x is also in group 'main'",
        ),
    ],
)
def test_config_errors_name_file_line_and_key(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    error = config_error(tmp_path, body)
    assert error.startswith(f"{tmp_path / 'pyproject.toml'}:{line}: "), error
    assert len(error.splitlines()) == 1
    assert __import__("re").search(message, error), error


def test_pyproject_error_without_a_key() -> None:
    doc = Pyproject(Path("/p/pyproject.toml"), "[tool.belay]\n", {"tool": {"belay": {}}}, True)
    assert (
        str(doc.error(("tool", "belay"), None, "is odd"))
        == "/p/pyproject.toml:1: [tool.belay] is odd"
    )
    assert parse_project(doc).name is None


# ---- paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("pkg/__init__.py", None),
        ("a.py", None),
        ("", "is empty"),
        ("/boot.py", "is absolute"),
        ("C:/x.py", "is absolute"),
        ("..", "contains '..'"),
        ("a/../../b.py", "contains '..'"),
        ("a\\b.py", "contains a backslash or NUL; use '/' between folders"),
        ("a//b.py", "has an empty or '.' component"),
        ("./a.py", "has an empty or '.' component"),
    ],
)
def test_unsafe_reason(path: str, reason: str | None) -> None:
    assert unsafe_reason(path) == reason


# ---- locate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "target"),
    [
        ("github:org/repo/drivers/ssd.py", FileRef("http://gh/org/repo/HEAD/drivers/ssd.py")),
        ("github:org/repo/ssd.py@v1.2", FileRef("http://gh/org/repo/v1.2/ssd.py")),
        ("github:org/repo", ManifestRef("http://gh/org/repo/HEAD/package.json")),
        ("github:org/repo@v2", ManifestRef("http://gh/org/repo/v2/package.json", "v2")),
        ("github:org/repo/sub/pkg", ManifestRef("http://gh/org/repo/HEAD/sub/pkg/package.json")),
        ("github:org/repo/x.json@r", ManifestRef("http://gh/org/repo/r/x.json", "r")),
        ("gitlab:org/repo/a.py@main", FileRef("http://gl/org/repo/-/raw/main/a.py")),
        (
            "https://github.com/org/repo/blob/main/lib/ssd.py",
            FileRef("http://gh/org/repo/main/lib/ssd.py"),
        ),
        (
            "https://github.com/org/repo/tree/v3/pkg",
            ManifestRef("http://gh/org/repo/v3/pkg/package.json", "v3"),
        ),
        ("https://github.com/org/repo", ManifestRef("http://gh/org/repo/HEAD/package.json")),
        (
            "https://raw.githubusercontent.com/org/repo/main/a.py",
            FileRef("http://gh/org/repo/main/a.py"),
        ),
        ("https://example.com/x/a.py", FileRef("https://example.com/x/a.py")),
        ("https://example.com/x/package.json", ManifestRef("https://example.com/x/package.json")),
        ("mip:aiohttp", IndexRef("aiohttp")),
        ("mip:aiohttp@1.0", IndexRef("aiohttp", "1.0")),
    ],
)
def test_locate_urls(uri: str, target: object) -> None:
    assert locate(uri, Path("/nowhere"), EP) == target


def test_locate_local_paths(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.py").write_text("")
    (tmp_path / "lib" / "package.json").write_text("{}")
    assert locate("lib", tmp_path, EP) == FolderRef(tmp_path / "lib")
    assert locate("lib/a.py", tmp_path, EP) == FileRef(str(tmp_path / "lib" / "a.py"))
    assert locate(str(tmp_path / "lib" / "a.py"), Path("/"), EP) == FileRef(
        str(tmp_path / "lib" / "a.py")
    )
    manifest = locate("lib/package.json", tmp_path, EP)
    assert manifest == ManifestRef(str(tmp_path / "lib" / "package.json"))
    assert isinstance(manifest, ManifestRef)
    assert manifest_entry("src/b.py", manifest, EP) == str(tmp_path / "lib" / "src" / "b.py")
    with pytest.raises(PackageError, match=r"local path 'lib/nope.py' does not exist"):
        locate("lib/nope.py", tmp_path, EP)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("ftp://host/a.py", "unsupported URL scheme 'ftp'"),
        ("github:org", "expected github:ORG/REPO"),
        ("github:org/../x.py", "expected github:ORG/REPO"),
        ("github:org/repo/a.py@", "expected github:ORG/REPO"),
        ("mip:a/b", "not an index package name"),
    ],
)
def test_locate_rejects(uri: str, message: str) -> None:
    with pytest.raises(PackageError, match=message):
        locate(uri, Path("/nowhere"), EP)


def test_manifest_entries_resolve_like_mip() -> None:
    manifest = ManifestRef("http://gh/org/repo/v1/pkg/package.json", "v1")
    assert manifest_entry("a/b.py", manifest, EP) == "http://gh/org/repo/v1/pkg/a/b.py"
    assert manifest_entry("github:o/r/x.py", manifest, EP) == "http://gh/o/r/v1/x.py"
    assert manifest_entry("github:o/r/x.py@v9", manifest, EP) == "http://gh/o/r/v9/x.py"
    assert manifest_entry("https://h/y.py", manifest, EP) == "https://h/y.py"


def test_endpoints_from_env() -> None:
    env = {"BELAY_GEN_GITHUB_RAW_BASE": "http://127.0.0.1:1/gh/", "BELAY_GEN_INDEX": "http://i"}
    assert Endpoints.from_env(env) == Endpoints(
        github_raw="http://127.0.0.1:1/gh", index="http://i"
    )
    assert Endpoints.from_env({}) == Endpoints()
