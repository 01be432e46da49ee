"""Presentation for ``belay-gen update/clean/install/new``: progress lines and summaries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from belay_gen.cli.progress import SyncProgressBar
from belay_gen.packages.paths import LIB_DIR, LOCK_FILE
from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport


def run_update(project: Path, names: Sequence[str], frozen: bool) -> None:
    """``belay-gen update``: download, lock, clean; one line per dependency."""
    from belay_gen.packages import load_project, update

    config = load_project(project)
    if not config.dependencies():
        click.echo(f"no dependencies in {config.pyproject.path}")
    report = update(config, names, frozen=frozen, log=click.echo)
    for path in report.removed:
        click.echo(f"removed {LIB_DIR}/{path}")
    if not frozen:
        click.echo(f"wrote {LOCK_FILE}")


def run_clean(project: Path) -> None:
    """``belay-gen clean``: drop what ``pyproject.toml`` no longer lists."""
    from belay_gen.packages import clean, load_project

    removed = clean(load_project(project), log=click.echo)
    for path in removed:
        click.echo(f"removed {LIB_DIR}/{path}")
    if not removed:
        click.echo(f"{LIB_DIR} is clean")


def run_install(
    port: str,
    project: Path,
    *,
    main: Path | None,
    run: Path | None,
    with_groups: Sequence[str],
    mpy_cross: Path | None,
    minify: bool,
    password: str | None = None,
) -> None:
    """``belay-gen install``: check the lock, sync, then run ``--run`` or start main.py."""
    from belay_gen.packages import load_project
    from belay_gen.packages.install import install, plan_install, start_main
    from belay_gen.runtime.device import Device

    config = load_project(project)
    plan = plan_install(config, with_groups=with_groups, main=main)  # before the port opens
    bars: list[SyncProgressBar] = []

    def progress(stage: str) -> ProgressUpdate:
        bar = SyncProgressBar()
        bars.append(bar)
        return bar

    def done(stage: str, report: SyncReport) -> None:
        if bars:
            bars[-1].close()
        click.echo(summary(stage, report))

    with Device(port, password=password) as device:
        try:
            install(
                device,
                plan,
                mpy_cross_binary=mpy_cross,
                minify=minify,
                progress=progress,
                on_done=done,
            )
        finally:
            for bar in bars:
                bar.close()
        if run is not None:
            device(run.read_text(encoding="utf-8"), record=False)
        elif main is not None:
            start_main(device)
            click.echo("soft reset: the board runs main.py")


def summary(stage: str, report: SyncReport) -> str:
    """One line per synced part, e.g. ``/lib: 2 uploaded (1,024 bytes), 0 deleted, 3 unchanged``."""
    if not report.changed:
        return f"{stage}: up to date ({len(report.unchanged)} files)"
    return (
        f"{stage}: {len(report.uploaded)} uploaded ({report.bytes_sent:,} bytes),"
        f" {len(report.deleted)} deleted, {len(report.unchanged)} unchanged"
    )


def run_new(folder: Path) -> None:
    """``belay-gen new``: scaffold and say what to do next."""
    from belay_gen.packages.scaffold import new_project

    written = new_project(folder)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {folder} && make update && make run")
