"""``Device``: a connected board whose functions the host calls as if they were local.

Compatible with Belay's ``Device``::

    import belay_gen as belay

    device = belay.Device("/dev/ttyUSB0")

    @device.task
    def set_led(state):
        Pin(25, Pin.OUT).value(state)

    set_led(True)

Every board interaction goes through one lock, so a ``Device`` may be shared by host threads.
"""

from __future__ import annotations

import ast
import io
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from belay_gen.compiler.model import DECORATOR_KINDS
from belay_gen.errors import ConnectionLost
from belay_gen.runtime.codec import (
    YIELD,
    Frame,
    FrameParser,
    encode_call,
    frames_snippet,
    new_nonce,
)
from belay_gen.runtime.dynamic import CompiledForBoard
from belay_gen.runtime.implementation import Implementation, probe
from belay_gen.runtime.output import LineRouter
from belay_gen.runtime.repl import RawRepl
from belay_gen.runtime.snippets import snippet
from belay_gen.runtime.tasks import MARK, BoardFunction, Executor, ExecutorSlot
from belay_gen.runtime.tracebacks import SourceSpan, board_exception
from belay_gen.runtime.transport import Transport, open_transport

_DONE = object()


class _CurrentStdout(io.TextIOBase):
    """Default ``stream_out``: whatever ``sys.stdout`` is at the time of the call."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


STDOUT: TextIO = _CurrentStdout()  # type: ignore[assignment]


class Device:
    """A MicroPython/CircuitPython board.

    ``port``: a serial port (``/dev/ttyACM0``), or ``virtual:[DIR][?baud=N]`` for the virtual
    board. ``startup``: code run after each (re)connect (default: the common imports Belay
    does; missing modules are skipped). ``attempts``: how often to reconnect when the link
    drops (negative: forever), ``reconnect_delay`` seconds apart. ``timeout``: default limit
    in seconds for each call (``None``: no limit).
    """

    MAX_HISTORY = 1000

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
        if port is None and transport is None:
            raise TypeError("Device() needs a port (e.g. '/dev/ttyACM0' or 'virtual:')")
        self.port = port if port is not None else transport.description  # type: ignore[union-attr]
        self._reopenable = port is not None  # a transport handed in cannot be opened again
        self.startup = startup
        self.attempts = attempts
        self.timeout = timeout
        self.reconnect_delay = reconnect_delay
        self._password = password
        self._lock = threading.RLock()
        self._history: deque[tuple[str, Any]] = deque(maxlen=self.MAX_HISTORY)
        self._spans: dict[str, SourceSpan] = {}
        self._teardowns: list[BoardFunction] = []
        self._closed = False
        for kind in DECORATOR_KINDS:
            self.__dict__[f"_executor_{kind}"] = Executor(self, kind)
        self._connect(transport)
        try:
            self._define_marked_methods()
        except BaseException:
            self._transport.close()  # the caller gets no Device to close: release the port
            raise

    # -- connection -------------------------------------------------------------------------
    def _connect(self, transport: Transport | None = None) -> None:
        if transport is None:
            transport = open_transport(self.port, password=self._password)
        self._transport = transport
        try:
            self._repl = RawRepl(self._transport)
            self._repl.enter()
            if not self._transport.reset_drops_link:  # WebREPL: a reset would end the link
                self._repl.soft_reset()
            self._nonce = new_nonce()
            self._parser = FrameParser(self._nonce)
            startup = snippet("startup.py") if self.startup is None else self.startup
            self._repl.exec_or_raise(frames_snippet(self._nonce) + "\n" + startup)
            self.implementation: Implementation = probe(self._repl)
            self.has_threads = self._probe_threads()
        except BaseException:
            self._transport.close()
            raise

    def _probe_threads(self) -> bool:
        # Straight to the REPL, not _run: a link that drops while connecting must fail this
        # connect attempt, not start a reconnect of its own inside reconnect().
        probe = "try:\n import _thread\n print(hasattr(_thread, 'start_new_thread'))\n"
        probe += "except ImportError:\n print(False)\n"
        return self._repl.exec_or_raise(probe).strip() == b"True"

    @property
    def transport(self) -> Transport:
        """The byte link to the board (a ``VirtualTransport`` for ``virtual:`` ports)."""
        return self._transport

    def reconnect(self, attempts: int | None = None) -> None:
        """Reconnect and replay the recorded history (definitions, ``device(...)`` calls, syncs).

        Tries ``attempts`` times (default: the Device's ``attempts``; negative: forever),
        ``reconnect_delay`` seconds apart; raises :class:`ConnectionLost` when none works.
        """
        budget = self.attempts if attempts is None else attempts
        with self._lock:
            if self._closed:
                raise ConnectionLost(f"the Device for {self.port} is closed")
            if not self._reopenable:
                raise ConnectionLost(
                    f"lost {self.port}, and a Device made from a transport cannot reopen it; "
                    "create the Device with a port string to reconnect"
                )
            self._transport.close()
            tries = 0
            while True:
                try:
                    self._connect()
                    break
                except Exception as exc:
                    tries += 1
                    if 0 <= budget <= tries:
                        raise ConnectionLost(
                            f"could not reconnect to {self.port} after {tries} attempt(s): {exc}"
                        ) from exc
                    time.sleep(self.reconnect_delay)
            for kind, payload in list(self._history):
                if kind == "exec":
                    self._run(payload, record=False)
                elif kind == "sync":
                    self.sync(*payload[0], record=False, **payload[1])

    def close(self) -> None:
        """Run teardown functions, then release the port. Closing twice is harmless."""
        if self._closed:
            return
        try:
            for teardown in self._teardowns:
                teardown()
        finally:
            self._closed = True
            self._transport.close()

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
        code = _return_trailing_expression(cmd)
        if minify:
            from belay_gen.runtime.dynamic import _minify

            code = _minify(code)
        return self._run(code, record=record, stream_out=stream_out, timeout=timeout)

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
        if generator:
            code = f"for __belay_v in {call}:\n __belay_y(__belay_v)\n__belay_r(None)\n"
            return self._stream_generator(code, timeout, stream_out)
        return self._run(f"__belay_r({call})", record=False, stream_out=stream_out, timeout=timeout)

    def spawn(self, target: str, args: Sequence[tuple[str, object]]) -> None:
        """Start ``target(...)`` in a board thread and return at once."""
        positional = tuple(value for name, value in args if not name)
        keywords = {name: value for name, value in args if name}
        self._run(
            f"import _thread\n_thread.start_new_thread({target}, {positional!r}, {keywords!r})",
            record=False,
        )

    def ensure_module(
        self, name: str, code: str, code_hash: str, *, path: str | None = None
    ) -> bool:
        """Make the generated board module ``name`` current on the board and import it.

        One round trip compares the ``__belay_hash__`` line at the top of the installed file
        with ``code_hash``; only on a mismatch is ``code`` uploaded (binary, written to a
        temp file and renamed). Returns True when it uploaded. Recorded for replay.
        """
        target = path or f"/lib/{name}.py"
        expected = f'__belay_hash__ = "{code_hash}"'
        check = (
            f"try:\n with open({target!r}) as __belay_f:\n"
            "  __belay_h = __belay_f.readline().strip()\n"
            "except OSError:\n __belay_h = ''\n"
            f"if __belay_h == {expected!r}:\n import {name}\n __belay_r(True)\n"
            "else:\n __belay_r(False)\n"
        )
        with self._lock:
            current = self._run(check) is True
            if not current:
                from belay_gen.runtime.sync.wire import write_files

                write_files(self._repl, {target: code.encode()})
                self._run(f"import sys\nsys.modules.pop({name!r}, None)\nimport {name}")
            if ("exec", f"import {name}") not in self._history:
                self._history.append(("exec", f"import {name}"))
        return not current

    def define(self, compiled: CompiledForBoard) -> None:
        """Send a function definition to the board (recorded for replay)."""
        self._spans[compiled.name] = compiled.span
        self._run(compiled.device_code, record=True)

    def run_body(
        self, compiled: CompiledForBoard, args: Sequence[tuple[str, object]], *, record: bool = True
    ) -> Any:
        """Run a setup/teardown body in the board's global scope, its arguments as globals;
        ``record`` keeps the run for replay after a reconnect."""
        assignments = ";".join(f"{name}={value!r}" for name, value in args if name)
        lines = compiled.body_code.split("\n")
        if assignments and lines and not lines[0].strip():
            lines[0] = assignments
            code = "\n".join(lines)
        else:
            code = (assignments + "\n" if assignments else "") + compiled.body_code
        self._spans["<module>"] = compiled.span
        try:
            return self._run(code, record=record)
        finally:
            self._spans.pop("<module>", None)

    def add_teardown(self, function: BoardFunction) -> None:
        self._teardowns.append(function)

    # -- the one place that talks to the board ----------------------------------------------
    def _run(
        self,
        code: str,
        *,
        record: bool = False,
        stream_out: TextIO | None = STDOUT,
        timeout: float | None = None,
        on_frame: Callable[[Frame], None] | None = None,
    ) -> Any:
        results: list[object] = []
        handler = on_frame if on_frame is not None else (lambda frame: results.append(frame.value))
        limit = self.timeout if timeout is None else timeout
        with self._lock:
            if self._closed:
                raise ConnectionLost(f"the Device for {self.port} is closed")
            router = LineRouter(self._parser, stream_out, handler)
            try:
                outcome = self._repl.exec(code, timeout=limit, stdout_callback=router.feed)
            except ConnectionLost:
                if self.attempts == 0:
                    raise
                self.reconnect()
                router = LineRouter(self._parser, stream_out, handler)
                outcome = self._repl.exec(code, timeout=limit, stdout_callback=router.feed)
            router.close()
            if not outcome.ok:
                raise board_exception(outcome.error, self._spans)
            if router.error is not None:
                raise router.error
            if record:
                self._history.append(("exec", code))
        return results[-1] if results else None

    def _stream_generator(
        self, code: str, timeout: float | None, stream_out: TextIO | None
    ) -> Iterator[Any]:
        stream = _Stream()
        # The worker holds the queue and the flag, not the stream, so dropping the stream
        # reaches its __del__.
        values, abandoned = stream.values, stream.abandoned

        def on_frame(frame: Frame) -> None:
            if abandoned.is_set():
                raise _Abandoned  # RawRepl interrupts the board and returns to the prompt
            if frame.kind == YIELD:
                values.put(frame.value)

        def worker() -> None:
            try:
                self._run(code, timeout=timeout, stream_out=stream_out, on_frame=on_frame)
                values.put(_DONE)
            except _Abandoned:
                pass
            except BaseException as exc:
                values.put(_Failure(exc))

        threading.Thread(target=worker, daemon=True, name="belay-gen generator").start()
        return stream

    # -- sync ------------------------------------------------------------------------------
    def sync(self, folder: str | Path, *args: Any, record: bool = True, **kwargs: Any) -> Any:
        """Mirror ``folder`` onto the board (see :func:`belay_gen.runtime.sync.sync_folder`)."""
        from belay_gen.runtime.sync.folder import sync_folder

        with self._lock:
            report = sync_folder(self._repl, Path(folder), *args, **kwargs)
            if record:
                self._history.append(("sync", ((folder, *args), kwargs)))
        return report

    # -- class style ------------------------------------------------------------------------
    def _define_marked_methods(self) -> None:
        autoinit: list[BoardFunction] = []
        for klass in reversed(type(self).__mro__):
            for name, attribute in vars(klass).items():
                func = getattr(attribute, "__func__", None)
                marked = getattr(func, MARK, None)
                if func is None or marked is None:
                    continue
                kind, options = marked  # shared by every instance: read it, never change it
                settings = {k: v for k, v in options.items() if k != "autoinit"}
                function = self.__dict__[f"_executor_{kind}"].define(func, **settings)
                self.__dict__[name] = function
                if kind == "setup" and options.get("autoinit", False):
                    autoinit.append(function)
        for function in autoinit:
            function()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Abandoned(Exception):
    """Internal: nobody reads a generator task's values any more."""


class _Stream(Iterator[Any]):
    """The values of a generator task, as the board yields them.

    Closing it, or dropping the last reference, stops the task at its next value, so an
    endless generator does not keep the device busy after the caller stopped reading.
    """

    def __init__(self) -> None:
        self.values: queue.Queue[Any] = queue.Queue()
        self.abandoned = threading.Event()
        self._finished = False

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        item = self.values.get()
        if item is _DONE or isinstance(item, _Failure):
            self._finished = True
            if isinstance(item, _Failure):
                raise item.exc
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop reading: the board's generator is interrupted at its next value."""
        self.abandoned.set()

    def __del__(self) -> None:
        self.abandoned.set()


def _return_trailing_expression(cmd: str) -> str:
    """Rewrite ``cmd`` so the value of a final expression statement comes back as a frame."""
    try:
        tree = ast.parse(cmd)
    except SyntaxError:
        return cmd  # MicroPython-only syntax: run as is, no value comes back
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return cmd
    last = tree.body[-1]
    segment = ast.get_source_segment(cmd, last)
    if segment is None or last.end_lineno is None or last.end_col_offset is None:
        return cmd
    lines = cmd.splitlines()
    start, end = last.lineno - 1, last.end_lineno - 1
    prefix = lines[start][: last.col_offset]
    tail = lines[end][last.end_col_offset :]
    wrapped = f"{prefix}__belay_r({segment}){tail}"
    return "\n".join([*lines[:start], wrapped, *lines[end + 1 :]]) + "\n"
