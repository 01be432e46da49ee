"""Fixtures of the package-manager tests: a package server on 127.0.0.1 and a project folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.package_server import PackageServer, package_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PackageServer]:
    """A fresh package server (tests/support/packages_http) for one test."""
    with package_server(tmp_path) as running:
        yield running


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An empty project folder."""
    folder = tmp_path / "project"
    folder.mkdir()
    return folder
