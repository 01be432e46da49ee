"""``belay-gen update``, ``clean``, ``install`` and ``new``: the package manager's commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from belay_gen.cli.options import (
    MPY_CROSS_BINARY_OPTION,
    NO_MINIFY_OPTION,
    PASSWORD_OPTION,
    PORT_HELP,
    PROJECT_OPTION,
)

if TYPE_CHECKING:
    from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport


@click.command("update")
@click.argument("names", nargs=-1)
@click.option(
    "--frozen", is_flag=True, help="Download only what belay.lock records; refuse changes."
)
@PROJECT_OPTION
def update_command(names: tuple[str, ...], frozen: bool, project: Path) -> None:
    """Download the dependencies of pyproject.toml (or just NAMES) into .belay-lib/,
    record them in belay.lock, then clean.

    A dependency that fails keeps its previous copy; the command then exits 2.
    """
    from belay_gen.packages import load_project, update
    from belay_gen.packages.paths import LIB_DIR, LOCK_FILE

    config = load_project(project)
    if not config.dependencies():
        click.echo(f"no dependencies in {config.pyproject.path}")
    report = update(config, names, frozen=frozen, log=click.echo)
    for path in report.removed:
        click.echo(f"removed {LIB_DIR}/{path}")
    if not frozen:
        click.echo(f"wrote {LOCK_FILE}")


@click.command("clean")
@PROJECT_OPTION
def clean_command(project: Path) -> None:
    """Remove dependencies no longer listed in pyproject.toml from .belay-lib/ and belay.lock."""
    from belay_gen.packages import clean, load_project
    from belay_gen.packages.paths import LIB_DIR

    removed = clean(load_project(project), log=click.echo)
    for path in removed:
        click.echo(f"removed {LIB_DIR}/{path}")
    if not removed:
        click.echo(f"{LIB_DIR} is clean")


@click.command("install", epilog=PORT_HELP)
@click.argument("port")
@click.option(
    "--main",
    "main_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Install this script as /main.py (then soft-reset so it runs).",
)
@click.option(
    "--run",
    "run_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run this script after installing and show its output (Ctrl-C stops it).",
)
@click.option(
    "--with", "with_groups", multiple=True, metavar="GROUP", help="Add an optional group."
)
@MPY_CROSS_BINARY_OPTION
@NO_MINIFY_OPTION
@PROJECT_OPTION
@PASSWORD_OPTION
def install_command(
    port: str,
    main_file: Path | None,
    run_file: Path | None,
    with_groups: tuple[str, ...],
    mpy_cross_binary: Path | None,
    no_minify: bool,
    project: Path,
    password: str | None,
) -> None:
    """Install the project on the board at PORT: .belay-lib/ and build output to /lib,
    the [tool.belay] name package, and --main as /main.py.

    Refuses to install dependencies that differ from belay.lock.
    """
    from belay_gen.cli.sync import SyncProgressBar
    from belay_gen.packages import load_project
    from belay_gen.packages.install import install, plan_install, start_main
    from belay_gen.runtime.device import Device

    config = load_project(project)
    plan = plan_install(config, with_groups=with_groups, main=main_file)  # before the port opens
    bars: list[SyncProgressBar] = []

    def progress(stage: str) -> ProgressUpdate:
        bar = SyncProgressBar()
        bars.append(bar)
        return bar

    def done(stage: str, report: SyncReport) -> None:
        if bars:
            bars[-1].close()
        click.echo(install_summary(stage, report))

    with Device(port, password=password) as device:
        try:
            install(
                device,
                plan,
                mpy_cross_binary=mpy_cross_binary,
                minify=not no_minify,
                progress=progress,
                on_done=done,
            )
        finally:
            for bar in bars:
                bar.close()
        if run_file is not None:
            device(run_file.read_text(encoding="utf-8"), record=False)
        elif main_file is not None:
            start_main(device)
            click.echo("soft reset: the board runs main.py")


def install_summary(stage: str, report: SyncReport) -> str:
    """One line per synced part, e.g. ``/lib: 2 uploaded (1,024 bytes), 0 deleted, 3 unchanged``."""
    if not report.changed:
        return f"{stage}: up to date ({len(report.unchanged)} files)"
    return (
        f"{stage}: {len(report.uploaded)} uploaded ({report.bytes_sent:,} bytes),"
        f" {len(report.deleted)} deleted, {len(report.unchanged)} unchanged"
    )


@click.command("new")
@click.argument("name", type=click.Path(path_type=Path))
def new_command(name: Path) -> None:
    """Create a project folder NAME: pyproject.toml with [tool.belay], a package, main.py
    and a Makefile."""
    from belay_gen.packages.scaffold import new_project

    written = new_project(name)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {name} && make update && make run")
