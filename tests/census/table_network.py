"""The census table, part three: serial ports over the network (``rfc2217://``,
``socket://``) and what ``belay-gen emulate`` is told to serve (``--listen``, ``--webrepl``,
``--slow-cpu``, ``--faults``, ``--stall``, ``BELAY_GEN_SANDBOX``).

Every ``emulate`` case here fails before the board serves (a case that served would run into
the census's deadline): the address, password and numbers are checked before the VM boots.
"""

from __future__ import annotations

from tests.census.cases import EMULATE, NETWORK, Case
from tests.census.hostile_tcp import free_port, listening, tcp_peer

_EXEC = ("exec", "--timeout", "3", "--no-startup")
_PASSWORD = "BELAY_GEN_WEBREPL_PASSWORD"


def network_cases() -> list[Case]:
    return [*_url_cases(), *_peer_cases(), *_emulate_cases()]


_URLS: list[tuple[str, str]] = [
    ("no port", "rfc2217://127.0.0.1"),
    ("port 0", "socket://127.0.0.1:0"),
    ("port 99999", "socket://127.0.0.1:99999"),
    ("port in letters", "rfc2217://127.0.0.1:abc"),
    ("negative port", "socket://127.0.0.1:-1"),
    ("no host", "rfc2217://:2217"),
    ("IPv6 unclosed", "socket://[::1"),
    ("IPv6 without brackets", "socket://::1:2217"),
    ("IPv6 nobody listening", "rfc2217://[::1]:1"),
    ("upper-case scheme", "RFC2217://127.0.0.1:1"),
    ("upper-case socket", "SOCKET://127.0.0.1:1"),
    ("space after scheme", "socket:// 127.0.0.1:1"),
    ("trailing space", "rfc2217://127.0.0.1:1 "),
    ("unknown option", "socket://127.0.0.1:1?timeout=3"),
    ("timeout nan", "rfc2217://127.0.0.1:1?timeout=nan"),
    ("timeout negative", "rfc2217://127.0.0.1:1?timeout=-1"),
    ("bad logging level", "rfc2217://127.0.0.1:1?logging=loud"),
    ("rfc2217 nobody listening", "rfc2217://127.0.0.1:1"),
    ("socket nobody listening", "socket://127.0.0.1:1"),
    ("unresolvable host", "socket://nonexistent.invalid:2217"),
]


def _url_cases() -> list[Case]:
    return [Case(NETWORK, f"exec {name}", (*_EXEC, url, "1")) for name, url in _URLS]


#: (peer, scheme, what a user should see)
_PEERS: list[tuple[str, str, str]] = [
    ("silent", "rfc2217", "error"),
    ("silent", "socket", "error"),
    ("close-at-once", "rfc2217", "error"),
    ("close-at-once", "socket", "error"),
    ("garbage", "rfc2217", "error"),
    ("garbage", "socket", "error"),
    ("iac-garbage", "rfc2217", "error"),
    ("iac-garbage", "socket", "error"),
    ("trickle", "rfc2217", "error"),
    ("trickle", "socket", "error"),
    ("busy", "rfc2217", "error"),
    ("busy", "socket", "error"),
    ("raw-board", "socket", "ok"),
    ("raw-board", "rfc2217", "error"),  # a raw bridge opened as RFC 2217
    ("rfc2217-board", "rfc2217", "ok"),
    ("rfc2217-board", "socket", "any"),  # Telnet bytes around the board's: may get through
]


def _peer_cases() -> list[Case]:
    cases = [
        Case(
            NETWORK,
            f"exec {scheme} {peer}",
            (*_EXEC, f"{scheme}://{{port}}", "1"),
            (tcp_peer(peer),),
            expect,
            slow=True,
        )
        for peer, scheme, expect in _PEERS
    ]
    cases.append(
        Case(
            NETWORK,
            "info socket garbage",
            ("info", "socket://{port}"),
            (tcp_peer("garbage"),),
            slow=True,
        )
    )
    return cases


def _emulate_cases() -> list[Case]:
    short, long_ = ((_PASSWORD, "abc"),), ((_PASSWORD, "x" * 10),)
    good = ((_PASSWORD, "census1"),)
    rows: list[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]] = [
        ("listen not an address", ("--listen", "nope"), ()),
        ("listen port 99999", ("--listen", "99999"), ()),
        ("listen IPv6 unclosed", ("--listen", "[::1"), ()),
        ("listen IPv6 without brackets", ("--listen", "::1:0"), ()),
        ("listen with a space", ("--listen", " 7000"), ()),
        ("listen unknown host", ("--listen", "nonexistent.invalid:0"), ()),
        ("listen address in use", ("--listen", "{taken}"), ()),
        ("listen not loopback (warning)", ("--listen", "192.0.2.1:0"), ()),
        ("listen and webrepl on one port", ("--listen", "{free}", "--webrepl", "{free}"), good),
        ("webrepl address in use", ("--webrepl", "{taken}"), good),
        ("webrepl no password no tty", ("--webrepl", "0"), ()),
        ("webrepl password too short", ("--webrepl", "0"), short),
        ("webrepl password too long", ("--webrepl", "0"), long_),
        ("webrepl empty password", ("--webrepl", "0"), ((_PASSWORD, ""),)),
        ("webrepl on CircuitPython", ("--profile", "circuitpython", "--webrepl", "0"), good),
        ("slow-cpu 0", ("--slow-cpu", "0"), ()),
        ("slow-cpu -1", ("--slow-cpu", "-1"), ()),
        ("slow-cpu nan", ("--slow-cpu", "nan"), ()),
        ("slow-cpu inf", ("--slow-cpu", "inf"), ()),
        ("slow-cpu letters", ("--slow-cpu", "fast"), ()),
        ("faults unknown kind", ("--faults", "corrupt,meteor", "--faults-every", "1"), ()),
        ("faults no kind", ("--faults", ",,", "--faults-every", "1"), ()),
        ("faults unknown kind alone", ("--faults", "slo"), ()),
        ("stall -1", ("--stall", "-1", "--faults-every", "1"), ()),
        ("stall 0", ("--stall", "0", "--faults-every", "1"), ()),
        ("stall nan", ("--stall", "nan", "--faults-every", "1"), ()),
        ("faults-every inf", ("--faults-every", "inf"), ()),
        ("faults-every nan", ("--faults-every", "nan"), ()),
    ]
    cases = [
        Case(EMULATE, name, ("emulate", *args), (listening(), free_port()), env=env)
        for name, args, env in rows
    ]
    # The sandbox is checked as the VM starts (board: it goes the virtual board's way).
    for name, value in (("nope", "nope"), ("upper-case", "BWRAP")):
        cases.append(
            Case(
                EMULATE,
                f"BELAY_GEN_SANDBOX={name}",
                ("emulate", "--listen", "0"),
                board=True,
                env=(("BELAY_GEN_SANDBOX", value),),
            )
        )
    return cases
