"""``Device``: a connected board whose functions the host calls as if they were local.

Compatible with Belay's ``Device``::

    import belay_gen as belay

    device = belay.Device("/dev/ttyUSB0")

    @device.task
    def set_led(state):
        Pin(25, Pin.OUT).value(state)

    set_led(True)

A facade: the link, its lock and the replay history are the :class:`Session`'s, the decorators
are :mod:`~belay_gen.runtime.tasks`' executors, board programs are snippet files.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from belay_gen.compiler.model import DECORATOR_KINDS
from belay_gen.files import merged_package_folders
from belay_gen.runtime.board_helpers import run_with_helpers
from belay_gen.runtime.clock import BoardClock, DeviceClock
from belay_gen.runtime.codec import RESULT_FUNCTION, encode_call, wrap_trailing_expression
from belay_gen.runtime.commands import (
    CommandOptions,
    run_command,
    writer_for,
)
from belay_gen.runtime.dynamic import CompiledForBoard
from belay_gen.runtime.generators import TaskGenerator
from belay_gen.runtime.implementation import Implementation
from belay_gen.runtime.methods import DeviceMeta, ExecutorSlot, bind_methods
from belay_gen.runtime.modules import install_module
from belay_gen.runtime.output import STDOUT
from belay_gen.runtime.pending import OPEN_DEVICES, PendingWork
from belay_gen.runtime.proxy import ProxyObject, proxy_command, target_name
from belay_gen.runtime.results import ResultForm
from belay_gen.runtime.session import Session, SessionSetting
from belay_gen.runtime.stream import BoardGenerator
from belay_gen.runtime.sync.operations import DEFAULT_BATCH
from belay_gen.runtime.tasks import BoardFunction, Executor
from belay_gen.runtime.transport import Transport

if TYPE_CHECKING:
    from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport
    from belay_gen.runtime.sync.local import TransformCache
    from belay_gen.runtime.transport.usb import UsbSpecifier


class Device(metaclass=DeviceMeta):
    """A MicroPython/CircuitPython board.

    ``port``: a serial port (``/dev/ttyACM0``), a :class:`UsbSpecifier`, or
    ``virtual:[DIR][?profile=esp32&baud=N...]`` for the virtual board. ``startup``: code run
    after each (re)connect (default: the common imports Belay does; missing modules are skipped).
    ``attempts``: how often to reconnect when the link drops (negative: forever),
    ``reconnect_delay`` seconds apart. ``timeout``: default limit in seconds for each call
    (``None``: no limit). ``auto_sync_time``: measure the board's clock when first needed
    (``time_offset``, ``return_time``); with ``False`` call :meth:`sync_time` yourself.
    Safe to share between host threads.

    A subclass may mark methods ``@Device.task`` (thread, setup, teardown), one version per
    ``implementation=`` if it likes, and override :meth:`__pre_autoinit__` and
    :meth:`__post_init__`; ``class MyBoard(Device, skip=True)`` keeps it out of the
    ``Device["myboard"]`` registry.

    A reconnect replays what was defined, in the order it was made: every task and thread,
    recorded setup runs, generated modules and syncs (the latest of each name), and the most
    recent 1,000 commands run with ``device(cmd)`` (``record=True``); older commands are
    dropped, definitions never.
    """

    _device_root = True  # DeviceMeta.mro puts this class after mixins

    port = SessionSetting()
    startup = SessionSetting()
    attempts = SessionSetting()
    timeout = SessionSetting()
    reconnect_delay = SessionSetting()

    task = ExecutorSlot("task")
    thread = ExecutorSlot("thread")
    setup = ExecutorSlot("setup")
    teardown = ExecutorSlot("teardown")

    def __init__(
        self,
        port: str | UsbSpecifier | None = None,
        startup: str | None = None,
        attempts: int = 0,
        password: str | None = None,
        timeout: float | None = None,
        *,
        transport: Transport | None = None,
        reconnect_delay: float = 1.0,
        auto_sync_time: bool = True,
    ) -> None:
        if startup is not None and not isinstance(startup, str):
            raise TypeError(f"startup must be board code (a str), not {type(startup).__name__}")
        self._generator_names = itertools.count()
        # A UsbSpecifier (pyserial's port listing loads only for one).
        self._specifier: UsbSpecifier | None = None
        if port is not None and not isinstance(port, str):
            self._specifier, port = port, port.to_port()
        self.session = Session(
            port,
            transport=transport,
            password=password,
            startup=startup,
            attempts=attempts,
            timeout=timeout,
            reconnect_delay=reconnect_delay,
        )
        #: What the board is owed before the next command (see :mod:`.pending`).
        self.pending = PendingWork(
            self.session, lambda: self.reconnect(attempts=max(1, self.session.attempts))
        )
        #: The board's clock (``sync_time``, ``return_time``).
        self.clock = DeviceClock(self.session, self._ready, auto=auto_sync_time)
        #: The decorator behind ``.task``, ``.thread``, ``.setup`` and ``.teardown``, by kind.
        self.executors: dict[str, Executor] = {
            kind: Executor(self, kind) for kind in DECORATOR_KINDS
        }
        self._teardowns: list[BoardFunction] = []
        try:
            autoinit = bind_methods(self)  # a subclass's @Device.task methods
            self.__pre_autoinit__()
            for setup in autoinit:
                setup()
            self.__post_init__()
            OPEN_DEVICES.add(self)
        except BaseException:
            self.session.close()  # the caller gets no Device to close: release the port
            raise

    def __pre_autoinit__(self) -> None:
        """Subclass hook: runs at connect before the ``autoinit`` setups (sync files here)."""

    def __post_init__(self) -> None:
        """Subclass hook: runs at the end of ``__init__``."""

    @property
    def transport(self) -> Transport:
        """The byte link to the board (a ``VirtualTransport`` for ``virtual:`` ports)."""
        return self.session.transport

    @property
    def implementation(self) -> Implementation:
        """The firmware the board runs, as probed at connect."""
        return self.session.implementation

    @property
    def has_threads(self) -> bool:
        """True when the board can run ``@device.thread`` functions."""
        return self.session.implementation.threads

    def reconnect(self, attempts: int | None = None) -> None:
        """Reconnect and replay the history (see the class docstring).

        Tries ``attempts`` times (default: the Device's ``attempts``; negative: forever),
        ``reconnect_delay`` seconds apart; raises :class:`ConnectionLost` when none works.
        A Device made from a :class:`UsbSpecifier` looks the port up again first.
        """
        if self._specifier is not None and not self._specifier.device:
            self.session.port = self._specifier.to_port()
        self.session.reconnect(attempts)

    def close(self) -> None:
        """Run teardown functions, then release the port. Closing twice is harmless."""
        if self.session.closed:
            return
        OPEN_DEVICES.discard(self)
        try:
            for teardown in self._teardowns:
                teardown()
        finally:
            self.session.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- running code -----------------------------------------------------------------------
    def __call__(
        self,
        cmd: str | ProxyObject,
        minify: bool = True,
        stream_out: TextIO | None = STDOUT,
        record: bool = True,
        timeout: float | None = None,
        *,
        trusted: bool = False,
        proxy: bool = False,
        delete: bool | None = None,
        return_time: bool = False,
    ) -> Any:
        """Run ``cmd`` on the board; prints stream to ``stream_out`` (anything with
        ``write``); return the value of a trailing expression (a literal), else ``None``.
        ``record`` keeps it for replay after a reconnect.

        ``proxy=True``: a mutable value comes back as a :class:`ProxyObject` (an import as
        proxies of the imported names); ``delete`` decides whether the board object goes
        when the proxy does (default: yes, but not for imports). ``return_time=True``:
        ``(value, datetime)``, the host time the board computed it. ``trusted=True``: the
        value is the board's ``repr`` run through ``eval`` on the host (runs what the board
        sends). A :class:`ProxyObject` as ``cmd`` returns its value.
        """
        form = ResultForm(trusted=trusted, return_time=return_time)
        if isinstance(cmd, ProxyObject):  # its value; a dict view comes back as a list
            cmd, record = f"__belay_l({target_name(cmd)})", False
            form = ResultForm(trusted, return_time, calls_helpers=True)
        cmd = textwrap.dedent(cmd)
        options = CommandOptions(minify, stream_out, record, timeout)
        self._ready()
        if proxy:
            return proxy_command(self, self.session, cmd, options, delete)
        code = wrap_trailing_expression(cmd, f"{RESULT_FUNCTION}({form.value('{}')})")
        if code is None and return_time:
            raise ValueError(f"return_time=True times an expression, and {cmd!r} has none last")
        value = run_command(self.session, code or cmd, cmd, form, options)
        return value if code is None else form.finish(value, self.synced_clock)

    def proxy(self, cmd: str, delete: bool | None = None) -> Any:
        """A :class:`ProxyObject` for a board name (kept when the proxy goes, unless
        ``delete``), an expression's value (deleted with the proxy, unless ``delete=False``)
        or an import (a proxy per imported name; a tuple for several)."""
        if cmd.isidentifier():
            return ProxyObject(self, cmd, delete=bool(delete))
        return self(cmd, proxy=True, delete=delete, record=False)

    def forget(self, name: str) -> None:
        """Delete the board global ``name`` before the next command (safe to call from a
        finalizer: nothing is sent now)."""
        self.pending.forget(name)

    def _ready(self) -> None:
        self.pending.settle()

    def call(
        self,
        target: str,
        args: Sequence[tuple[str, object]],
        *,
        generator: bool = False,
        timeout: float | None = None,
        stream_out: TextIO | None = STDOUT,
        trusted: bool = False,
        return_time: bool = False,
    ) -> Any:
        """Call ``target(...)`` on the board with literal ``(name, value)`` arguments.

        Returns its value, or, with ``generator=True``, a :class:`BoardGenerator` (iterated,
        each value arrives as the board produces it). ``trusted`` and ``return_time`` are
        :meth:`__call__`'s.
        """
        call = encode_call(target, args)
        form = ResultForm(trusted=trusted, return_time=return_time)
        self._ready()
        if generator:
            return BoardGenerator(TaskGenerator(self, call, form, timeout, writer_for(stream_out)))
        options: dict[str, Any] = {"stream_out": writer_for(stream_out), "timeout": timeout}
        if form.plain:
            return self.session.run(f"{RESULT_FUNCTION}({call})", **options)
        value = run_with_helpers(self.session, f"{RESULT_FUNCTION}({form.value(call)})", **options)
        return form.finish(value, self.synced_clock)

    def spawn(self, target: str, args: Sequence[tuple[str, object]]) -> None:
        """Start ``target(...)`` in a board thread and return at once."""
        positional = tuple(value for name, value in args if not name)
        keywords = {name: value for name, value in args if name}
        self._ready()
        self.session.run(f"__belay_t({target},{positional!r},{keywords!r})", needs=("thread.py",))

    # -- the board's clock ------------------------------------------------------------------
    def sync_time(self, samples: int = 10) -> float:
        """Measure the board's clock against the host's (up to ``samples`` round trips);
        return :attr:`time_offset`."""
        return self.clock.sync(samples)

    @property
    def time_offset(self) -> float:
        """Board time minus host time, in seconds (``ValueError`` before a
        :meth:`sync_time` when ``auto_sync_time`` is off)."""
        return self.clock.current().offset

    @property
    def auto_sync_time(self) -> bool:
        """Measure the board's clock when first needed (Belay measures at connect)."""
        return self.clock.auto

    @auto_sync_time.setter
    def auto_sync_time(self, value: bool) -> None:
        self.clock.auto = value

    def new_generator_number(self) -> int:
        """A number for a new board generator's name, unique on this device."""
        return next(self._generator_names)

    def synced_clock(self) -> BoardClock:
        """The board's clock, measured if needed (see :class:`DeviceClock`)."""
        return self.clock.current()

    # -- the board itself -------------------------------------------------------------------
    def soft_reset(self) -> None:
        """Soft-reset the board so it runs ``boot.py`` and ``main.py``; the next command
        reconnects (interrupting ``main.py``) and replays the history."""
        with self.session.lock:
            self.session.repl.run_main()
            self.pending.reconnect_pending = True

    def terminal(self, *, exit_char: str = chr(0x1D)) -> None:
        """An interactive terminal on the board's friendly REPL until ``exit_char`` (Ctrl-]);
        the next command reconnects."""
        from belay_gen.runtime.terminal import run_terminal

        with self.session.lock:
            self.session.repl.exit_raw()
            self.pending.reconnect_pending = True
            run_terminal(self.session.transport, exit_char)

    def sync_dependencies(
        self, package: ModuleType | str, *subfolders: str | Path, dst: str = "/lib", **kwargs: Any
    ) -> SyncReport:
        """Sync ``subfolders`` of an installed Python ``package`` (merged, in order) to
        ``dst`` on the board; ``kwargs`` are :meth:`sync`'s."""
        with merged_package_folders(package, subfolders) as folder:
            kwargs.setdefault("record", False)  # the temporary folder is gone at replay
            return self.sync(folder, dst=dst, **kwargs)

    def ensure_module(
        self, name: str, code: str, code_hash: str, *, path: str | None = None
    ) -> bool:
        """Make the generated board module ``name`` current on the board and import it
        (see :func:`belay_gen.runtime.modules.install_module`); True when it uploaded."""
        return install_module(self.session, name, code, code_hash, path=path)

    def define(self, compiled: CompiledForBoard) -> None:
        """Send a function definition to the board (recorded for replay)."""
        self._ready()
        self.session.spans[compiled.name] = compiled.span
        self.session.run(compiled.device_code, definition=f"def {compiled.name}")

    def run_body(
        self, compiled: CompiledForBoard, args: Sequence[tuple[str, object]], *, record: bool = True
    ) -> Any:
        """Run a setup/teardown body in the board's global scope, its arguments as globals;
        ``record`` keeps the latest run for replay after a reconnect."""
        self._ready()
        code = compiled.body_with_globals(args)
        spans = {**self.session.spans, "<module>": compiled.span}
        name = f"run {compiled.name}" if record else None
        return self.session.run(code, spans=spans, definition=name)

    def add_teardown(self, function: BoardFunction) -> None:
        """Run ``function`` when the device closes."""
        self._teardowns.append(function)

    def sync(
        self,
        folder: str | Path,
        dst: str = "/",
        keep: bool | str | Sequence[str] | None = None,
        ignore: str | Sequence[str] | None = None,
        minify: bool = True,
        mpy_cross_binary: str | Path | None = None,
        progress_update: ProgressUpdate | None = None,
        *,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH,
        cache: TransformCache | None = None,
        record: bool = True,
    ) -> SyncReport:
        """Mirror ``folder`` onto the board (see :func:`belay_gen.runtime.sync.sync_folder`);
        ``record`` keeps the sync for replay after a reconnect (a dry run never is)."""
        options = {
            "dst": dst,
            "keep": keep,
            "ignore": ignore,
            "minify": minify,
            "mpy_cross_binary": mpy_cross_binary,
            "progress_update": progress_update,
            "dry_run": dry_run,
            "batch_size": batch_size,
            "cache": cache,
        }
        self._ready()
        return self.session.sync(Path(folder), options, record=record and not dry_run)
