"""Every profile of a real board runs the seed's examples, ``sync`` and ``install`` (issue 11).

For each of ``esp32``, ``esp8266``, ``rp2040`` and ``circuitpython``: the Belay manual's
examples (a command, a task, a thread, the ``sync`` of its ``board`` folder), the repository's
``examples/blink/blink.py`` and ``examples/blink-aot`` (through its built stub), and ``belay-gen
install`` of a small local project with ``--run``. Where a profile cannot, the documented error
is asserted: CircuitPython has no ``_thread`` (``FeatureUnavailableError`` when decorating) and
no ``machine`` (the blink examples' ``Pin`` is missing on the board).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

import belay_gen as belay
from belay_gen.build import build
from belay_gen.cli import main
from belay_gen.project import load_config
from tests.support.virtual_boards import REAL_PROFILES, profile_board

pytestmark = pytest.mark.board

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def blink_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """examples/blink-aot built once: its typed host stub, loaded as a module."""
    out = tmp_path_factory.mktemp("blink-aot")
    build(load_config(EXAMPLES / "blink-aot", out=str(out)))
    spec = importlib.util.spec_from_file_location("reliability_blink_stub", out / "host/blink.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module


def _manual_examples(device: belay.Device, project: Path, board_root: Path, name: str) -> None:
    """The Belay manual's quick start: a command, a task, a thread, sync."""
    device("foo = 1 + 2")
    assert device("foo") == 3

    @device.task
    def foo(a):  # type: ignore[no-untyped-def]
        return a * 2

    assert foo(5) == 10

    if name == "circuitpython":
        with pytest.raises(belay.FeatureUnavailableError, match="_thread"):

            @device.thread
            def led_loop(period):  # type: ignore[no-untyped-def]
                pass

    else:
        device("ticks = []")

        @device.thread
        def led_loop(period):  # type: ignore[no-untyped-def]
            led = Pin(25, Pin.OUT)  # type: ignore[name-defined]  # noqa: F821
            while len(ticks) < 3:  # type: ignore[name-defined]  # noqa: F821
                led.toggle()
                ticks.append(led.value())  # type: ignore[name-defined]  # noqa: F821
                sleep(period)  # type: ignore[name-defined]  # noqa: F821

        led_loop(0.01)  # returns at once
        for _ in range(500):
            if device("len(ticks)") == 3:
                break
        assert device("ticks") == [1, 0, 1]

    report = device.sync(project / "board")
    assert set(report.uploaded) >= {"/foo.py", "/bar/baz.py"}
    assert (board_root / "bar" / "baz.py").exists()
    assert device("import foo, bar.baz\n(foo.NAME, bar.baz.WHERE)") == ("foo", "baz")


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "board" / "bar").mkdir(parents=True)
    (root / "board" / "foo.py").write_text("NAME = 'foo'\n")
    (root / "board" / "bar" / "baz.py").write_text("WHERE = 'baz'\n")
    assert CliRunner().invoke(main, ["new", str(tmp_path / "robot")]).exit_code == 0
    return root


def _run_blink(port: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run examples/blink/blink.py on ``port``; its output. Its Device is closed however it
    ends (the example closes it only when it gets to its end)."""
    script = EXAMPLES / "blink" / "blink.py"
    namespace: dict[str, object] = {"__name__": "__main__", "__file__": str(script)}
    saved = sys.argv
    sys.argv = ["blink.py", port]
    try:
        exec(compile(script.read_text(), str(script), "exec"), namespace)
    finally:
        sys.argv = saved
        device = namespace.get("device")
        if isinstance(device, belay.Device):
            device.close()
    return capsys.readouterr().out


@pytest.mark.parametrize("name", REAL_PROFILES)
def test_a_profile_runs_the_examples_sync_and_install(
    name: str, tmp_path: Path, blink_stub: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    robot = tmp_path / "robot"
    root = tmp_path / "board"
    with profile_board(name, root) as board:
        with belay.Device(board.path, timeout=60) as device:
            assert device.implementation.name == (
                "circuitpython" if name == "circuitpython" else "micropython"
            )
            _manual_examples(device, project, root, name)

        if name == "circuitpython":  # no machine.Pin on CircuitPython
            with pytest.raises(belay.PyboardException, match="Pin"):
                _run_blink(board.path, capsys)
            # What the stub's connect() does; the stub itself leaves the Device open when
            # this fails (reported), so the port would stay busy for install below.
            with (
                belay.Device(board.path, timeout=60) as device,
                pytest.raises(belay.PyboardException, match="machine"),
            ):
                device.ensure_module(blink_stub.MODULE, blink_stub.CODE, blink_stub.CODE_HASH)
        else:
            out = _run_blink(board.path, capsys)
            assert "LED after blinking: 0" in out and "ADC reading:" in out
            stub = blink_stub.connect(board.path)
            try:
                stub.set_led(True)
                assert stub.led_is_on() is True
                assert list(stub.pulse(3)) == [0, 1, 0]
            finally:
                stub.device.close()

        (robot / "hello.py").write_text("import robot\nprint('installed', robot.__name__)\n")
        installed = CliRunner().invoke(
            main,
            ["install", board.path, "--run", str(robot / "hello.py"), "--project", str(robot)],
        )
        assert installed.exit_code == 0, installed.output
        assert installed.output.splitlines()[-1] == "installed robot"
        assert (root / "robot" / "__init__.py").exists()
