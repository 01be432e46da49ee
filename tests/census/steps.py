"""The steps that prepare a census case's folder (files, links, FIFOs, sockets) and start
its peers (a fake board, a WebSocket peer): each is a function of the case's context."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.census.runner import Context

Step = Callable[["Context"], None]

GOOD_PYPROJECT = '[project]\nname = "app"\n\n[tool.belay]\nname = "app"\n'


def write(relative: str, content: str | bytes) -> Step:
    def step(ctx: Context) -> None:
        path = ctx.project / relative.format(**ctx.values)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content.format(**ctx.values) if "{http}" in content else content)

    return step


def pyproject(text: str) -> Step:
    return write("pyproject.toml", text)


def depends(uri: str, name: str = "dep") -> Step:
    return pyproject(f'[tool.belay]\nname = "app"\n[tool.belay.dependencies]\n{name} = "{uri}"\n')


def symlink(relative: str, target: str) -> Step:
    def step(ctx: Context) -> None:
        path = ctx.project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target.format(**ctx.values), path)

    return step


def fifo(relative: str) -> Step:
    def step(ctx: Context) -> None:
        path = ctx.project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)

    return step


def unix_socket(relative: str) -> Step:
    def step(ctx: Context) -> None:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(ctx.project / relative))
        ctx.closers.append(sock.close)

    return step


def folder(relative: str) -> Step:
    def step(ctx: Context) -> None:
        (ctx.project / relative).mkdir(parents=True, exist_ok=True)

    return step


def fake_board(behaviour: str) -> Step:
    def step(ctx: Context) -> None:
        from tests.census.hostile_peers import BOARDS, FakeBoard

        board = FakeBoard(BOARDS[behaviour])
        ctx.closers.append(board.close)
        ctx.values["port"] = board.path

    return step


def ws_peer(behaviour: str) -> Step:
    def step(ctx: Context) -> None:
        from tests.census.hostile_peers import WS_PEERS
        from tests.support.webrepl_server import ScriptedPeer

        peer = ScriptedPeer(WS_PEERS[behaviour])
        ctx.closers.append(peer.close)
        ctx.values["port"] = peer.url

    return step


def lock(document: object) -> Step:
    text = document if isinstance(document, (str, bytes)) else json.dumps(document)
    return write("belay.lock", text)


def _locked(url: str, sha: str = "0" * 64, dest: str = "dep/__init__.py") -> dict[str, object]:
    return {
        "version": 1,
        "dependencies": {
            "dep": {
                "group": "main",
                "sources": [{"uri": "{http}/ok.py".replace("{http}", "URL")}],
                "files": {dest: {"url": url, "sha256": sha}},
            }
        },
    }


def locked(url: str = "{http}/ok.py", **kwargs: str) -> Step:
    def step(ctx: Context) -> None:
        document = _locked(url.format(**ctx.values), **kwargs)
        text = json.dumps(document).replace("URL", ctx.values["http"])
        (ctx.project / "belay.lock").write_text(text)

    return step


DEEP_TOML = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"
DEEP_INLINE = "x = " + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n"
BINARY = bytes(range(256)) * 64


def chmod(relative: str, mode: int) -> Step:
    def step(ctx: Context) -> None:
        os.chmod(ctx.project / relative, mode)

    return step
