"""Belay 0.30's Device API on belay-gen: implementations, setup arguments, keywords, names,
generators, trusted results, resets (issue 10)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import belay_gen as belay
from belay_gen.emulator.relay import VirtualBoard


@pytest.fixture
def device(virtual_port: str) -> Iterator[belay.Device]:
    with belay.Device(virtual_port) as dev:
        yield dev


# -- implementations: a decorated function never runs on the host ----------------------------
@pytest.mark.board
def test_a_task_for_another_implementation_never_runs_on_the_host(device: belay.Device) -> None:
    ran_on_host = []

    @device.task(implementation="circuitpython")
    def which():  # type: ignore[no-untyped-def]
        ran_on_host.append(True)
        return "circuitpython"

    with pytest.raises(belay.NoMatchingExecuterError, match="this board runs micropython"):
        which()
    assert ran_on_host == []


@pytest.mark.board
def test_instance_versions_per_implementation_keep_the_matching_one(device: belay.Device) -> None:
    @device.task(implementation="micropython")
    def which():  # type: ignore[no-untyped-def]
        return "micropython"

    @device.task(implementation="circuitpython")  # type: ignore[no-redef]
    def which():  # type: ignore[no-untyped-def]  # noqa: F811
        return "circuitpython"

    assert which() == "micropython"


@pytest.mark.board
def test_class_versions_per_implementation(virtual_port: str) -> None:
    class Board(belay.Device, skip=True):
        @belay.Device.task(implementation="circuitpython")
        def which():  # type: ignore[no-untyped-def]
            return "circuitpython"

        @belay.Device.task(implementation="micropython")  # type: ignore[no-redef]
        def which():  # type: ignore[no-untyped-def]  # noqa: F811
            return "micropython"

        @belay.Device.task  # type: ignore[no-redef]
        def which():  # type: ignore[no-untyped-def]  # noqa: F811
            return "any"

    with Board(virtual_port) as board:
        assert board.which() == "micropython"  # type: ignore[attr-defined]
        assert board.task.which() == "micropython"


@pytest.mark.board
def test_no_matching_version_fails_at_connect_and_releases_the_port(
    virtual_board: VirtualBoard,
) -> None:
    class Board(belay.Device, skip=True):
        @belay.Device.task(implementation="circuitpython")
        def only_cp():  # type: ignore[no-untyped-def]
            return 1

    with pytest.raises(belay.NoMatchingExecuterError, match=r"Board\.only_cp .*circuitpython"):
        Board(virtual_board.path)
    with belay.Device(virtual_board.path) as again:
        assert again("1 + 1") == 2


@pytest.mark.board
def test_a_base_class_version_is_the_fallback(virtual_port: str) -> None:
    class Base(belay.Device, skip=True):
        @belay.Device.task
        def which():  # type: ignore[no-untyped-def]
            return "base"

    class Child(Base, skip=True):
        @belay.Device.task(implementation="circuitpython")
        def which():  # type: ignore[no-untyped-def]
            return "child"

    with Child(virtual_port) as child:
        assert child.which() == "base"  # type: ignore[attr-defined]


def test_versions_after_a_catch_all_and_mixed_attributes_are_value_errors() -> None:
    with pytest.raises(ValueError, match="every implementation is already defined"):

        class AfterCatchAll(belay.Device, skip=True):
            @belay.Device.task
            def foo():  # type: ignore[no-untyped-def]
                pass

            @belay.Device.task(implementation="circuitpython")  # type: ignore[no-redef]
            def foo():  # type: ignore[no-untyped-def]  # noqa: F811
                pass

    for plain_first in (True, False):
        with pytest.raises(ValueError, match="both a board method"):

            class Mixed(belay.Device, skip=True):
                if plain_first:

                    def foo(self) -> None:
                        pass

                @belay.Device.task(implementation="circuitpython")  # type: ignore[no-redef]
                def foo():  # type: ignore[no-untyped-def]
                    pass

                if not plain_first:

                    def foo(self) -> None:  # type: ignore[no-redef]
                        pass


def test_subclass_registry_and_skip() -> None:
    class RegisteredBoard(belay.Device):
        pass

    class HiddenBoard(belay.Device, skip=True):
        pass

    assert belay.Device["registeredboard"] is RegisteredBoard
    assert "RegisteredBoard" in belay.Device
    assert "hiddenboard" not in belay.Device
    assert isinstance(belay.Device, belay.DeviceMeta)


# -- setup and teardown arguments ---------------------------------------------------------------
@pytest.mark.board
def test_setup_arguments_and_defaults_reach_the_board(device: belay.Device) -> None:
    @device.setup
    def setup(pin_number, mode="out", *extra, **options):  # type: ignore[no-untyped-def]
        configured = (pin_number, mode, extra, options)  # noqa: F841

    setup(25)  # Belay's quick start
    assert device("configured") == (25, "out", (), {})
    setup(3, "in", 1, 2, pull=1)
    assert device("configured") == (3, "in", (1, 2), {"pull": 1})
    assert device("pin_number") == 3


@pytest.mark.board
def test_class_setup_arguments_reach_the_board(virtual_port: str) -> None:
    class Board(belay.Device, skip=True):
        @belay.Device.setup
        def setup(baz=1):  # type: ignore[no-untyped-def]
            foo = 11  # noqa: F841

    with Board(virtual_port) as board:
        board.setup()  # type: ignore[call-arg]
        assert board("(foo, baz)") == (11, 1)
        board.setup(baz=111)  # type: ignore[call-arg]
        assert board("baz") == 111


def test_autoinit_with_parameters_is_a_value_error() -> None:
    for signature in ("foo", "foo=1", "*, foo=1"):
        namespace: dict[str, object] = {}
        exec(f"def setup({signature}):\n    pass\n", namespace)
        with pytest.raises(ValueError, match="must take no parameters"):
            belay.Device.setup(autoinit=True)(namespace["setup"])
    with pytest.raises(ValueError, match="runs when the device closes"):

        class Board(belay.Device, skip=True):
            @belay.Device.teardown
            def teardown(x):  # type: ignore[no-untyped-def]
                pass


@pytest.mark.board
def test_instance_autoinit_with_parameters_is_a_value_error(device: belay.Device) -> None:
    with pytest.raises(ValueError, match="must take no parameters"):

        @device.setup(autoinit=True)
        def setup(pin):  # type: ignore[no-untyped-def]
            pass


@pytest.mark.board
def test_hooks_run_around_autoinit(virtual_port: str) -> None:
    order: list[str] = []

    class Board(belay.Device, skip=True):
        def __pre_autoinit__(self) -> None:
            order.append("pre")
            self("count = 0")

        @belay.Device.setup(autoinit=True)
        def setup():  # type: ignore[no-untyped-def]
            global count
            count += 1  # type: ignore[name-defined]

        def __post_init__(self) -> None:
            order.append(f"post {self('count')}")

    with Board(virtual_port):
        assert order == ["pre", "post 1"]


# -- Device keywords ----------------------------------------------------------------------------
@pytest.mark.board
def test_unknown_keywords_are_type_errors_and_auto_sync_time_is_known(virtual_port: str) -> None:
    with pytest.raises(TypeError, match="baudrat"):
        belay.Device(virtual_port, baudrat=9600)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="startup must be board code"):
        belay.Device(virtual_port, 115200)  # type: ignore[arg-type]  # Belay's baudrate slot
    with belay.Device(virtual_port, auto_sync_time=False) as dev:
        assert dev.auto_sync_time is False
        assert dev("1 + 1") == 2


def test_belay_names_are_exported() -> None:
    assert belay.BelayException is belay.BelayError
    assert belay.ConnectionFailedError is belay.ConnectionFailed
    assert belay.PyboardError is belay.ProtocolError
    for name in (
        "MaxHistoryLengthError",
        "NotBelayResponseError",
        "NoMatchingExecuterError",
        "DeviceNotFoundError",
        "InsufficientSpecifierError",
    ):
        assert issubclass(getattr(belay, name), belay.BelayException), name
        assert name in belay.__all__
    assert issubclass(belay.DeviceNotFoundError, belay.ConnectionFailedError)


# -- commands ------------------------------------------------------------------------------------
@pytest.mark.board
def test_a_bare_tuple_is_one_value_and_messages_hide_internal_names(device: belay.Device) -> None:
    assert device("1, 2") == (1, 2)
    assert device("x = 3\nx, x * 2  # trailing comment") == (3, 6)
    with pytest.raises(belay.PyboardException) as info:
        device("missing_name, 2")
    assert "__belay" not in str(info.value)
    assert "missing_name" in str(info.value)


@pytest.mark.board
def test_stream_out_needs_only_write(device: belay.Device) -> None:
    class WriteOnly:
        def __init__(self) -> None:
            self.text = ""

        def write(self, text: str) -> None:
            self.text += text

    out = WriteOnly()
    device("print('one')\nprint('two')", stream_out=out)

    @device.task
    def talk():  # type: ignore[no-untyped-def]
        print("three")

    device.call("talk", [], stream_out=out)
    # The board's own line endings, as Belay passes them on (a real board cooks \n to \r\n).
    assert out.text == "one\r\ntwo\r\nthree\r\n"


# -- trusted results -----------------------------------------------------------------------------
@pytest.mark.board
def test_trusted_results_are_evaluated_on_the_host_only_when_asked(device: belay.Device) -> None:
    @device.task(trusted=True)
    def span():  # type: ignore[no-untyped-def]
        return range(2, 5)

    @device.task
    def untrusted_span():  # type: ignore[no-untyped-def]
        return range(2, 5)

    assert span() == range(2, 5)
    with pytest.raises(belay.ResultNotLiteralError, match="range"):
        untrusted_span()
    assert device("range(3)", trusted=True) == range(3)
    with pytest.raises(belay.ResultNotLiteralError):
        device("range(3)")
    # Bytes-like values need no trust: they travel raw and keep their type.
    assert device("bytearray(b'x')") == bytearray(b"x")


# -- generator tasks ------------------------------------------------------------------------------
@pytest.mark.board
def test_generator_send_throw_and_close(device: belay.Device) -> None:
    @device.task
    def accumulate():  # type: ignore[no-untyped-def]
        total = 0
        while True:
            try:
                value = yield total
            except ValueError:
                value = -total  # reset on request
            total += value or 0

    values = accumulate()
    assert next(values) == 0
    assert values.send(5) == 5
    assert values.send(7) == 12
    assert values.throw(ValueError("reset")) == 0
    values.close()
    with pytest.raises(StopIteration):
        next(values)
    assert device("[k for k in globals() if k.startswith('_belay_gen')]") == []


@pytest.mark.board
def test_generator_throw_that_is_not_caught_raises_it(device: belay.Device) -> None:
    @device.task
    def numbers():  # type: ignore[no-untyped-def]
        yield 1
        yield 2

    values = numbers()
    assert next(values) == 1
    with pytest.raises(KeyError):
        values.throw(KeyError("stop"))
    with pytest.raises(StopIteration):
        next(values)
    with pytest.raises(TypeError, match="just-started"):
        numbers().send(1)
    assert list(numbers()) == [1, 2]
    finished = numbers()
    assert list(finished) == [1, 2]
    with pytest.raises(StopIteration):
        finished.send(None)


# -- the board itself -----------------------------------------------------------------------------
@pytest.mark.board
def test_soft_reset_runs_main_then_the_device_reconnects(
    virtual_port: str, board_root: Path
) -> None:
    with belay.Device(virtual_port) as dev:
        dev("with open('main.py', 'w') as f:\n    f.write('print(123)')")

        @dev.task
        def double(x):  # type: ignore[no-untyped-def]
            return 2 * x

        dev("temporary = 1", record=False)
        dev.soft_reset()
        assert double(4) == 8  # definitions are replayed
        with pytest.raises(NameError):
            dev("temporary")  # board state is gone, as after any reset
    assert hasattr(belay.Device, "terminal")


@pytest.mark.board
def test_sync_dependencies_copies_a_package_folder(
    device: belay.Device, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "mypkg"
    (package / "dependencies" / "main").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "dependencies" / "main" / "helper.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("mypkg", None)
    device.sync_dependencies("mypkg", "dependencies/main")
    assert device("import helper\nhelper.VALUE") == 7
    assert device("import os\n'helper.py' in os.listdir('/lib')") is True


@pytest.mark.board
def test_default_stream_still_reaches_stdout(
    device: belay.Device, capsys: pytest.CaptureFixture[str]
) -> None:
    device("print('seen')")
    assert capsys.readouterr().out == "seen\r\n"  # the board's own line ending
    buffer = io.StringIO()
    device("print('kept')", stream_out=buffer)
    assert buffer.getvalue() == "kept\r\n"


@pytest.mark.board
def test_teardown_runs_at_interpreter_exit_without_close(
    virtual_port: str, board_root: Path, tmp_path: Path
) -> None:
    import subprocess

    script = (
        "import belay_gen as belay\n"
        f"device = belay.Device({virtual_port!r})\n"
        "@device.teardown\n"
        "def bye():\n"
        "    with open('bye.txt', 'w') as f:\n"
        "        f.write('closed')\n"
    )
    (tmp_path / "app.py").write_text(script)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "app.py")], timeout=60, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert (board_root / "bye.txt").read_text() == "closed"


@pytest.mark.board
def test_a_mixin_brings_its_board_methods(virtual_port: str) -> None:
    class Blinking:
        @belay.Device.task
        def blink_count(times):  # type: ignore[no-untyped-def]
            return times * 2

    class Board(Blinking, belay.Device, skip=True):
        pass

    with Board(virtual_port) as board:
        assert board.blink_count(3) == 6  # type: ignore[attr-defined]


@pytest.mark.board
def test_board_errors_show_the_users_frames_not_belay_gens(device: belay.Device) -> None:
    @device.task(return_time=True, trusted=True)
    def divide(x):  # type: ignore[no-untyped-def]
        return 1 / x

    @device.task
    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("in the generator")

    failures = []
    for attempt in (lambda: divide(0), lambda: list(failing())):
        with pytest.raises(belay.PyboardException) as info:
            attempt()
        failures.append(info.value)
    stepped = failing()
    next(stepped)
    with pytest.raises(ValueError) as info:
        next(stepped)
    failures.append(info.value)
    for failure in failures:
        assert "__belay" not in str(failure) and "<lambda>" not in str(failure)
        assert "__belay" not in failure.board_traceback  # type: ignore[attr-defined]
    assert ", in divide" in str(failures[0]) and ", in failing" in str(failures[2])
