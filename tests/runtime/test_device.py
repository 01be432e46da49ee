"""Device: the seed's API on the virtual board."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import belay_gen as belay
from belay_gen.emulator.relay import VirtualBoard
from tests.support.requirements import require_board

pytestmark = pytest.mark.board


@pytest.fixture
def device(virtual_board: VirtualBoard) -> Iterator[belay.Device]:
    dev = belay.Device(virtual_board.path)
    try:
        yield dev
    finally:
        dev.close()


def test_seed_example_set_led(
    device: belay.Device, virtual_board: VirtualBoard, capsys: pytest.CaptureFixture[str]
) -> None:
    @device.task
    def set_led(state):  # type: ignore[no-untyped-def]
        print(f"Printing from device; turning LED to {state}.")
        Pin(25, Pin.OUT).value(state)  # type: ignore[name-defined]  # noqa: F821

    set_led(True)
    assert capsys.readouterr().out == "Printing from device; turning LED to True.\r\n"
    assert virtual_board.trace_lines[-1] == "pin 25 value 1"


def test_seed_call_and_task_return(device: belay.Device) -> None:
    assert device("foo = 1 + 2") is None
    assert device("foo") == 3

    @device.task
    def foo(a):  # type: ignore[no-untyped-def]
        return a * 2

    bar = foo(5)
    assert bar == 10
    assert device.task.foo(6) == 12


def test_trailing_expression_forms(device: belay.Device) -> None:
    assert device("a = [1, 2]; len(a)") == 2
    assert device("(1 +\n 2)") == 3
    assert device("b = {'k': (1, 2.5, None, b'x')}\nb") == {"k": (1, 2.5, None, b"x")}
    assert device("import os") is None


def test_generator_task_streams_values_as_produced(device: belay.Device) -> None:
    @device.task
    def count(n):  # type: ignore[no-untyped-def]
        import time

        for i in range(n):
            yield i
            time.sleep_ms(200 if i == 0 else 0)

    values = count(3)
    started = time.monotonic()
    first = next(values)
    first_after = time.monotonic() - started
    assert first == 0
    assert list(values) == [1, 2]
    assert first_after < 0.2 + 0.15  # the first value did not wait for the sleep


def test_user_prints_are_streamed_line_by_line_while_running(device: belay.Device) -> None:
    seen: list[tuple[float, str]] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            seen.append((time.monotonic(), text))
            return len(text)

    device(
        "import time\nprint('first')\ntime.sleep_ms(300)\nprint('second')", stream_out=Recorder()
    )
    assert [text for _, text in seen] == ["first\r\n", "second\r\n"]  # as the board sent them
    assert seen[1][0] - seen[0][0] > 0.2


def test_forged_result_frames_are_plain_output(
    device: belay.Device, capsys: pytest.CaptureFixture[str]
) -> None:
    @device.task
    def sneaky():  # type: ignore[no-untyped-def]
        print("\x1eR42")
        print("\x1e" + "000000R42")
        return "real"

    assert sneaky() == "real"
    assert "\x1e000000R42" in capsys.readouterr().out


def test_non_literal_result_names_the_type(device: belay.Device) -> None:
    @device.task
    def make_pin():  # type: ignore[no-untyped-def]
        return Pin(2)  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(belay.ResultNotLiteralError, match="value is a Pin"):
        make_pin()
    assert device("1 + 1") == 2


def test_non_literal_argument_is_rejected_before_sending(device: belay.Device) -> None:
    @device.task
    def echo(value, *, other=None):  # type: ignore[no-untyped-def]
        return value

    with pytest.raises(TypeError, match="argument 'value' of echo\\(\\) is a object"):
        echo(object())
    with pytest.raises(TypeError, match="argument 'other' of echo\\(\\) is a PosixPath"):
        echo(1, other=Path("."))
    assert echo([1, {"a": (2, 3)}]) == [1, {"a": (2, 3)}]


def test_board_exception_maps_to_host_line_and_builtin_class(device: belay.Device) -> None:
    @device.task
    def divide(a, b):  # type: ignore[no-untyped-def]
        """A docstring the minifier removes; line numbers must survive anyway."""

        # a comment
        return a / b

    with pytest.raises(ZeroDivisionError) as info:
        divide(1, 0)
    assert isinstance(info.value, belay.PyboardException)
    expected_line = divide.__code__.co_firstlineno + 5 if hasattr(divide, "__code__") else None
    source_line = divide.func.__code__.co_firstlineno + 5  # type: ignore[attr-defined]
    message = str(info.value)
    # Belay's form: the board traceback, the task's frame rewritten to the host file, line
    # and source line (editors and terminals link to it).
    assert message.startswith("Traceback (most recent call last):")
    assert f'  File "{__file__}", line {source_line}, in divide\n    return a / b\n' in message
    assert message.rstrip().endswith("ZeroDivisionError: divide by zero")
    assert "<stdin>" in info.value.board_traceback
    assert expected_line in (None, source_line)

    with pytest.raises(belay.PyboardException, match="ValueError: bad"):
        device("raise ValueError('bad')")
    with pytest.raises(OSError) as oserror:
        device("open('/missing.txt')")
    assert oserror.value.errno == 2


def test_reserved_names_are_refused_at_decoration(device: belay.Device) -> None:
    with pytest.raises(belay.SpecialFunctionNameError):

        @device.task
        def __init__():  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(belay.SpecialFunctionNameError):

        @device.task
        def _belay_thing():  # type: ignore[no-untyped-def]
            pass


def test_task_options_and_registration(device: belay.Device) -> None:
    @device.task(minify=False, register=False)
    def plain(x):  # type: ignore[no-untyped-def]
        # kept as written
        return x + 1

    assert plain(1) == 2
    with pytest.raises(AttributeError, match="no task named 'plain'"):
        device.task.plain  # noqa: B018


def test_thread_runs_in_background(device: belay.Device, virtual_board: VirtualBoard) -> None:
    @device.thread
    def blink(times):  # type: ignore[no-untyped-def]
        led = Pin(7, Pin.OUT)  # type: ignore[name-defined]  # noqa: F821
        for _ in range(times):
            led.toggle()
            sleep(0.02)  # type: ignore[name-defined]  # noqa: F821

    assert blink(4) is None
    deadline = time.monotonic() + 5
    while sum("pin 7 value" in line for line in virtual_board.trace_lines) < 4:
        assert time.monotonic() < deadline, virtual_board.trace_lines
        time.sleep(0.02)
    assert device.thread.blink is not None


def test_thread_on_a_board_without_thread_module(
    virtual_board: VirtualBoard, board_root: Path
) -> None:
    (board_root / "boot.py").write_text("import sys\nsys.modules['_thread'] = None\n")
    dev = belay.Device(virtual_board.path)
    try:
        with pytest.raises(belay.FeatureUnavailableError, match="no _thread module"):

            @dev.thread
            def background():  # type: ignore[no-untyped-def]
                pass
    finally:
        dev.close()


def test_task_on_two_devices_returns_a_list(board_root: Path, tmp_path: Path) -> None:
    require_board()
    with VirtualBoard(board_root) as first_board, VirtualBoard(tmp_path / "b") as second_board:
        first = belay.Device(first_board.path)
        second = belay.Device(second_board.path)
        try:
            first("name = 'first'")
            second("name = 'second'")

            @second.task
            @first.task
            def who():  # type: ignore[no-untyped-def]
                return name  # type: ignore[name-defined]  # noqa: F821

            assert who() == ["first", "second"]
            assert second.task.who() == "second"
        finally:
            first.close()
            second.close()


def test_class_style_setup_task_teardown(virtual_board: VirtualBoard) -> None:
    class Blinker(belay.Device):
        @belay.Device.setup(autoinit=True)
        def setup():  # type: ignore[no-untyped-def]
            led = Pin(9, Pin.OUT)  # type: ignore[name-defined]  # noqa: F821, F841

        @belay.Device.task
        def set_led(state):  # type: ignore[no-untyped-def]
            led.value(state)  # type: ignore[name-defined]  # noqa: F821
            return state

        @belay.Device.teardown
        def teardown():  # type: ignore[no-untyped-def]
            led.off()  # type: ignore[name-defined]  # noqa: F821

    with Blinker(virtual_board.path) as blinker:
        assert blinker.set_led(1) == 1  # type: ignore[attr-defined]
        assert blinker.task.set_led(0) == 0
    values = [line for line in virtual_board.trace_lines if line.startswith("pin 9 value")]
    assert values == ["pin 9 value 1", "pin 9 value 0", "pin 9 value 0"]


def test_timeout_interrupts_and_device_stays_usable(device: belay.Device) -> None:
    @device.task
    def forever():  # type: ignore[no-untyped-def]
        while True:
            pass

    with pytest.raises(belay.DeviceTimeoutError):
        device.call("forever", [], timeout=0.5)
    assert device("6 * 7") == 42


def test_host_ctrl_c_interrupts_the_board(device: belay.Device) -> None:
    @device.task
    def spin():  # type: ignore[no-untyped-def]
        while True:
            pass

    timer = threading.Timer(0.3, lambda: _raise_in_main())
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        spin()
    assert device("1 + 2") == 3


def _raise_in_main() -> None:
    os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C in the host's terminal does


def test_four_threads_share_one_device(device: belay.Device) -> None:
    @device.task
    def double(x):  # type: ignore[no-untyped-def]
        return x * 2

    errors: list[str] = []

    def worker(offset: int) -> None:
        for i in range(500):
            value = offset * 10_000 + i
            result = double(value)
            if result != value * 2:
                errors.append(f"{value} -> {result}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_ten_thousand_lines_and_a_100_kb_result(device: belay.Device) -> None:
    out = io.StringIO()

    @device.task
    def chatty():  # type: ignore[no-untyped-def]
        for i in range(10000):
            print("line", i)
        return "x" * 100_000

    result = device.call("chatty", [], stream_out=out)
    assert result == "x" * 100_000
    lines = out.getvalue().splitlines()
    assert len(lines) == 10000 and lines[-1] == "line 9999"


def test_reconnect_replays_history_after_the_board_restarts(tmp_path: Path) -> None:
    require_board()
    dev = belay.Device(f"virtual:{tmp_path / 'fs'}", attempts=3, reconnect_delay=0.1)
    try:
        dev("greeting = 'hello'")

        @dev.task
        def greet(name):  # type: ignore[no-untyped-def]
            return greeting + " " + name  # type: ignore[name-defined]  # noqa: F821

        assert greet("a") == "hello a"
        dev.transport.close()  # the link drops (as when the board dies)
        assert greet("b") == "hello b"  # reconnected to a new board, history replayed
    finally:
        dev.close()


def test_reconnect_gives_up_with_connection_lost(tmp_path: Path) -> None:
    require_board()
    dev = belay.Device("virtual:", reconnect_delay=0.01)
    dev.transport.close()
    dev.port = str(tmp_path / "no-such-port")
    with pytest.raises(belay.ConnectionLost, match="after 2 attempt"):
        dev.reconnect(attempts=2)


def test_autoinit_setup_runs_for_every_instance(virtual_board: VirtualBoard) -> None:
    class Counter(belay.Device):
        @belay.Device.setup(autoinit=True)
        def setup():  # type: ignore[no-untyped-def]
            global runs
            try:
                runs += 1  # type: ignore[name-defined]
            except NameError:
                runs = 1

    for _ in range(2):  # a soft reset at each connect: every instance must run setup itself
        with Counter(virtual_board.path) as counter:
            assert counter("runs") == 1


def test_failing_class_setup_releases_the_port(virtual_board: VirtualBoard) -> None:
    class Broken(belay.Device):
        @belay.Device.setup(autoinit=True)
        def setup():  # type: ignore[no-untyped-def]
            raise ValueError("no sensor")

    with pytest.raises(belay.PyboardException, match="no sensor"):
        Broken(virtual_board.path)
    with belay.Device(virtual_board.path) as again:  # not "port busy"
        assert again("1 + 1") == 2


def test_abandoned_generator_frees_the_device(device: belay.Device) -> None:
    @device.task
    def forever():  # type: ignore[no-untyped-def]
        i = 0
        while True:
            yield i
            i += 1

    values = forever()
    assert [next(values) for _ in range(3)] == [0, 1, 2]
    values.close()  # the caller stops early
    assert device("40 + 2") == 42
    for value in forever():
        if value == 2:
            break  # the iterator is dropped
    assert device("40 + 3") == 43


def test_a_call_retried_after_reconnect_keeps_the_device_timeout(tmp_path: Path) -> None:
    require_board()
    dev = belay.Device("virtual:", attempts=2, reconnect_delay=0.1, timeout=1.0)
    try:

        @dev.task
        def forever():  # type: ignore[no-untyped-def]
            while True:
                pass

        dev.transport.close()  # the link drops (as when the board dies)
        with pytest.raises(belay.DeviceTimeoutError):
            forever()  # reconnects, replays, runs again: still limited to 1 s
        assert dev("1 + 1") == 2
    finally:
        dev.close()


def test_reconnecting_a_closed_device_is_connection_lost(virtual_board: VirtualBoard) -> None:
    dev = belay.Device(virtual_board.path, attempts=2)
    dev.close()
    with pytest.raises(belay.ConnectionLost, match="closed"):
        dev.reconnect()
    with belay.Device(virtual_board.path) as again:  # the closed Device holds no port
        assert again("1 + 1") == 2


def test_decorator_options_ignore_errors_implementation_and_unknown(
    device: belay.Device,
) -> None:
    @device.setup(ignore_errors=True)
    def fails():  # type: ignore[no-untyped-def]
        raise ValueError("discarded")

    assert fails() is None

    @device.task(implementation="circuitpython")
    def only_on_circuitpython():  # type: ignore[no-untyped-def]
        return 1

    with pytest.raises(belay.NoMatchingExecuterError, match="for circuitpython only"):
        only_on_circuitpython()  # never the host function
    with pytest.raises(AttributeError):
        device.task.only_on_circuitpython  # noqa: B018

    with pytest.raises(TypeError, match="has no option 'retries'"):

        @device.task(retries=3)
        def typo():  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(TypeError, match="has no option 'autoinit'"):
        belay.Device.task(autoinit=True)
    with pytest.raises(TypeError, match="has no option 'return_time'"):
        device.thread(return_time=True)


def test_a_device_built_on_a_transport_cannot_reconnect(virtual_board: VirtualBoard) -> None:
    from belay_gen.runtime.transport.serial import SerialTransport

    dev = belay.Device(transport=SerialTransport(virtual_board.path), attempts=3)
    try:
        assert dev("1 + 1") == 2
        with pytest.raises(belay.ConnectionLost, match="cannot reopen it"):
            dev.reconnect()
    finally:
        dev.close()
