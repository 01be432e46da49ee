"""``belay-gen emulate --listen/--webrepl``: the options, the password, the servers' life."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import click

from belay_gen.emulator.profiles import BoardProfile
from belay_gen.errors import ConnectionFailed

if TYPE_CHECKING:
    from belay_gen.emulator.relay import VirtualBoard

#: Environment variable holding the password ``emulate --webrepl`` asks clients for.
WEBREPL_PASSWORD_ENV = "BELAY_GEN_WEBREPL_PASSWORD"


class _Server(Protocol):
    def close(self) -> None: ...


def _address(value: str, option: str) -> tuple[str, int]:
    from belay_gen.emulator.tcp import AddressError, parse_address

    try:
        return parse_address(value)
    except AddressError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class NetworkOptions:
    """What ``--listen`` and ``--webrepl`` asked for; :meth:`attach` starts the servers."""

    def __init__(self, listen: str | None, webrepl: str | None, profile: BoardProfile) -> None:
        self.listen = None if listen is None else _address(listen, "--listen")
        self.webrepl = None if webrepl is None else _address(webrepl, "--webrepl")
        if self.listen is not None and self.listen == self.webrepl and self.listen[1] != 0:
            raise click.BadParameter(
                "--listen and --webrepl need a port each (or 0 for any free one)",
                param_hint="--webrepl",
            )
        self.profile = profile
        #: The URLs clients open, known once the servers listen.
        self.urls: list[str] = []
        self._password: str | None = None
        self._listeners: dict[str, socket.socket] = {}

    @property
    def wanted(self) -> bool:
        return self.listen is not None or self.webrepl is not None

    def check(self) -> None:
        """Refuse what cannot work before the board boots: get the WebREPL password, then
        take the addresses (one that is taken or unknown is told now, not after the boot)."""
        if self.webrepl is not None:
            self._password = self._webrepl_password()
        for host, _ in filter(None, (self.listen, self.webrepl)):
            if not _is_loopback(host):
                click.echo(
                    f"warning: {host} is reachable from other machines; whoever reaches it"
                    " can run code on this one (the virtual board is no sandbox)",
                    err=True,
                )
        try:
            for option, address in (("--listen", self.listen), ("--webrepl", self.webrepl)):
                if address is not None:
                    self._listeners[option] = _bind(address, option)
        except ConnectionFailed:
            self.release()
            raise

    def _webrepl_password(self) -> str:
        if self.profile.flavour == "circuitpython":
            raise click.BadParameter(
                "CircuitPython has no WebREPL (it has its own web workflow)",
                param_hint="--webrepl",
            )
        from belay_gen.emulator.webrepl_server import check_password

        password = os.environ.get(WEBREPL_PASSWORD_ENV)
        if password is None:
            if not sys.stdin.isatty():
                raise click.UsageError(
                    f"--webrepl needs a password: set {WEBREPL_PASSWORD_ENV} (it cannot be"
                    " asked for: stdin is not a terminal)"
                )
            password = click.prompt(
                "WebREPL password for the virtual board (4 to 9 characters)",
                hide_input=True,
                err=True,
            )
        try:
            return check_password(password)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--webrepl") from None

    def release(self) -> None:
        """Close the addresses :meth:`check` took that no server has taken over."""
        for listener in self._listeners.values():
            listener.close()
        self._listeners.clear()

    def attach(self, board: VirtualBoard) -> Callable[[], None]:
        """Start the servers in front of ``board`` (on the addresses :meth:`check` took);
        return the function that stops them."""
        from belay_gen.emulator.listen import SerialServer
        from belay_gen.emulator.webrepl_server import WebReplServer

        servers: list[_Server] = []

        def stop() -> None:
            for server in servers:
                server.close()

        try:
            if self.listen is not None:
                host, port = self.listen
                serial = SerialServer(
                    board.path,
                    host,
                    port,
                    baudrate=board.profile.baud or 115200,
                    listener=self._listeners.pop("--listen", None),
                )
                servers.append(serial)
                self.urls.extend(serial.urls)
            if self.webrepl is not None:
                assert self._password is not None  # check() ran
                host, port = self.webrepl
                texts = (board.profile.soft_reboot_text, board.profile.reset_text)
                webrepl = WebReplServer(
                    board.path,
                    board.root,
                    host,
                    port,
                    self._password,
                    reset_texts=texts,
                    listener=self._listeners.pop("--webrepl", None),
                )
                servers.append(webrepl)
                self.urls.append(webrepl.url)
        except OSError as exc:
            stop()
            self.release()
            option = "--webrepl" if self.listen is None or servers else "--listen"
            raise _cannot_listen(host, port, option, exc) from exc
        return stop


def _bind(address: tuple[str, int], option: str) -> socket.socket:
    from belay_gen.emulator.tcp import bind

    host, port = address
    try:
        return bind(host, port)
    except OSError as exc:
        raise _cannot_listen(host, port, option, exc) from exc


def _cannot_listen(host: str, port: int, option: str, exc: OSError) -> ConnectionFailed:
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    reason = (exc.strerror or str(exc)).split(" (while attempting")[0]
    return ConnectionFailed(f"cannot listen on {where} ({option}): {reason}")
