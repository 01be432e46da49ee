"""Every case folder in tests/inputs: snapshots of what compiles, exact errors for what not."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from belay_gen.runtime.errors import BelayError
from tests.compiler_cases import INPUTS, case_names, compile_case, manifest


@pytest.mark.parametrize("case", case_names(errors=False))
def test_case_output_matches_snapshots(case: str, snapshot: SnapshotAssertion) -> None:
    built = compile_case(case)
    for item in built:
        name = item.module.name
        assert item.device.text == snapshot(name=f"{name}.device.py")
        assert item.stub == snapshot(name=f"{name}.host.py")
    assert manifest(case, built) == snapshot(name="manifest.json")


@pytest.mark.parametrize("case", case_names(errors=False))
def test_case_output_is_deterministic(case: str) -> None:
    first = [(b.device.text, b.stub) for b in compile_case(case)]
    second = [(b.device.text, b.stub) for b in compile_case(case)]
    assert first == second


@pytest.mark.parametrize("case", case_names(errors=True))
def test_case_error_is_exact(case: str) -> None:
    expected = (INPUTS / case / "error.txt").read_text().strip()
    with pytest.raises(BelayError) as caught:
        compile_case(case)
    assert f"{type(caught.value).__name__}: {caught.value}" == expected
