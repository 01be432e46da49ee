"""``belay-gen build``: compile board functions into board modules, host stubs and manifests."""

from __future__ import annotations

from pathlib import Path

import click

from belay_gen.cli.options import PROJECT_OPTION
from belay_gen.cli.report import fail

#: ``build --check`` found generated files that differ from what a build would write.
EXIT_STALE = 1


@click.command("build")
@click.argument("sources", nargs=-1, type=click.Path())
@click.option("--out", default=None, help="Output folder (default: [tool.belay.build] out).")
@click.option("--mpy-cross", "mpy_cross", is_flag=True, default=None, help="Also write .mpy.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if generated files are stale.")
@PROJECT_OPTION
def build_command(
    sources: tuple[str, ...], out: str | None, mpy_cross: bool | None, check: bool, project: Path
) -> None:
    """Compile the board functions in SOURCES (default: [tool.belay.build] sources) into a
    board module, a typed host stub and manifest.json per module."""
    from belay_gen.build import build
    from belay_gen.project import find_project, load_config

    root = find_project(project)
    config = load_config(root, sources=sources, out=out, mpy_cross=mpy_cross)
    report = build(config, check=check)
    shown = report.out.relative_to(root) if report.out.is_relative_to(root) else report.out
    if check:
        for path in report.stale:
            click.echo(f"stale: {shown / path}")
        if report.stale:
            fail(
                f"{len(report.stale)} generated file(s) are stale; run belay-gen build", EXIT_STALE
            )
        click.echo(f"{shown}: up to date ({len(report.modules)} module(s))")
        return
    click.echo(
        f"{shown}: {len(report.modules)} module(s); wrote {len(report.written)}, "
        f"unchanged {len(report.unchanged)}, removed {len(report.removed)}"
    )
