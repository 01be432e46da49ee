"""compile_function: the dynamic ``@device.task`` path through the same scan and minify."""

from __future__ import annotations

import textwrap

import pytest

from belay_gen.compiler import CompiledFunction, compile_function
from belay_gen.errors import CompileError, SpecialFunctionNameError


def compiled(source: str, first_line: int = 10, **kw: object) -> CompiledFunction:
    return compile_function(textwrap.dedent(source), filename="app.py", first_line=first_line, **kw)  # type: ignore[arg-type]


class _Pin:
    OUT = 1

    def __init__(self, *args: object) -> None:
        pass

    def value(self, state: object) -> None:
        pass


def raising_line(code: str, call: str) -> int:
    """The line (of ``code``) where ``call`` raises, run on CPython."""
    namespace: dict[str, object] = {"Pin": _Pin}
    exec(compile(code, "board", "exec"), namespace)
    try:
        exec(call, namespace)
    except ZeroDivisionError as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        assert tb is not None
        return tb.tb_lineno
    raise AssertionError("did not raise")


def test_task_drops_host_decorators_and_keeps_host_lines() -> None:
    result = compiled(
        '''\
        @device.task
        def set_led(state):
            """Docstring."""
            Pin(25, Pin.OUT).value(state)  # comment
            return 1 / 0
        ''',
        first_line=40,
    )
    assert result.name == "set_led"
    assert result.kind == "task"
    assert result.parameter_names == ("state",)
    assert (
        result.device_code
        == "\ndef set_led(state):\n\n Pin(25,Pin.OUT).value(state)\n return 1/0\n"
    )
    assert result.line_offset == 39
    assert raising_line(result.device_code, "set_led(1)") + result.line_offset == 44
    assert result.free_names == ("Pin",)
    assert result.docstring == "Docstring."


def test_decorator_forms_all_compile() -> None:
    stacked = compiled(
        """\
        @dev1.task
        @dev2.task(minify=False)
        def f(a, /, b=1, *args, c, **kw):
            return a  # kept
        """
    )
    assert stacked.device_code.split("\n")[2:4] == [
        "def f(a,    b=1, *args, c, **kw):",
        "    return a  # kept",
    ]
    assert [p.kind for p in stacked.parameters] == [
        "positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword",
    ]  # fmt: skip
    method = compiled("@Device.task\ndef read(pin: int = 0) -> int:\n    return pin\n")
    assert method.kind == "task"
    assert compiled("@device.task()\ndef g():\n    yield 1\n").kind == "generator"
    assert compiled("@device.thread\ndef t():\n    pass\n").kind == "thread"
    assert compiled("@device.teardown\ndef bye():\n    pass\n").kind == "teardown"


def test_minify_argument_overrides_the_decorator() -> None:
    source = "@device.task\ndef f():\n    return 1  # one\n"
    assert compiled(source, minify=False).device_code == "\ndef f():\n    return 1  # one\n"
    assert compiled(source).device_code == "\ndef f():\n return 1\n"


def test_kind_hint_decides_and_covers_an_undecorated_function() -> None:
    assert compiled("def f():\n    pass\n", kind_hint="thread").kind == "thread"
    with pytest.raises(CompileError, match="no task/thread decorator"):
        compiled("def f():\n    pass\n")
    with pytest.raises(ValueError, match="kind_hint"):
        compiled("@d.task\ndef f():\n    pass\n", kind_hint="job")


def test_setup_binds_globals_and_offers_its_body() -> None:
    result = compiled(
        """\
        @device.setup
        def configure(speed=3):
            limit = speed * 2
        """
    )
    assert result.device_code == (
        "def configure(speed=3):\n global limit;globals().update(speed=speed)\n limit=speed*2\n"
    )
    namespace: dict[str, object] = {}
    exec(result.device_code + "configure(4)\n", namespace)
    assert (namespace["limit"], namespace["speed"]) == (8, 4)
    assert result.body_code == "\n\nlimit=speed*2\n"


def test_one_line_setup_keeps_its_line() -> None:
    result = compiled("@device.setup\ndef go(): x = 1; y = 2\n")
    assert result.device_code == "def go():\n global x,y;x=1;y=2\n"


def test_reserved_names_and_board_limits_are_errors() -> None:
    with pytest.raises(SpecialFunctionNameError, match=r"app.py:11:5: '__init__' is reserved"):
        compiled("@device.task\ndef __init__():\n    pass\n")
    with pytest.raises(SpecialFunctionNameError, match="'_belay_x' is reserved"):
        compiled("@device.task\ndef _belay_x():\n    pass\n")
    with pytest.raises(CompileError, match=r"app.py:11:1: f\(\) is async"):
        compiled("@device.task\nasync def f():\n    pass\n")
    with pytest.raises(CompileError, match=r"app.py:12:7: the default of 'a' is not a literal"):
        compiled("@device.task\ndef f(\n    a=LIMIT):\n    pass\n")
    with pytest.raises(CompileError, match="exactly one function"):
        compiled("x = 1\n")
    with pytest.raises(CompileError, match=r"app.py:10:5: invalid syntax"):
        compiled("def (:\n")


def test_board_decorators_stay_above_a_setup() -> None:
    source = "@micropython.native\n@device.setup\ndef f(x):\n    y = 1\n"
    assert compiled(source).device_code == (
        "@micropython.native\ndef f(x):\n global y;globals().update(x=x)\n y=1\n"
    )
    with pytest.raises(CompileError, match="put board decorators above that one"):
        compiled("@device.setup\n@micropython.native\ndef f(x):\n    y = 1\n")


def test_only_setup_and_teardown_carry_their_body() -> None:
    """The board calls a task or thread by name: no body text is made for them."""
    assert compiled("@device.task\ndef f(a):\n    return a\n").body_code == ""
    assert compiled("@device.thread\ndef f(a):\n    pass\n").body_code == ""
    assert compiled("@device.teardown\ndef f():\n    x = 1\n").body_code == "\n\nx=1\n"


def test_scopes_follow_python_where_a_name_is_bound() -> None:
    """A match capture, a walrus in a comprehension and a nested class see their own
    bindings; only names bound nowhere in the function are free (board globals)."""
    result = compiled(
        """\
        @device.task
        def f(p):
            match p:
                case [first, *rest]:
                    pass
            if any((hit := x) > 1 for x in rest):
                return hit
            class K:
                y = first
            return K, LIMIT
        """
    )
    assert result.free_names == ("LIMIT",)
