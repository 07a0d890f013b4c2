"""Every bad input of ``tests/bad_inputs.py`` gets its documented error, and the table in
``docs/bad_inputs.md`` is exactly what the cases produce now."""

from __future__ import annotations

import pytest

try:
    from tests import bad_inputs
except ImportError:  # pytest's rootdir-less "prepend" import mode puts tests/ on sys.path
    import bad_inputs


@pytest.fixture(scope="module")
def outcomes() -> dict[str, bad_inputs.Outcome]:
    return bad_inputs.run_all()


@pytest.mark.parametrize("case", bad_inputs.CASES, ids=bad_inputs.case_id)
def test_bad_input_gets_its_documented_error(case, outcomes):
    assert bad_inputs.check(case, outcomes[bad_inputs.case_id(case)]) == []


def test_table_is_what_the_cases_produce_now(outcomes):
    expected = bad_inputs.render(outcomes)
    actual = bad_inputs.TABLE.read_text() if bad_inputs.TABLE.exists() else ""
    assert actual == expected, (
        "docs/bad_inputs.md is out of date (a message or a case changed, or a merge added "
        "methods/solvers to a listed choice); regenerate it with "
        "`PYTHONPATH=. python tests/bad_inputs.py` and review the diff"
    )


def test_every_case_id_is_unique():
    ids = [bad_inputs.case_id(case) for case in bad_inputs.CASES]
    assert len(ids) == len(set(ids))
