"""``belay-gen select``: list the serial ports, mark the likely boards, remember one."""

from __future__ import annotations

import os
import sys

import click

from belay_gen.cli.ports import (
    PORT_ENV,
    SerialPort,
    check_port,
    serial_ports,
    stored_port,
    stored_port_file,
)


@click.command("select")
@click.argument("choice", required=False, metavar="[PORT|N]")
@click.option("--forget", is_flag=True, help="Forget the remembered port.")
@click.option("--list", "list_only", is_flag=True, help="Only list the ports; ask nothing.")
def select_command(choice: str | None, forget: bool, list_only: bool) -> None:
    """List serial ports with VID:PID and description, mark likely MicroPython/CircuitPython
    boards, and remember one so PORT may be left out.

    \b
    belay-gen select             list, then ask which one (in a terminal)
    belay-gen select 2           remember the second port listed
    belay-gen select /dev/ttyACM0   remember this port (virtual:DIR and ws:// work too)
    belay-gen select --forget    forget the remembered port

    Commands run without PORT use BELAY_GEN_PORT, then this choice, then the one board found.
    """
    from belay_gen.files import write_atomic

    path = stored_port_file()
    if forget:
        path.unlink(missing_ok=True)
        click.echo(f"forgot the remembered port ({path})")
        return
    ports = serial_ports()
    if choice is None:
        show(ports)
        if list_only or not ports:
            return
        if not sys.stdin.isatty():
            click.echo("remember one with: belay-gen select N (or select PORT)")
            return
        number = click.prompt("remember which port (number)", type=click.IntRange(1, len(ports)))
        choice = str(number)
    port = _chosen(choice, ports)
    write_atomic(path, (port + "\n").encode())
    click.echo(f"remembered {port} in {path}")
    if os.environ.get(PORT_ENV):
        click.echo(f"note: {PORT_ENV} is set and takes precedence over this choice", err=True)


def _chosen(choice: str, ports: list[SerialPort]) -> str:
    if choice.isdigit():
        number = int(choice)
        if not 1 <= number <= len(ports):
            raise click.BadParameter(
                f"there is no port {number}; `belay-gen select --list` numbers them"
                f" 1 to {len(ports)}"
                if ports
                else "no serial ports were found",
                param_hint="'[PORT|N]'",
            )
        return ports[number - 1].device
    if choice.startswith("virtual:"):  # remember only what a later command can open
        from belay_gen.runtime.transport.virtual import parse_virtual_port

        parse_virtual_port(choice)
    return check_port(choice)


def show(ports: list[SerialPort]) -> None:
    """One numbered line per port; ``*`` marks a likely board, ``>`` the remembered port."""
    if not ports:
        click.echo("no serial ports found (for the virtual board use the port virtual:)")
        return
    remembered = stored_port()
    width = max(len(port.device) for port in ports)
    for number, port in enumerate(ports, start=1):
        mark = ">" if port.device == remembered else " "
        board = f"  * {port.board}" if port.board else ""
        click.echo(
            f"{mark}{number:>2}  {port.device:<{width}}  {port.usb_id:<9}  {port.description}"
            f"{board}"
        )
    click.echo("* likely a MicroPython/CircuitPython board; > remembered")
