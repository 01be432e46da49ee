"""The compiler is pure: it imports only ``belay_gen.errors``, ``belay_gen._version`` and
itself, and its heavy dependencies load only with the stage that needs them."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import belay_gen.compiler
from tests.support.compiler_cases import INPUTS

COMPILER = Path(belay_gen.compiler.__file__).parent
ALLOWED = ("belay_gen.errors", "belay_gen._version", "belay_gen.compiler")
# Loaded by `import belay_gen.<anything>`: the package root, which is light by design.
ROOT = {"belay_gen", "belay_gen.errors", "belay_gen._version"}


def loaded_after(script: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``script``."""
    code = textwrap.dedent(script) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_whole_compile_loads_nothing_of_belay_gen_outside_the_compiler() -> None:
    loaded = loaded_after(
        f"""
        import belay_gen.compiler.scan, belay_gen.compiler.emit, belay_gen.compiler.minify
        from belay_gen.compiler import compile_function, emit, scan_module

        source = open({str(INPUTS / "blink" / "blink.py")!r}).read()
        module = scan_module(source, filename="blink.py", name="blink")
        device = emit.device_module(module)
        emit.host_stub(module, device)
        emit.package_init()
        emit.manifest([emit.ManifestEntry(module, device, "blink.py", "d", "h")], version="0")
        compile_function("@d.task\\ndef f(a):\\n return a\\n", filename="x.py", first_line=1)
        """
    )
    ours = {name for name in loaded if name == "belay_gen" or name.startswith("belay_gen.")}
    outside = sorted(n for n in ours - ROOT if not n.startswith("belay_gen.compiler"))
    assert outside == [], "the compiler loaded " + ", ".join(outside)
    assert {"libcst", "jinja2"} <= loaded  # the compile above really ran


def test_the_model_loads_no_libcst_and_the_dynamic_path_no_jinja2() -> None:
    model = loaded_after("import belay_gen.compiler.model")
    assert "libcst" not in model and "jinja2" not in model
    dynamic = loaded_after(
        """
        from belay_gen.compiler import compile_function
        compile_function("@d.task\\ndef f(a):\\n return a\\n", filename="x.py", first_line=1)
        """
    )
    assert "libcst" in dynamic and "jinja2" not in dynamic


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every import in ``path``, inside functions too."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports"
            found.append((node.lineno, node.module))
    return found


def test_no_compiler_module_imports_belay_gen_outside_its_allowed_set() -> None:
    files = sorted(COMPILER.rglob("*.py"))
    assert len(files) > 10
    wrong = [
        f"{path.relative_to(COMPILER)}:{line}: {module}"
        for path in files
        for line, module in imported_modules(path)
        if module.split(".")[0] == "belay_gen"
        and not any(module == a or module.startswith(a + ".") for a in ALLOWED)
    ]
    assert wrong == []
