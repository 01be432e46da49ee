"""Fuzz the package manager's readers of untrusted files: ``belay.lock``, package.json and
``[tool.belay]``. Only PackageError (lock, package.json) and ConfigError (configuration) may
come out, never another exception."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from belay_gen.errors import ConfigError, PackageError
from belay_gen.packages.config import load_project, parse_project
from belay_gen.packages.lock import Lock
from belay_gen.packages.resolve import _manifest
from belay_gen.project import Pyproject
from tests.fuzz.conftest import FUZZ

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
PATHS = st.sampled_from(["a/__init__.py", "../x", "/abs", "a\\b", "", "a//b", "ok.py", "C:/x"])
LOCKED_FILE = st.fixed_dictionaries({"url": st.text(max_size=20) | JSON, "sha256": JSON})
ENTRY = st.fixed_dictionaries(
    {
        "group": JSON,
        "sources": st.lists(JSON | st.fixed_dictionaries({"uri": st.text(max_size=8)})) | JSON,
        "files": st.dictionaries(PATHS, LOCKED_FILE | JSON, max_size=3) | JSON,
    }
)
LOCKS = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {
            "version": st.sampled_from([1, 2, "1", None]),
            "dependencies": st.dictionaries(PATHS | st.text(max_size=8), ENTRY | JSON) | JSON,
        }
    ),
)
DEEP = "[" * 100_000 + "]" * 100_000  # json.loads: RecursionError, unless caught


@FUZZ
@given(st.one_of(LOCKS.map(json.dumps), st.text(max_size=200)))
@example(DEEP)
@example('{"version": 1, "dependencies": ' + DEEP + "}")
def test_lock_read_raises_only_package_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "belay.lock"
        path.write_text(text)
        try:
            lock = Lock.read(path)
        except PackageError:
            return
    for name, entry in lock.entries.items():
        assert "/" not in name
        assert all(
            isinstance(f.url, str) and isinstance(f.sha256, str) for f in entry.files.values()
        )


MANIFEST_KEYS = st.sampled_from(["urls", "hashes", "deps", "version", "x"])
MANIFESTS = st.one_of(
    JSON,
    st.dictionaries(
        MANIFEST_KEYS,
        st.lists(st.lists(st.text(max_size=6) | JSON, max_size=3) | JSON, max_size=3) | JSON,
    ),
)


@FUZZ
@given(st.one_of(MANIFESTS.map(lambda d: json.dumps(d).encode()), st.binary(max_size=100)))
@example(DEEP.encode())
@example(b'{"urls": ' + DEEP.encode() + b"}")
def test_package_json_reader_raises_only_package_error(data: bytes) -> None:
    try:
        document = _manifest("http://x/package.json", data)
    except PackageError:
        return
    for pairs in document.values():
        assert all(isinstance(a, str) and isinstance(b, str) for a, b in pairs)


def tool_belay(table: Any) -> dict[str, Any]:
    return {"tool": {"belay": table}}


DEPENDENCY = st.one_of(
    st.text(max_size=10),
    st.lists(st.text(max_size=6) | JSON, max_size=3),
    st.dictionaries(
        st.sampled_from(["uri", "develop", "rename", "rename_to_init", "x"]), JSON, max_size=4
    ),
    JSON,
)
DEPENDENCIES = st.dictionaries(PATHS | st.text(max_size=6), DEPENDENCY, max_size=3)
TABLES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "name": JSON,
            "ignore": JSON,
            "dependencies": DEPENDENCIES | JSON,
            "group": st.dictionaries(
                st.text(max_size=6),
                st.fixed_dictionaries(
                    {}, optional={"optional": JSON, "dependencies": DEPENDENCIES | JSON}
                )
                | JSON,
                max_size=2,
            )
            | JSON,
            "other": JSON,
        },
    ),
)


@FUZZ
@given(TABLES)
def test_config_parse_raises_only_config_error(table: Any) -> None:
    pyproject = Pyproject(Path("/nowhere/pyproject.toml"), "", tool_belay(table), exists=True)
    try:
        config = parse_project(pyproject)
    except ConfigError:
        return
    for dep in config.dependencies():
        assert dep.sources and all(isinstance(s.uri, str) for s in dep.sources)


@FUZZ
@given(st.text(max_size=200).map(lambda body: "[tool.belay]\n" + body))
@example("[tool.belay.dependencies]\nx = " + "[" * 5000 + "]" * 5000)
@example("[tool.belay]\nname = 'app'\n\x00")
def test_config_load_raises_only_config_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pyproject.toml").write_text(text)
        with contextlib.suppress(ConfigError):
            load_project(Path(folder))
