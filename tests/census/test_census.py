"""The census as tests: every case ends cleanly (no host traceback, no hang) and as expected.

The selected cases run once, in parallel subprocesses, the first time a result is asked for
(all of them: about 60 CPU seconds, 30-40 s on two idle cores); each test then checks its own
case. Cases marked ``known`` are findings in files the census does not own: reported, not run.
``python -m tests.census`` runs them all and prints the table.
"""

from __future__ import annotations

import pytest

from tests.census.cases import Case, all_cases
from tests.census.runner import Result, run_all
from tests.support.requirements import require_board

CASES = all_cases()
_results: dict[str, Result] = {}


def _selected(session: pytest.Session) -> list[Case]:
    """The cases of the tests this run selected (``-k`` keeps a focused run short)."""
    chosen = []
    for item in session.items:
        case = getattr(item, "callspec", None) and item.callspec.params.get("case")
        if isinstance(case, Case) and not case.board and not case.known:
            chosen.append(case)
    return chosen


def _result(case: Case, session: pytest.Session) -> Result:
    if case.id not in _results and not case.board:  # every selected case at once, in parallel
        _results.update((r.case.id, r) for r in run_all(_selected(session) or [case]))
    if case.id not in _results:  # a board case: run on its own, when the board is there
        _results[case.id] = run_all([case])[0]
    return _results[case.id]


def _marks(case: Case) -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.board] if case.board else []
    if case.known:  # reported, in a file the census does not own: not run (it would hang)
        marks.append(pytest.mark.xfail(reason=case.known, run=False))
    return marks


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES],
)
def test_case_ends_cleanly(case: Case, request: pytest.FixtureRequest) -> None:
    if case.board:
        require_board()
    result = _result(case, request.session)
    assert result.outcome not in ("traceback", "hang"), result.tail(12)
    assert result.as_expected, f"{result.outcome}, expected {case.expect}:\n{result.tail()}"


def test_the_census_covers_every_command_and_at_least_145_inputs() -> None:
    commands = {case.command for case in CASES}
    assert len(CASES) >= 145
    assert commands >= {
        "add",
        "build",
        "clean",
        "exec",
        "info",
        "install",
        "latency",
        "new",
        "init",
        "remove",
        "run",
        "select",
        "sync",
        "terminal",
        "update",
        "emulate",
    }
