"""``belay-gen new NAME``: a project folder ready for ``update`` and ``install``."""

from __future__ import annotations

import re
from pathlib import Path

from belay_gen.errors import ConfigError
from belay_gen.files import write_atomic
from belay_gen.packages.paths import LIB_DIR, LOCK_FILE

PYPROJECT = """\
[project]
name = "{project}"
version = "0.1.0"
description = "A MicroPython project driven by belay-gen."
requires-python = ">=3.10"
dependencies = ["belay-gen"]

[tool.belay]
name = "{package}"

[tool.belay.dependencies]
# Files by URL, github:org/repo/path[@ref], a package.json, a local path, or "*" (index):
# ssd1306 = "github:micropython/micropython-lib/micropython/drivers/display/ssd1306/ssd1306.py"

[tool.pytest.ini_options]
pythonpath = "{lib}"
"""

PACKAGE_INIT = '''\
"""{package}: code that runs on the board (installed to /{package})."""


def greeting(name="board"):
    return "hello from " + name
'''

MAIN = """\
# Runs at boot once installed with `make deploy` (belay-gen install PORT --main main.py).
import {package}

print({package}.greeting())
"""

MAKEFILE = """\
# `make update` downloads dependencies into {lib}/ (commit it and {lock});
# `make deploy PORT=/dev/ttyACM0` installs them, {package}/ and main.py; `make run` runs
# main.py once without installing it as /main.py. PORT defaults to a fresh virtual board.
BELAY_GEN ?= belay-gen
PORT ?= virtual:

.PHONY: update deploy run clean

update:
\t$(BELAY_GEN) update

deploy:
\t$(BELAY_GEN) install $(PORT) --main main.py

run:
\t$(BELAY_GEN) install $(PORT) --run main.py

clean:
\t$(BELAY_GEN) clean
"""

README = """\
# {project}

A MicroPython project managed by belay-gen.

- `make update` downloads the dependencies of `pyproject.toml` into `{lib}/` and records
  them in `{lock}`; commit both, so a deployment never depends on a server.
- `make deploy PORT=/dev/ttyACM0` installs them to `/lib`, `{package}/` to `/{package}`, and
  `main.py` as `/main.py`.
- `make run` installs, then runs `main.py` once and shows its output.
"""

GITIGNORE = "__pycache__/\n*.pyc\nbuild/\n"


def package_name(project: str) -> str:
    """The import name for a project called ``project`` (``my-app`` → ``my_app``)."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", project).lower()
    if not name.isidentifier():
        raise ConfigError(
            f"cannot make a Python package name from {project!r}: start the name with a letter"
        )
    return name


def new_project(folder: Path, package: str | None = None) -> list[Path]:
    """Create a project in ``folder`` (new, or empty); returns the files written.

    Raises :class:`ConfigError` when ``folder`` already holds files.
    """
    project = folder.resolve().name
    package = package or package_name(project)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"{folder} already exists and is not empty; pick a new folder")
    values = {"project": project, "package": package, "lib": LIB_DIR, "lock": LOCK_FILE}
    files = {
        "pyproject.toml": PYPROJECT,
        f"{package}/__init__.py": PACKAGE_INIT,
        "main.py": MAIN,
        "Makefile": MAKEFILE,
        "README.md": README,
        ".gitignore": GITIGNORE,
    }
    written = []
    for relative, template in files.items():
        path = folder / relative
        write_atomic(path, template.format(**values).encode())
        written.append(path)
    return written
