"""``belay-gen update``, ``clean``, ``install`` and ``new``: the package manager's commands."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from belay_gen.cli.options import (
    MPY_CROSS_BINARY_OPTION,
    NO_MINIFY_OPTION,
    PORT_ARGUMENT,
    PORT_HELP,
    PROJECT_OPTION,
    password_for,
    password_options,
)
from belay_gen.cli.ports import resolve_port
from belay_gen.cli.sync import plural
from belay_gen.cli.visible import VisibleDecoder

if TYPE_CHECKING:
    from belay_gen.packages import ProjectConfig
    from belay_gen.runtime.device import Device
    from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport

#: What may already be in a folder that ``new`` turns into a project: version control, editor
#: and environment folders (any dot-name), a README and a licence.
_ALLOWED_PREFIXES = ("README", "LICENSE", "LICENCE", "COPYING")


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
    from belay_gen.packages import load_project

    config = load_project(project)
    if not config.dependencies():
        click.echo(f"no dependencies in {config.pyproject.path}")
    run_update(config, names, frozen=frozen)


def run_update(config: ProjectConfig, names: Sequence[str], *, frozen: bool = False) -> None:
    """Update ``names`` (all when empty) and say what changed, ``wrote belay.lock`` only
    when the lock file did change."""
    from belay_gen.packages import update
    from belay_gen.packages.paths import LIB_DIR, LOCK_FILE

    before = _read_or_none(config.lock_path)
    report = update(config, names, frozen=frozen, log=click.echo)
    for path in report.removed:
        click.echo(f"removed {LIB_DIR}/{path}")
    after = _read_or_none(config.lock_path)
    if after is not None and after != before:
        click.echo(f"wrote {LOCK_FILE}")


def _read_or_none(path: Path) -> bytes | None:
    """The lock's bytes, to compare; ``None`` when it is missing or not a file a lock can be
    (then reading it as the lock says what is wrong)."""
    from belay_gen.packages.lock import MAX_LOCK_BYTES
    from belay_gen.project import read_capped

    try:
        return read_capped(path, MAX_LOCK_BYTES)
    except (OSError, ValueError):
        return None


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
@PORT_ARGUMENT
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
    "--follow",
    is_flag=True,
    help="With --main: keep showing what main.py prints (Ctrl-C stops showing; it runs on).",
)
@click.option(
    "--with", "with_groups", multiple=True, metavar="GROUP", help="Add an optional group."
)
@MPY_CROSS_BINARY_OPTION
@NO_MINIFY_OPTION
@PROJECT_OPTION
@password_options
def install_command(
    port: str | None,
    main_file: Path | None,
    run_file: Path | None,
    follow: bool,
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

    if follow and main_file is None:
        raise click.UsageError("--follow shows what main.py prints: give --main FILE too")
    if follow and run_file is not None:
        raise click.UsageError("--follow and --run both show output; pick one")
    config = load_project(project)
    plan = plan_install(config, with_groups=with_groups, main=main_file)  # before the port opens
    port = resolve_port(port)
    bars: list[SyncProgressBar] = []

    def progress(stage: str) -> ProgressUpdate:
        bar = SyncProgressBar()
        bars.append(bar)
        return bar

    def done(stage: str, report: SyncReport) -> None:
        if bars:
            bars[-1].close()
        click.echo(install_summary(stage, report))

    with Device(port, password=password_for(port, password)) as device:
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
            from belay_gen.cli.board import read_code
            from belay_gen.cli.visible import visible_stream

            code = read_code(run_file)
            device.session.run(code, stream_out=visible_stream(sys.stdout))
        elif main_file is not None:
            start_main(device)
            click.echo("soft reset: the board runs main.py")
            if follow:
                follow_output(device)


def follow_output(device: Device) -> None:
    """Show what the board prints until Ctrl-C (which stops showing, not the board)."""
    decoder = VisibleDecoder()
    click.echo(
        "showing what main.py prints; Ctrl-C stops showing (main.py keeps running)", err=True
    )
    try:
        while True:
            chunk = device.transport.read(0.5)
            if chunk:
                sys.stdout.write(decoder.decode(chunk))
                sys.stdout.flush()
    except KeyboardInterrupt:
        click.echo("\nstopped showing; main.py keeps running", err=True)


def install_summary(stage: str, report: SyncReport) -> str:
    """One line per synced part, e.g. ``/lib: 2 uploaded (1,024 bytes), 0 deleted, 3 unchanged``,
    then one line per deleted file (a deletion is always named)."""
    if not report.changed:
        return f"{stage}: up to date ({plural(len(report.unchanged), 'file')})"
    summary = (
        f"{stage}: {len(report.uploaded)} uploaded ({plural(report.bytes_sent, 'byte')}),"
        f" {len(report.deleted)} deleted, {len(report.unchanged)} unchanged"
    )
    return "\n".join([summary, *(f"  deleted {path}" for path in report.deleted)])


def _new(name: Path) -> None:
    from belay_gen.packages.scaffold import new_project

    if name.is_dir() and any(name.iterdir()):
        written = _scaffold_beside(name, new_project)
    else:
        written = new_project(name)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {name} && make update && make run")


def _scaffold_beside(folder: Path, new_project: Callable[[Path], list[Path]]) -> list[Path]:
    """Scaffold into a folder that holds only dot-files, a README or a licence: the project is
    made in a temporary folder of the same name, then moved in; existing files are kept."""
    from belay_gen.errors import ConfigError

    entries = sorted(entry.name for entry in folder.iterdir())
    in_the_way = [name for name in entries if not name.startswith((".", *_ALLOWED_PREFIXES))]
    if in_the_way:
        shown = ", ".join(in_the_way[:5]) + (", ..." if len(in_the_way) > 5 else "")
        raise ConfigError(
            f"{folder} already exists and is not empty ({shown}); `new` adds a project only"
            " to a folder with at most dot-files (.git, .venv), a README and a licence"
        )
    written = []
    with tempfile.TemporaryDirectory(prefix="belay-gen-new-") as scratch:
        staged = Path(scratch) / folder.resolve().name
        for made in new_project(staged):
            relative = made.relative_to(staged)
            target = folder / relative
            if os.path.lexists(target):
                click.echo(f"kept {target}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(made, target)
            written.append(target)
    return written


@click.command("new")
@click.argument("name", type=click.Path(path_type=Path))
def new_command(name: Path) -> None:
    """Create a project folder NAME: pyproject.toml with [tool.belay], a package, main.py
    and a Makefile.

    NAME may exist if it holds no more than dot-files (.git, .venv), a README and a
    licence; those are kept.
    """
    _new(name)


@click.command("init")
@click.argument("name", type=click.Path(path_type=Path), default=".")
def init_command(name: Path) -> None:
    """Create a project in NAME (default: this folder), as Belay's `init`: the same as `new`."""
    _new(name)
