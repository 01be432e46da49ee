"""The ``belay-gen`` group: a fast start, and one meaning per option name across commands."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from belay_gen._version import __version__
from belay_gen.cli import main
from belay_gen.cli.options import read_password_file
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
    connecting = {"exec", "run", "info", "latency", "sync", "install", "terminal"}
    assert {name for name, _ in options["--password"]} == connecting
    assert {name for name, _ in options["--password-file"]} == connecting
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


def test_password_on_the_command_line_warns(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["exec", "--password", "secret-y", "/dev/nope0", "1"])
    assert "warning: a password given as --password VALUE can be read" in result.stderr
    assert "secret-y" not in result.output


def test_password_file_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "pw"
    good.write_text("from-file\nignored\n")
    assert read_password_file(good) == "from-file"
    empty = tmp_path / "empty"
    empty.write_text("\n")
    result = CliRunner().invoke(main, ["exec", "--password-file", str(empty), "ws://h:1", "1"])
    assert result.exit_code == 2 and "is empty" in result.stderr
    big = tmp_path / "big"
    big.write_bytes(b"x" * 5000)
    result = CliRunner().invoke(main, ["exec", "--password-file", str(big), "ws://h:1", "1"])
    assert result.exit_code == 2 and "larger than" in result.stderr
    # The file's password reaches the WebREPL login (here: past the password check, then the
    # closed port fails), with no warning, and never appears in the output.
    result = CliRunner().invoke(
        main, ["exec", "--password-file", str(good), "ws://127.0.0.1:9", "1"]
    )
    assert result.exit_code == 2 and "needs a password" not in result.stderr
    assert "warning" not in result.stderr and "from-file" not in result.output


def test_without_a_password_a_ws_port_says_how_to_give_one() -> None:
    result = CliRunner(env={PASSWORD_ENV: None}).invoke(main, ["exec", "ws://127.0.0.1:9", "1"])
    assert result.exit_code == 2 and "needs a password" in result.stderr


def test_h_and_version_everywhere() -> None:
    runner = CliRunner()
    version = runner.invoke(main, ["-v"])
    assert version.exit_code == 0 and __version__ in version.stdout
    for name, command in main.commands.items():
        assert runner.invoke(main, [name, "-h"]).exit_code == 0, name
        if isinstance(command, click.Group):
            for sub in command.commands:
                assert runner.invoke(main, [name, sub, "-h"]).exit_code == 0, (name, sub)


def test_top_level_help_shows_whole_first_sentences() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    commands = result.stdout.split("Commands:")[1].split("PORT is where")[0]
    assert "..." not in commands
    assert "then download it." in " ".join(commands.split())


def test_debug_adds_the_host_traceback() -> None:
    plain = CliRunner().invoke(main, ["info", "/dev/nope0"])
    assert "Traceback" not in plain.stderr and plain.stderr.count("\n") == 1
    debug = CliRunner().invoke(main, ["--debug", "info", "/dev/nope0"])
    assert debug.exit_code == 2
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.rstrip().splitlines()[-1].startswith("error: serial port /dev/nope0")


def test_a_ws_port_asks_for_the_password_in_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from belay_gen.cli import options

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.setattr(sys, "stdin", Terminal())
    asked: list[str] = []

    def prompt(text: str, **_: object) -> str:
        asked.append(text)
        return "pw"

    monkeypatch.setattr(click, "prompt", prompt)
    assert options.password_for("ws://board:8266", None) == "pw"
    assert asked == ["WebREPL password for ws://board:8266"]
    assert options.password_for("/dev/ttyACM0", None) is None  # serial ports need none
    assert options.password_for("ws://board:8266", "given") == "given"
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal: nobody to ask
    assert options.password_for("ws://board:8266", None) is None
