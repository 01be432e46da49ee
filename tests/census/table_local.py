"""The census table, part one: what a user types and the files on their machine (arguments,
pyproject.toml, belay.lock and .belay-lib, host files)."""

from __future__ import annotations

from tests.census.cases import _NO_PORT, ARGS, CONFIG, FILES, LOCK, Case
from tests.census.steps import (
    BINARY,
    DEEP_INLINE,
    DEEP_TOML,
    GOOD_PYPROJECT,
    Step,
    chmod,
    depends,
    fifo,
    folder,
    lock,
    locked,
    pyproject,
    symlink,
    unix_socket,
    write,
)


def local_cases() -> list[Case]:
    return [*_argument_cases(), *_config_cases(), *_lock_cases(), *_file_cases()]


def _argument_cases() -> list[Case]:
    rows: list[tuple[str, tuple[str, ...], str]] = [
        ("unknown option", ("--bogus",), "error"),
        ("unknown command", ("frobnicate",), "error"),
        ("exec without code", ("exec",), "error"),
        ("exec missing port", ("exec", _NO_PORT, "1"), "error"),
        ("exec regular file as port", ("exec", "/etc/hostname", "1"), "error"),
        ("exec /dev/null as port", ("exec", "/dev/null", "1"), "error"),
        ("exec unknown profile", ("exec", "virtual:?profile=nope", "1"), "error"),
        ("exec bad heap", ("exec", "virtual:?heap=lots", "1"), "error"),
        ("exec tiny heap", ("exec", "virtual:?heap=1K", "1"), "error"),
        ("exec unknown virtual option", ("exec", "virtual:?colour=red", "1"), "error"),
        ("exec refused ws port", ("exec", "ws://127.0.0.1:1", "1"), "error"),
        ("exec bad ws url", ("exec", "ws://[::1", "1"), "error"),
        ("exec ws port not a number", ("exec", "ws://127.0.0.1:http", "1"), "error"),
        ("exec http scheme", ("exec", "http://127.0.0.1:1/", "1"), "error"),
        ("exec negative timeout", ("exec", "--timeout", "-1", _NO_PORT, "1"), "error"),
        ("exec timeout not a number", ("exec", "--timeout", "soon", _NO_PORT, "1"), "error"),
        ("exec timeout nan", ("exec", "--timeout", "nan", _NO_PORT, "1"), "error"),
        ("sync timeout nan", ("sync", "--timeout", "nan", _NO_PORT, "."), "error"),
        ("sync timeout zero", ("sync", "--timeout", "0", _NO_PORT, "."), "error"),
        (
            "exec missing password file",
            ("exec", "--password-file", "/nonexistent", "ws://127.0.0.1:1", "1"),
            "error",
        ),
        (
            "exec password file /dev/zero",
            ("exec", "--password-file", "/dev/zero", "ws://127.0.0.1:1", "1"),
            "error",
        ),
        (
            "exec password on command line",
            ("exec", "--password", "pw", "ws://127.0.0.1:1", "1"),
            "error",
        ),
        ("exec ws without password or tty", ("exec", "ws://127.0.0.1:1", "1"), "error"),
        ("run missing file", ("run", _NO_PORT, "/nonexistent.py"), "error"),
        ("run folder as file", ("run", _NO_PORT, "/tmp"), "error"),
        ("info missing port", ("info", _NO_PORT), "error"),
        ("info no port anywhere", ("info",), "error"),
        ("latency count 0", ("latency", "-n", "0", _NO_PORT), "error"),
        ("latency count huge", ("latency", "-n", "99999999999999", _NO_PORT), "error"),
        ("sync missing folder", ("sync", _NO_PORT, "/nonexistent-folder"), "error"),
        ("sync bad ignore pattern", ("sync", "--ignore", "[", _NO_PORT, "."), "error"),
        ("sync keep-all and keep-none", ("sync", "--keep-all", "--keep-none", _NO_PORT), "error"),
        ("sync dst outside", ("sync", "--dst", "../..", _NO_PORT, "."), "error"),
        (
            "sync missing mpy-cross",
            ("sync", "--mpy-cross-binary", "/nonexistent", _NO_PORT),
            "error",
        ),
        ("install missing main", ("install", "--main", "/nonexistent.py", _NO_PORT), "error"),
        ("install unknown group", ("install", "--with", "nogroup", _NO_PORT), "error"),
        (
            "install mpy-cross not a program",
            ("install", "--mpy-cross-binary", "/etc/hostname", _NO_PORT),
            "error",
        ),
        ("terminal missing port", ("terminal", _NO_PORT), "error"),
        ("select index out of range", ("select", "99"), "error"),
        ("select bad virtual port", ("select", "virtual:?profile=nope"), "error"),
        ("select forget with nothing saved", ("select", "--forget"), "ok"),
        ("emulate unknown profile", ("emulate", "--profile", "nope"), "error"),
        ("emulate bad heap", ("emulate", "--heap", "banana"), "error"),
        ("emulate tiny heap", ("emulate", "--heap", "1K"), "error"),
        (
            "emulate unknown fault",
            ("emulate", "--faults", "meteor", "--faults-every", "1"),
            "error",
        ),
        ("emulate file as folder", ("emulate", "/etc/hostname"), "error"),
        ("new empty name", ("new", ""), "error"),
        ("new in a non-empty folder", ("new", "/etc"), "error"),
        ("new over a file", ("new", "/etc/hostname"), "error"),
        ("new under /proc", ("new", "/proc/belay-gen-census"), "error"),
        ("init in a non-empty folder", ("init", "/etc"), "error"),
        ("add empty uri", ("add", "x", ""), "error"),
        ("add bad name", ("add", "bad name!", "{http}/ok.py"), "error"),
        ("add dotdot name", ("add", "..", "{http}/ok.py"), "error"),
        ("add ftp uri", ("add", "x", "ftp://127.0.0.1/x.py"), "error"),
        ("add bare http", ("add", "x", "http://"), "error"),
        ("add github without repo", ("add", "x", "github:org"), "error"),
        ("add develop url", ("add", "--develop", "x", "{http}/ok.py"), "error"),
        ("add missing local path", ("add", "x", "/nonexistent/x.py"), "error"),
        ("add bad version", ("add", "x", "1.2.x"), "error"),
        ("remove unknown", ("remove", "nothere"), "error"),
        ("update unknown name", ("update", "nothere"), "error"),
        ("update frozen without lock", ("update", "--frozen"), "any"),
        ("build missing source", ("build", "nonexistent.py"), "error"),
        ("build empty out", ("build", "--out", ""), "any"),
        ("build out under /proc", ("build", "--out", "/proc/belay-gen-census"), "error"),
        ("build missing project", ("build", "--project", "/nonexistent"), "error"),
        ("build project is a file", ("build", "--project", "/etc/hostname"), "error"),
        ("cache unknown subcommand", ("cache", "explode"), "error"),
    ]
    cases = [
        Case(ARGS, name, args, (pyproject(GOOD_PYPROJECT),), expect) for name, args, expect in rows
    ]
    env_rows: list[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]] = [
        ("timeout setting not a number", ("update",), (("BELAY_GEN_DOWNLOAD_TIMEOUT", "x"),)),
        ("timeout setting nan", ("update",), (("BELAY_GEN_DOWNLOAD_TIMEOUT", "nan"),)),
        ("timeout setting negative", ("update",), (("BELAY_GEN_DOWNLOAD_TIMEOUT", "-1"),)),
        ("max bytes negative", ("update",), (("BELAY_GEN_DOWNLOAD_MAX_BYTES", "-5"),)),
        ("github base not a url", ("update",), (("BELAY_GEN_GITHUB_RAW_BASE", "not a url"),)),
        ("allowed hosts only commas", ("update",), (("BELAY_GEN_ALLOWED_HOSTS", ",,,"),)),
        ("port variable garbage", ("info",), (("BELAY_GEN_PORT", "\x1b]0;x\x07"),)),
        ("cache under /proc", ("cache", "info"), (("BELAY_GEN_CACHE", "/proc/belay-gen"),)),
        ("cache is a file", ("cache", "clean"), (("BELAY_GEN_CACHE", "/etc/hostname"),)),
    ]
    dep = depends("github:org/good")
    for name, args, env in env_rows:
        expect = "any" if name.startswith("cache") or "commas" in name else "error"
        cases.append(Case(ARGS, name, args, (dep,), expect, env=env))
    return cases


def _config_cases() -> list[Case]:
    texts: list[tuple[str, str | bytes, str]] = [
        ("not TOML", "[tool.belay\nname = 'x'\n", "update"),
        ("not UTF-8", b"[tool.belay]\nname = '\xff\xfe'\n", "build"),
        ("NUL bytes", b"[tool.belay]\nname = 'a\0b'\n", "clean"),
        ("deeply nested arrays", DEEP_TOML, "install"),
        ("deeply nested inline tables", DEEP_INLINE, "add"),
        ("5 MB of comments", "#" + "x" * (5 << 20) + "\n", "remove"),
        ("duplicate key", "[tool.belay]\nname = 'a'\nname = 'b'\n", "update"),
        ("tool.belay not a table", "tool = {belay = 3}\n", "build"),
        ("name a number", "[tool.belay]\nname = 3\n", "clean"),
        ("name escapes", "[tool.belay]\nname = '../../etc'\n", "install"),
        ("name a date", "[tool.belay]\nname = 1979-05-27\n", "add"),
        ("ignore a string", "[tool.belay]\nname = 'app'\nignore = '*.md'\n", "install"),
        ("unknown key", "[tool.belay]\nnmae = 'app'\n", "update"),
        ("dependencies a list", "[tool.belay]\ndependencies = []\n", "update"),
        ("dependency a number", "[tool.belay.dependencies]\nx = 3\n", "clean"),
        ("dependency uri a number", "[tool.belay.dependencies]\nx = {uri = 3}\n", "install"),
        (
            "dependency unknown key",
            "[tool.belay.dependencies]\nx = {uri = 'a.py', colour = 1}\n",
            "add",
        ),
        (
            "dependency develop a string",
            "[tool.belay.dependencies]\nx = {uri = 'a', develop = 'y'}\n",
            "remove",
        ),
        (
            "dependency name escapes",
            "[tool.belay.dependencies]\n'../evil' = '{http}/ok.py'\n",
            "update",
        ),
        (
            "dependency name with a terminal title sequence",
            "[tool.belay.dependencies]\n\"a\\u001b]0;owned\\u0007\" = 'x.py'\n",
            "update",
        ),
        ("dependency name empty", "[tool.belay.dependencies]\n'' = '{http}/ok.py'\n", "update"),
        ("dependency uri empty", "[tool.belay.dependencies]\nx = ''\n", "clean"),
        ("dependency list of numbers", "[tool.belay.dependencies]\nx = [1, 2]\n", "install"),
        ("dependency empty list", "[tool.belay.dependencies]\nx = []\n", "add"),
        ("group not a table", "[tool.belay]\ngroup = {dev = 3}\n", "remove"),
        ("group optional a string", "[tool.belay.group.dev]\noptional = 'no'\n", "update"),
        ("group dependencies a string", "[tool.belay.group.dev]\ndependencies = 'x'\n", "update"),
        ("build sources a string", "[tool.belay.build]\nsources = 'src'\n", "build"),
        ("build out a number", "[tool.belay.build]\nout = 5\n", "build"),
        ("build mpy_cross a number", "[tool.belay.build]\nmpy_cross = 3\n", "build"),
        ("build unknown key", "[tool.belay.build]\ncolour = 'red'\n", "build"),
        ("build source outside", "[tool.belay.build]\nsources = ['../../nonexistent']\n", "build"),
        (
            "50 dependencies",
            "[tool.belay.dependencies]\n"
            + "".join(f"d{i} = '{{http}}/404.py'\n" for i in range(50)),
            "update",
        ),
    ]
    cases = []
    for name, text, command in texts:
        args = {
            "install": ("install", _NO_PORT),
            "add": ("add", "y", "{http}/ok.py"),
            "remove": ("remove", "x"),
        }.get(command, (command,))
        cases.append(Case(CONFIG, f"{name} ({command})", args, (pyproject_any(text),)))
    # The same few files against every command that reads pyproject.toml.
    for command in ("build", "clean", "update"):
        args = {
            "install": ("install", _NO_PORT),
            "add": ("add", "y", "{http}/ok.py"),
            "remove": ("remove", "x"),
        }.get(command, (command,))
        cases.append(Case(CONFIG, f"deep nesting ({command}, 2)", args, (pyproject(DEEP_TOML),)))
    return cases


def pyproject_any(text: str | bytes) -> Step:
    return write("pyproject.toml", text)


def _lock_cases() -> list[Case]:
    dep = depends("{http}/ok.py")
    rows: list[tuple[str, tuple[Step, ...], tuple[str, ...], str]] = [
        ("lock not JSON", (lock("{nope"),), ("update", "--frozen"), "error"),
        (
            "lock truncated",
            (lock('{"version": 1, "dependencies": {"dep": {"gro'),),
            ("install", _NO_PORT),
            "error",
        ),
        ("lock binary", (lock(BINARY),), ("clean",), "error"),
        ("lock deeply nested", (lock("[" * 100_000 + "]" * 100_000),), ("update",), "error"),
        ("lock 20 MB", (lock(b" " * (20 << 20)),), ("update", "--frozen"), "error"),
        ("lock wrong version", (lock({"version": 99, "dependencies": {}}),), ("clean",), "error"),
        (
            "lock dependencies a list",
            (lock({"version": 1, "dependencies": []}),),
            ("clean",),
            "error",
        ),
        (
            "lock files a string",
            (
                lock(
                    {
                        "version": 1,
                        "dependencies": {"dep": {"group": "main", "sources": [], "files": "x"}},
                    }
                ),
            ),
            ("update", "--frozen"),
            "error",
        ),
        ("lock path escapes", (locked(dest="../../escape.py"),), ("clean",), "error"),
        ("lock absolute path", (locked(dest="/etc/passwd"),), ("update", "--frozen"), "error"),
        (
            "lock url not in config",
            (locked(url="{http}/binary.py"),),
            ("update", "--frozen"),
            "error",
        ),
        ("lock hash changed", (locked(),), ("update", "--frozen"), "error"),
        (
            "lock url is file://",
            (locked(url="file:///etc/passwd"),),
            ("update", "--frozen"),
            "error",
        ),
        ("lock url is /dev/zero", (locked(url="/dev/zero"),), ("update", "--frozen"), "error"),
        ("lock is a folder", (folder("belay.lock"),), ("update",), "error"),
        ("lock is a FIFO", (fifo("belay.lock"),), ("clean",), "error"),
        (
            "lock links to /dev/zero",
            (symlink("belay.lock", "/dev/zero"),),
            ("update", "--frozen"),
            "error",
        ),
        ("lock dangling link", (symlink("belay.lock", "/nonexistent"),), ("clean",), "any"),
        (".belay-lib links to the project", (symlink(".belay-lib", "."),), ("update",), "error"),
        (".belay-lib links outside", (symlink(".belay-lib", "/tmp"),), ("clean",), "error"),
        (".belay-lib is a file", (write(".belay-lib", "x"),), ("update",), "error"),
        (".belay-lib/dep links outside", (symlink(".belay-lib/dep", "/etc"),), ("update",), "any"),
        (
            ".belay-lib file links to /etc/passwd",
            (symlink(".belay-lib/dep/__init__.py", "/etc/passwd"),),
            ("install", _NO_PORT),
            "error",
        ),
        (
            "build output links outside",
            (symlink("build/belay", "/tmp"), write("app/x.py", "X = 1\n")),
            ("build",),
            "error",
        ),
        (
            "manifest names a file outside",
            (
                write("build/belay/app/manifest.json", '{"files": ["../../../pyproject.toml"]}'),
                write("app/x.py", "X = 1\n"),
            ),
            ("build",),
            "any",
        ),
        (
            "manifest binary",
            (write("build/belay/app/manifest.json", BINARY), write("app/x.py", "X = 1\n")),
            ("build",),
            "any",
        ),
    ]
    return [Case(LOCK, name, args, (dep, *steps), expect) for name, steps, args, expect in rows]


def _file_cases() -> list[Case]:
    rows: list[tuple[str, tuple[Step, ...], tuple[str, ...], str]] = [
        ("pyproject is a folder", (folder("pyproject.toml"),), ("build",), "any"),
        ("pyproject is a FIFO", (fifo("pyproject.toml"),), ("update",), "any"),
        (
            "pyproject links to /dev/zero",
            (symlink("pyproject.toml", "/dev/zero"),),
            ("clean",),
            "any",
        ),
        (
            "pyproject dangling link",
            (symlink("pyproject.toml", "/nonexistent"),),
            ("build",),
            "any",
        ),
        (
            "pyproject mode 000",
            (pyproject(GOOD_PYPROJECT), chmod("pyproject.toml", 0)),
            ("update",),
            "any",
        ),
        (
            "symlinked project root (update)",
            (pyproject(GOOD_PYPROJECT), symlink("../link", "{project}")),
            ("update", "--project", "{tmp}/link"),
            "ok",
        ),
        (
            "symlinked project root (build)",
            (pyproject(GOOD_PYPROJECT), symlink("../link", "{project}")),
            ("build", "--project", "{tmp}/link"),
            "ok",
        ),
        (
            "symlinked project root (clean)",
            (pyproject(GOOD_PYPROJECT), symlink("../link", "{project}")),
            ("clean", "--project", "{tmp}/link"),
            "ok",
        ),
        ("local dependency FIFO", (fifo("pipe.py"), depends("pipe.py")), ("update",), "error"),
        ("local dependency /dev/zero", (depends("/dev/zero"),), ("update",), "error"),
        (
            "local dependency /proc/self/environ",
            (depends("/proc/self/environ"),),
            ("update",),
            "error",
        ),
        (
            "local dependency socket",
            (unix_socket("sock.py"), depends("sock.py")),
            ("update",),
            "error",
        ),
        (
            "local dependency symlink loop",
            (symlink("loop/a", "b"), symlink("loop/b", "a"), depends("loop")),
            ("update",),
            "any",
        ),
        (
            "local dependency folder with FIFO",
            (fifo("shared/p.py"), write("shared/a.py", "A = 1\n"), depends("shared")),
            ("update",),
            "any",
        ),
        (
            "local dependency links to /etc",
            (symlink("etc", "/etc"), depends("etc/hostname")),
            ("update",),
            "any",
        ),
        (
            "add FIFO",
            (pyproject(GOOD_PYPROJECT), fifo("pipe.py")),
            ("add", "x", "pipe.py"),
            "error",
        ),
        (
            "add /proc/self/environ",
            (pyproject(GOOD_PYPROJECT),),
            ("add", "x", "/proc/self/environ"),
            "error",
        ),
        (
            "build source FIFO",
            (pyproject(GOOD_PYPROJECT), fifo("src/p.py")),
            ("build", "src"),
            "any",
        ),
        (
            "build source /dev/zero link",
            (pyproject(GOOD_PYPROJECT), symlink("src/z.py", "/dev/zero")),
            ("build", "src"),
            "any",
        ),
        (
            "build source binary",
            (pyproject(GOOD_PYPROJECT), write("src/b.py", BINARY)),
            ("build", "src"),
            "any",
        ),
        (
            "build source syntax error",
            (pyproject(GOOD_PYPROJECT), write("src/s.py", "def (:\n")),
            ("build", "src"),
            "any",
        ),
        (
            "build source deeply nested",
            (pyproject(GOOD_PYPROJECT), write("src/d.py", "x = " + "(" * 5000 + ")" * 5000 + "\n")),
            ("build", "src"),
            "any",
        ),
        (
            "build source symlink loop",
            (pyproject(GOOD_PYPROJECT), symlink("src/loop", "."), write("src/a.py", "A = 1\n")),
            ("build", "src"),
            "any",
        ),
        ("run FIFO", (fifo("p.py"),), ("run", _NO_PORT, "p.py"), "error"),
        ("run /dev/zero", (), ("run", _NO_PORT, "/dev/zero"), "error"),
        ("exec code from /dev/zero", (), ("exec", _NO_PORT, "-"), "error"),
        (
            "install main FIFO",
            (pyproject(GOOD_PYPROJECT), fifo("main.py")),
            ("install", "--main", "main.py", _NO_PORT),
            "error",
        ),
        (
            "password file FIFO",
            (fifo("pw"),),
            ("exec", "--password-file", "pw", "ws://127.0.0.1:1", "1"),
            "error",
        ),
        (
            "saved port file binary",
            (write("home/.config/belay-gen/port", BINARY),),
            ("info",),
            "error",
        ),
    ]
    cases = []
    for name, steps, args, expect in rows:
        stdin = "/dev/zero" if name == "exec code from /dev/zero" else None
        cases.append(Case(FILES, name, args, steps, expect, stdin=stdin))
    return cases
