"""The census table, part two: what answers from elsewhere (HTTP servers, package
manifests, WebSocket peers, boards on a pty, the virtual board and its sandbox)."""

from __future__ import annotations

from tests.census.cases import BOARD, HTTP, MANIFEST, VIRTUAL, WS, Case
from tests.census.steps import (
    GOOD_PYPROJECT,
    Step,
    depends,
    fake_board,
    fifo,
    pyproject,
    symlink,
    write,
    ws_peer,
)

#: Where sync waits out its listing's own limit on a board that stops mid-answer (not fixed by
#: the census: the listing may legitimately be silent while it hashes a large file).


def remote_cases() -> list[Case]:
    return [
        *_http_cases(),
        *_manifest_cases(),
        *_ws_cases(),
        *_board_cases(),
        *_virtual_cases(),
        *_sandbox_cases(),
    ]


_HTTP_ROUTES: list[tuple[str, str]] = [
    ("ok.py", "ok"),
    ("relative.py", "ok"),
    ("empty.py", "any"),
    ("404.py", "error"),
    ("500.py", "error"),
    ("trickle.py", "error"),
    ("stall.py", "error"),
    ("noanswer.py", "error"),
    ("loop", "error"),
    ("cross.py", "error"),
    ("tofile.py", "error"),
    ("toftp.py", "error"),
    ("nolocation.py", "error"),
    ("huge.py", "error"),
    ("hugelength.py", "error"),
    ("gzip.py", "error"),
    ("html.py", "error"),
    ("binary.py", "any"),
    ("latin1.py", "any"),
    ("reset.py", "error"),
    ("nothttp.py", "error"),
    ("badlength.py", "any"),
    ("badchunks.py", "error"),
    ("hugeheader.py", "error"),
    ("manyheaders.py", "error"),
    ("weirdstatus.py", "any"),
    ("shortbody.py", "error"),
    ("headerstrickle.py", "error"),
]


def _http_cases() -> list[Case]:
    cases = [
        Case(HTTP, f"update {route}", ("update",), (depends("{http}/" + route),), expect)
        for route, expect in _HTTP_ROUTES
    ]
    for route, expect in (r for r in _HTTP_ROUTES if r[0] in ("404.py", "loop", "cross.py")):
        cases.append(
            Case(
                HTTP,
                f"add {route}",
                ("add", "x", "{http}/" + route),
                (pyproject(GOOD_PYPROJECT),),
                expect,
            )
        )
    cases.append(Case(HTTP, "closed port", ("update",), (depends("http://127.0.0.1:1/x.py"),)))
    cases.append(
        Case(HTTP, "unresolvable host", ("update",), (depends("http://nonexistent.invalid/x.py"),))
    )
    return cases


def _manifest_cases() -> list[Case]:
    from tests.census.hostile import PACKAGE_JSONS

    names = [*PACKAGE_JSONS, "deep", "hugejson", "notjson", "binaryjson", "missingrepo"]
    cases = [
        Case(
            MANIFEST,
            f"github {name}",
            ("update",),
            (depends(f"github:org/{name}"),),
            "ok"
            if name in ("good", "version_number", "empty")
            else "any"
            if name in ("dest_dir", "deps_cycle", "crosshost")
            else "error",
        )
        for name in names
    ]
    for name in ("idxbad", "idxnotjson", "idxhash", "idxwrong", "idxmissing"):
        cases.append(Case(MANIFEST, f"index {name}", ("update",), (depends("*", name),)))
    return cases


def _ws_cases() -> list[Case]:
    from tests.census.hostile_peers import WS_PEERS

    env = (("BELAY_GEN_PASSWORD", "census-pw"),)
    cases = [
        Case(WS, f"exec {name}", ("exec", "{port}", "1"), (ws_peer(name),), env=env)
        for name in WS_PEERS
    ]
    cases.append(Case(WS, "info huge-frame", ("info", "{port}"), (ws_peer("huge-frame"),), env=env))
    cases.append(Case(WS, "sync garbage", ("sync", "{port}", "."), (ws_peer("garbage"),), env=env))
    return cases


def _board_cases() -> list[Case]:
    from tests.census.hostile_peers import BOARDS

    fine = {
        "paste-window-0": "any",
        "paste-garbage": "any",
        "escape-sequences": "any",
        "not-literal": "any",
        "empty-answers": "any",
        "soft-reboots": "any",
        "raises": "raised",
        "huge-traceback": "any",
        "nul-bytes": "any",
    }
    cases = [
        Case(
            BOARD,
            f"exec {name}",
            ("exec", "--timeout", "3", "--no-startup", "{port}", "1"),
            (fake_board(name),),
            fine.get(name, "error"),
        )
        for name in BOARDS
    ]
    extra = [
        ("info", "garbage"),
        ("info", "random-answers"),
        ("info", "not-literal"),
        ("info", "half-frame"),
        ("sync", "random-answers"),
        ("sync", "empty-answers"),
        ("sync", "output-flood"),
        ("sync", "huge-traceback"),
        ("sync", "soft-reboots"),
        ("sync", "paste-window-0"),
        ("sync", "half-frame"),
        ("sync", "trickle"),
        ("info", "output-flood"),
        ("info", "soft-reboots"),
        ("run", "hang-up-midway"),
        ("latency", "random-answers"),
        ("terminal", "garbage"),
        ("install", "empty-answers"),
    ]
    for command, name in extra:
        args: tuple[str, ...] = (command, "{port}")
        steps: tuple[Step, ...] = (fake_board(name),)
        if command == "sync":
            args = (command, "{port}", "src")
            steps = (*steps, write("src/a.py", "A = 1\n"))
        elif command == "run":
            args = (command, "{port}", "a.py")
            steps = (*steps, write("a.py", "print(1)\n"))
        elif command == "latency":
            args = (command, "-n", "3", "{port}")
        elif command == "install":
            steps = (*steps, pyproject(GOOD_PYPROJECT), write("app/__init__.py", "X = 1\n"))
        expect = "any" if command == "terminal" else "error"
        cases.append(Case(BOARD, f"{command} {name}", args, steps, expect))
    for name in ("half-frame", "trickle"):  # the same boards, with the user's deadline
        args = ("sync", "--timeout", "2", "{port}", "src")
        steps = (fake_board(name), write("src/a.py", "A = 1\n"))
        cases.append(Case(BOARD, f"sync --timeout 2 {name}", args, steps, "error"))
    return cases


def _virtual_cases() -> list[Case]:
    return [
        Case(VIRTUAL, "code raises", ("exec", "virtual:", "1/0"), (), "raised", board=True),
        Case(
            VIRTUAL,
            "prints control sequences",
            ("exec", "virtual:", "print('\\x1b]52;c;eA==\\x07ok')"),
            (),
            "ok",
            board=True,
        ),
        Case(
            VIRTUAL,
            "folder is a file",
            ("exec", "virtual:{project}/f", "1"),
            (write("f", "x"),),
            "error",
            board=True,
        ),
        Case(
            VIRTUAL,
            "sync a FIFO",
            ("sync", "virtual:", "src"),
            (write("src/a.py", "A = 1\n"), fifo("src/p.py")),
            "any",
            board=True,
        ),
        Case(
            VIRTUAL,
            "board folder has a symlink out",
            ("exec", "virtual:{project}/fs", "open('/out/hostname').read()"),
            (symlink("fs/out", "/etc"),),
            "error",
            board=True,
        ),
    ]


def _sandbox_cases() -> list[Case]:
    # The VM never starts: the sandbox is checked first (board: it goes the virtual: way).
    return [
        Case(
            VIRTUAL,
            "unknown sandbox",
            ("exec", "virtual:", "1"),
            (),
            "error",
            board=True,
            env=(("BELAY_GEN_SANDBOX", "docker"),),
        ),
        Case(
            VIRTUAL,
            "sandbox missing from PATH",
            ("exec", "virtual:", "1"),
            (),
            "error",
            board=True,
            env=(("BELAY_GEN_SANDBOX", "bwrap"), ("PATH", "/nonexistent")),
        ),
    ]
