"""The ``belay-gen`` group: a fast start, and one meaning per option name across commands."""

from __future__ import annotations

import json
import subprocess
import sys

import click
from click.testing import CliRunner

from belay_gen.cli import main
from belay_gen.runtime.transport import PASSWORD_ENV

HEAVY = ("libcst", "jinja2", "requests", "belay_gen.runtime.device", "belay_gen.runtime.repl")


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import json, sys\n"
        "from belay_gen.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}"
        f" or m in {HEAVY!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Commands:" in done.stdout
    assert json.loads(done.stdout.splitlines()[-1]) == []


def _options() -> dict[str, list[tuple[str, click.Option]]]:
    """Every option of every command, by option name."""
    by_name: dict[str, list[tuple[str, click.Option]]] = {}
    for name, command in main.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                for flag in param.opts:
                    by_name.setdefault(flag, []).append((name, param))
    return by_name


def test_each_option_name_means_one_thing_everywhere() -> None:
    for flag, uses in _options().items():
        kinds = {
            (repr(param.type), param.is_flag, param.multiple, param.envvar, param.help)
            for _, param in uses
        }
        assert len(kinds) == 1, f"{flag} differs between {[name for name, _ in uses]}: {kinds}"


def test_shared_options_are_where_they_belong() -> None:
    options = _options()
    connecting = {"exec", "info", "sync", "install"}
    assert {name for name, _ in options["--password"]} == connecting
    assert {param.envvar for _, param in options["--password"]} == {PASSWORD_ENV}
    assert {name for name, _ in options["--mpy-cross-binary"]} == {"sync", "install"}
    assert [(name, param.is_flag) for name, param in options["--mpy-cross"]] == [("build", True)]


def test_password_comes_from_the_environment() -> None:
    # A ws:// port with the password in the environment gets past the password check and
    # fails on the (closed) port instead.
    runner = CliRunner(env={PASSWORD_ENV: "secret-x"})
    result = runner.invoke(main, ["exec", "ws://127.0.0.1:9", "print(1)"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "needs a password" not in result.stderr
    assert "secret-x" not in result.output
