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

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from belay_gen.compiler.model import DECORATOR_KINDS
from belay_gen.runtime.codec import RESULT_FUNCTION, encode_call, return_trailing_expression
from belay_gen.runtime.dynamic import CompiledForBoard, minify_source
from belay_gen.runtime.implementation import Implementation
from belay_gen.runtime.output import STDOUT
from belay_gen.runtime.session import Exec, Session
from belay_gen.runtime.stream import stream_values
from belay_gen.runtime.sync.operations import DEFAULT_BATCH
from belay_gen.runtime.tasks import BoardFunction, Executor, ExecutorSlot, bind_methods
from belay_gen.runtime.transport import Transport

if TYPE_CHECKING:
    from belay_gen.runtime.sync.folder import ProgressUpdate, SyncReport
    from belay_gen.runtime.sync.local import TransformCache


class _OnSession:
    """A ``Device`` setting that lives on its session (``device.port = ...`` sets it there)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Device, owner: type) -> Any:
        return getattr(instance.session, self.name)

    def __set__(self, instance: Device, value: Any) -> None:
        setattr(instance.session, self.name, value)


class Device:
    """A MicroPython/CircuitPython board.

    ``port``: a serial port (``/dev/ttyACM0``), or ``virtual:[DIR][?baud=N]`` for the virtual
    board. ``startup``: code run after each (re)connect (default: the common imports Belay
    does; missing modules are skipped). ``attempts``: how often to reconnect when the link
    drops (negative: forever), ``reconnect_delay`` seconds apart. ``timeout``: default limit
    in seconds for each call (``None``: no limit). Safe to share between host threads.

    A reconnect replays what was defined, in the order it was made: every task and thread,
    recorded setup runs, generated modules and syncs (the latest of each name), and the most
    recent 1,000 commands run with ``device(cmd)`` (``record=True``); older commands are
    dropped, definitions never.
    """

    port = _OnSession()
    startup = _OnSession()
    attempts = _OnSession()
    timeout = _OnSession()
    reconnect_delay = _OnSession()

    task = ExecutorSlot("task")
    thread = ExecutorSlot("thread")
    setup = ExecutorSlot("setup")
    teardown = ExecutorSlot("teardown")

    def __init__(
        self,
        port: str | None = None,
        startup: str | None = None,
        attempts: int = 0,
        password: str | None = None,
        timeout: float | None = None,
        *,
        transport: Transport | None = None,
        reconnect_delay: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self.session = Session(
            port,
            transport=transport,
            password=password,
            startup=startup,
            attempts=attempts,
            timeout=timeout,
            reconnect_delay=reconnect_delay,
        )
        #: The decorator behind ``.task``, ``.thread``, ``.setup`` and ``.teardown``, by kind.
        self.executors: dict[str, Executor] = {
            kind: Executor(self, kind) for kind in DECORATOR_KINDS
        }
        self._teardowns: list[BoardFunction] = []
        try:
            bind_methods(self)  # a subclass's @Device.task methods
        except BaseException:
            self.session.close()  # the caller gets no Device to close: release the port
            raise

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
        """
        self.session.reconnect(attempts)

    def close(self) -> None:
        """Run teardown functions, then release the port. Closing twice is harmless."""
        if self.session.closed:
            return
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
        cmd: str,
        minify: bool = True,
        stream_out: TextIO | None = STDOUT,
        record: bool = True,
        timeout: float | None = None,
    ) -> Any:
        """Run ``cmd`` on the board; prints stream to ``stream_out``; return the value of a
        trailing expression (a literal), else ``None``. ``record`` keeps it for replay."""
        code = return_trailing_expression(cmd)
        if minify:
            code = minify_source(code)
        return self.session.run(code, record=record, stream_out=stream_out, timeout=timeout)

    def call(
        self,
        target: str,
        args: Sequence[tuple[str, object]],
        *,
        generator: bool = False,
        timeout: float | None = None,
        stream_out: TextIO | None = STDOUT,
    ) -> Any:
        """Call ``target(...)`` on the board with literal ``(name, value)`` arguments.

        Returns its value, or, with ``generator=True``, an iterator over the values it yields
        (each arrives as the board produces it).
        """
        call = encode_call(target, args)
        if not generator:
            return self.session.run(
                f"{RESULT_FUNCTION}({call})", stream_out=stream_out, timeout=timeout
            )
        code = f"__belay_g({call})"
        return stream_values(
            lambda on_frame: self.session.run(
                code,
                needs=("generator.py",),
                timeout=timeout,
                stream_out=stream_out,
                on_frame=on_frame,
            )
        )

    def spawn(self, target: str, args: Sequence[tuple[str, object]]) -> None:
        """Start ``target(...)`` in a board thread and return at once."""
        positional = tuple(value for name, value in args if not name)
        keywords = {name: value for name, value in args if name}
        self.session.run(f"__belay_t({target},{positional!r},{keywords!r})", needs=("thread.py",))

    def ensure_module(
        self, name: str, code: str, code_hash: str, *, path: str | None = None
    ) -> bool:
        """Make the generated board module ``name`` current on the board and import it.

        One round trip compares the ``__belay_hash__`` line at the top of the installed file
        with ``code_hash``; only on a mismatch is ``code`` uploaded (binary, written to a
        temp file and renamed). Returns True when it uploaded. Recorded for replay.
        """
        target = path or f"/lib/{name}.py"
        check = f"{RESULT_FUNCTION}(__belay_import_current({target!r},{code_hash!r},{name!r}))"
        with self.session.lock:
            current = self.session.run(check, needs=("module.py",)) is True
            if not current:
                from belay_gen.runtime.sync.wire import write_files

                write_files(self.session.repl, {target: code.encode()})
                self.session.run(f"__belay_import({name!r},1)", needs=("module.py",))
            self.session.history.define(f"module {name}", Exec(f"import {name}"))
        return not current

    def define(self, compiled: CompiledForBoard) -> None:
        """Send a function definition to the board (recorded for replay)."""
        self.session.spans[compiled.name] = compiled.span
        self.session.run(compiled.device_code, definition=f"def {compiled.name}")

    def run_body(
        self, compiled: CompiledForBoard, args: Sequence[tuple[str, object]], *, record: bool = True
    ) -> Any:
        """Run a setup/teardown body in the board's global scope, its arguments as globals;
        ``record`` keeps the latest run for replay after a reconnect."""
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
        return self.session.sync(Path(folder), options, record=record and not dry_run)
