"""The ``belay-gen`` command line. Each command parses, calls the library, prints.

Exit codes: 0 success; 1 the code raised an exception on the board; 2 a usage error or
belay-gen could not do the job (port missing or busy, board silent, ...); 130 interrupted.
Errors are one ``error: ...`` line on stderr, never a Python traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from belay_gen._version import __version__
from belay_gen.errors import BelayError, PyboardException
from belay_gen.runtime.implementation import probe
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.transport import open_transport

P = ParamSpec("P")
R = TypeVar("R")

PORT_HELP = """\b
PORT is where the board is:
  /dev/ttyACM0, /dev/ttyUSB0, COM3   a USB serial port
  /dev/pts/N                         a pseudo-terminal (e.g. from `belay-gen emulate`)
  virtual:[DIR][?baud=N]             start a virtual board (files in DIR) for this command
  ws://HOST:8266                     WebREPL (--password or BELAY_GEN_PASSWORD)
"""

#: The WebREPL password of ws:// ports. A bare ``--password`` asks for it without echo, which
#: (like BELAY_GEN_PASSWORD) keeps it out of the process list.
PASSWORD_OPTION = click.option(
    "--password",
    envvar="BELAY_GEN_PASSWORD",
    default=None,
    prompt="WebREPL password",
    prompt_required=False,
    hide_input=True,
    help="WebREPL password for ws:// ports; bare --password asks (or set BELAY_GEN_PASSWORD).",
)


def _reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn belay-gen errors into one stderr line and an exit code."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PyboardException as exc:
            click.echo(exc.board_traceback.rstrip() or str(exc), err=True)
            sys.exit(1)
        except BelayError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except OSError as exc:  # a host file or folder: permissions, disk full, not a folder
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)

    return run


@contextlib.contextmanager
def _connect(port: str, password: str | None = None) -> Iterator[RawRepl]:
    """Open ``port``, enter the raw REPL; leave the board at its friendly prompt afterwards."""
    with open_transport(port, password=password) as transport:
        repl = RawRepl(transport)
        repl.enter()
        try:
            yield repl
        finally:
            with contextlib.suppress(BelayError):
                repl.exit_raw()


#: Options shared by the commands that send files (sync, install).
MPY_CROSS_OPTION = click.option(
    "--mpy-cross",
    "mpy_cross",
    type=click.Path(path_type=Path),
    default=None,
    help="Compile .py to .mpy with this mpy-cross binary.",
)
NO_MINIFY_OPTION = click.option("--no-minify", is_flag=True, help="Send .py files as they are.")


EXIT_HELP = """\b
Exit codes: 0 ok; 1 the code raised on the board; 2 usage error or belay-gen
could not reach or drive the board; 130 interrupted.
"""


@click.group(
    help="Drive MicroPython and CircuitPython boards from desktop Python.",
    epilog=PORT_HELP + "\n" + EXIT_HELP,
)
@click.version_option(__version__, prog_name="belay-gen")
def main() -> None:
    """The ``belay-gen`` command group."""


@main.command("exec", epilog=PORT_HELP)
@click.argument("port")
@click.argument("code")
@click.option(
    "--timeout",
    type=float,
    default=None,
    metavar="SECONDS",
    help="Interrupt the code after SECONDS.",
)
@PASSWORD_OPTION
@_reports_errors
def exec_command(port: str, code: str, timeout: float | None, password: str | None) -> None:
    """Run CODE on the board at PORT, streaming what it prints ("-" reads CODE from stdin).

    Exits 1 with the board's traceback if the code raises.
    """
    if code == "-":
        code = sys.stdin.read()
    out = sys.stdout.buffer

    def show(chunk: bytes) -> None:
        out.write(chunk)
        out.flush()

    with _connect(port, password) as repl:
        repl.exec_or_raise(code, timeout=timeout, stdout_callback=show)


@main.command("info", epilog=PORT_HELP)
@click.argument("port")
@PASSWORD_OPTION
@_reports_errors
def info_command(port: str, password: str | None) -> None:
    """Show what the board at PORT runs: firmware, version, platform, emitters."""
    with _connect(port, password) as repl:
        impl = probe(repl)
    click.echo(f"name:     {impl.name}")
    click.echo(f"version:  {'.'.join(map(str, impl.version))}")
    click.echo(f"platform: {impl.platform}")
    click.echo(f"emitters: {', '.join(impl.emitters) or 'none'}")
    if impl.mpy_version is not None:
        click.echo(f"mpy:      v{impl.mpy_version} ({impl.arch or 'no native code'})")


@main.command("sync", epilog=PORT_HELP)
@click.argument("port")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--dst", default="/", show_default=True, help="Board folder to mirror into.")
@click.option("--keep", multiple=True, help="Board path (relative to --dst) never deleted.")
@click.option("--keep-all", is_flag=True, help="Delete nothing on the board.")
@click.option("--keep-none", is_flag=True, help="Delete every unsynced file, boot.py too.")
@click.option("--ignore", multiple=True, help="Git-wildmatch pattern of files not to sync.")
@NO_MINIFY_OPTION
@MPY_CROSS_OPTION
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@PASSWORD_OPTION
@_reports_errors
def sync_command(
    port: str,
    folder: Path,
    dst: str,
    keep: tuple[str, ...],
    keep_all: bool,
    keep_none: bool,
    ignore: tuple[str, ...],
    no_minify: bool,
    mpy_cross: Path | None,
    dry_run: bool,
    password: str | None,
) -> None:
    """Mirror FOLDER (or one file) onto the board at PORT: send changed files, delete the rest.

    Without --keep, boot.py, webrepl_cfg.py and lib/ are kept when --dst is /.
    """
    from belay_gen.cli.progress import SyncProgressBar, report_lines
    from belay_gen.runtime.sync.folder import sync_folder

    if keep_all and keep_none:
        raise click.UsageError("--keep-all and --keep-none contradict each other; pick one")
    if not folder.exists():  # before the port is opened
        raise BelayError(f"cannot sync {folder}: it does not exist")
    keep_arg: bool | list[str] | None = list(keep) or None
    if keep_all or keep_none:
        keep_arg = keep_all
    bar = SyncProgressBar()
    try:
        with _connect(port, password) as repl:
            report = sync_folder(
                repl,
                folder,
                dst=dst,
                keep=keep_arg,
                ignore=list(ignore) or None,
                minify=not no_minify,
                mpy_cross_binary=mpy_cross,
                progress_update=bar,
                dry_run=dry_run,
            )
    finally:
        bar.close()
    for line in report_lines(report):
        click.echo(line)


@main.command("emulate")
@click.argument(
    "folder", required=False, type=click.Path(path_type=Path, file_okay=True, dir_okay=True)
)
@click.option("--baud", type=click.IntRange(min=1), default=None, help="Throttle to a UART rate.")
@click.option("--trace", is_flag=True, help="Print pin and peripheral events as they happen.")
def emulate_command(folder: Path | None, baud: int | None, trace: bool) -> None:
    """Serve a virtual MicroPython board until Ctrl-C and print its port (a /dev/pts/N).

    FOLDER is the board's filesystem (kept after exit); without it a temporary folder is
    used. Any client can open the printed port: belay-gen, mpremote, Belay, a terminal.
    """
    from belay_gen.emulator.serve import serve
    from belay_gen.errors import EmulatorUnavailable

    if folder is not None and folder.exists() and not folder.is_dir():
        raise click.BadParameter(
            f"{folder} is a file; give a folder for the board's filesystem", param_hint="FOLDER"
        )

    def announce(path: str) -> None:
        click.echo(path)
        click.echo(f"virtual board ready at {path}; Ctrl-C stops it", err=True)

    def show(line: str) -> None:
        click.echo(f"trace: {line}", err=True)

    try:
        serve(folder, baud=baud, trace=show if trace else None, announce=announce)
    except (EmulatorUnavailable, OSError, RuntimeError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@main.command("build")
@click.argument("sources", nargs=-1, type=click.Path())
@click.option("--out", default=None, help="Output folder (default: [tool.belay.build] out).")
@click.option("--mpy-cross", "mpy_cross", is_flag=True, default=None, help="Also write .mpy.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if generated files are stale.")
@click.option("--project", default=".", type=click.Path(file_okay=False), help="Project folder.")
@_reports_errors
def build_command(
    sources: tuple[str, ...], out: str | None, mpy_cross: bool | None, check: bool, project: str
) -> None:
    """Compile the board functions in SOURCES (default: [tool.belay.build] sources) into a
    board module, a typed host stub and manifest.json per module."""
    from pathlib import Path

    from belay_gen.build import build, load_config
    from belay_gen.project import find_project

    root = find_project(Path(project))
    config = load_config(root, sources=sources, out=out, mpy_cross=mpy_cross)
    report = build(config, check=check)
    shown = report.out.relative_to(root) if report.out.is_relative_to(root) else report.out
    if check:
        for path in report.stale:
            click.echo(f"stale: {shown / path}")
        if report.stale:
            click.echo(
                f"error: {len(report.stale)} generated file(s) are stale; run belay-gen build",
                err=True,
            )
            sys.exit(1)
        click.echo(f"{shown}: up to date ({len(report.modules)} module(s))")
        return
    click.echo(
        f"{shown}: {len(report.modules)} module(s); wrote {len(report.written)}, "
        f"unchanged {len(report.unchanged)}, removed {len(report.removed)}"
    )


PROJECT_OPTION = click.option(
    "--project",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (default: the one holding pyproject.toml, from here up).",
)


@main.command("update")
@click.argument("names", nargs=-1)
@click.option(
    "--frozen", is_flag=True, help="Download only what belay.lock records; refuse changes."
)
@PROJECT_OPTION
@_reports_errors
def update_command(names: tuple[str, ...], frozen: bool, project: Path) -> None:
    """Download the dependencies of pyproject.toml (or just NAMES) into .belay-lib/,
    record them in belay.lock, then clean.

    A dependency that fails keeps its previous copy; the command then exits 2.
    """
    from belay_gen.cli.packages import run_update

    run_update(project, names, frozen)


@main.command("clean")
@PROJECT_OPTION
@_reports_errors
def clean_command(project: Path) -> None:
    """Remove dependencies no longer listed in pyproject.toml from .belay-lib/ and belay.lock."""
    from belay_gen.cli.packages import run_clean

    run_clean(project)


@main.command("install", epilog=PORT_HELP)
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
@MPY_CROSS_OPTION
@NO_MINIFY_OPTION
@PROJECT_OPTION
@PASSWORD_OPTION
@_reports_errors
def install_command(
    port: str,
    main_file: Path | None,
    run_file: Path | None,
    with_groups: tuple[str, ...],
    mpy_cross: Path | None,
    no_minify: bool,
    project: Path,
    password: str | None,
) -> None:
    """Install the project on the board at PORT: .belay-lib/ and build output to /lib,
    the [tool.belay] name package, and --main as /main.py.

    Refuses to install dependencies that differ from belay.lock.
    """
    from belay_gen.cli.packages import run_install

    run_install(
        port,
        project,
        main=main_file,
        run=run_file,
        with_groups=with_groups,
        mpy_cross=mpy_cross,
        minify=not no_minify,
        password=password,
    )


@main.command("new")
@click.argument("name", type=click.Path(path_type=Path))
@_reports_errors
def new_command(name: Path) -> None:
    """Create a project folder NAME: pyproject.toml with [tool.belay], a package, main.py
    and a Makefile."""
    from belay_gen.cli.packages import run_new

    run_new(name)


if __name__ == "__main__":
    main()
