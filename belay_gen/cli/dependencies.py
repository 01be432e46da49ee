"""``belay-gen add`` and ``remove``: edit ``[tool.belay.dependencies]``, then update or clean.

The edit keeps the file's comments and order (:mod:`belay_gen.packages.edit`); if the new
entry is refused by the config reader, or its download fails, ``pyproject.toml`` is put back.
"""

from __future__ import annotations

from pathlib import Path

import click

from belay_gen.cli.options import PROJECT_OPTION


@click.command("add")
@click.argument("name")
@click.argument("uri")
@click.option("--develop", is_flag=True, help="A local path read at install time, never copied.")
@click.option("--no-update", is_flag=True, help="Only edit pyproject.toml; download nothing.")
@PROJECT_OPTION
def add_command(name: str, uri: str, develop: bool, no_update: bool, project: Path) -> None:
    """Add dependency NAME from URI to [tool.belay.dependencies] (or change its URI), then
    download it.

    \b
    URI: https://.../file.py, github:org/repo[/path][@ref], gitlab:..., a local path,
    or a version of the MicroPython index ("*" for the latest).
    """
    from belay_gen.errors import BelayError
    from belay_gen.files import write_atomic
    from belay_gen.packages import load_project
    from belay_gen.packages.edit import add_dependency, toml_string

    path = load_project(project).pyproject.path
    original = path.read_bytes()
    value = toml_string(uri)
    if develop:
        value = f"{{uri = {value}, develop = true}}"
    existed = add_dependency(path, name, value)
    try:
        config = load_project(project)  # the config reader checks the name and the URI
        click.echo(f"{'changed' if existed else 'added'} {name} in {path}")
        if not no_update:
            from belay_gen.cli.packages import run_update

            run_update(config, (name,))
    except BelayError as exc:
        write_atomic(path, original)
        exc.args = (f"{exc} ({path.name} is left as it was)",)
        raise
    except BaseException:
        write_atomic(path, original)
        raise


@click.command("remove")
@click.argument("name")
@PROJECT_OPTION
def remove_command(name: str, project: Path) -> None:
    """Remove dependency NAME from [tool.belay.dependencies], then its files from
    .belay-lib/ and belay.lock."""
    from belay_gen.packages import clean, load_project
    from belay_gen.packages.edit import remove_dependency
    from belay_gen.packages.paths import LIB_DIR

    path = load_project(project).pyproject.path
    remove_dependency(path, name)
    click.echo(f"removed {name} from {path}")
    for removed in clean(load_project(project), log=click.echo):
        click.echo(f"removed {LIB_DIR}/{removed}")
