"""Solver failures map to typed exceptions whose messages say what to try."""

from __future__ import annotations

import warnings

import cvxpy as cp
import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.errors import (
    DegenerateProblemWarning,
    InaccurateSolutionWarning,
    InfeasibleProblemError,
    SkmmError,
    SolverError,
    SolverNotInstalledError,
    ValidationError,
)


@pytest.fixture
def features(global_seed):
    return np.random.default_rng(global_seed).standard_normal((48, 10))


@pytest.fixture
def moments(features):
    return skmm.compute_moments(features)


@pytest.fixture(autouse=True)
def _quiet_degeneracy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        yield


def test_uninstalled_solver_lists_the_installed_ones(features):
    installed = sorted(cp.installed_solvers())
    with pytest.raises(SolverNotInstalledError, match=r"'MOSEK' is not installed") as info:
        skmm.select(features, 5, solver="MOSEK")
    assert str(installed) in str(info.value)
    assert "pip install mosek" in str(info.value)


def test_unknown_solver_name_says_cvxpy_does_not_know_it(features):
    with pytest.raises(SolverNotInstalledError, match=r"CVXPY does not know this name"):
        skmm.select(features, 5, solver="NOT_A_SOLVER")


def test_solver_name_is_case_insensitive(features):
    # interior mode always runs the QP (vertex mode may settle a degenerate case by LP alone)
    selection = skmm.select(features, 5, solver="clarabel", solution="interior", rng=0)
    assert selection.solution.solver == "CLARABEL"


def test_iteration_limit_without_fallback_is_a_solver_error(moments):
    program = skmm.MomentMatching(moments, solver_options={"max_iter": 1}, fallback=False)
    with pytest.raises(
        SolverError, match=r"CLARABEL: status user_limit\. Try a larger iteration or time limit"
    ) as info:
        program.solve(5, 0.5, rng=0)
    assert "fallback=True" in str(info.value)
    assert not isinstance(info.value, InfeasibleProblemError)


def test_select_without_fallback_raises_too(features):
    with pytest.raises(SolverError, match=r"user_limit"):
        skmm.select(features, 5, c_s=0.5, solver_options={"max_iter": 1}, fallback=False)


def test_every_solver_failing_is_a_solver_error(features, monkeypatch):
    def fail(self, *args, **kwargs):
        raise cp.error.SolverError("simulated numerical trouble")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    with pytest.raises(SolverError, match=r"CLARABEL: simulated.*SCS: simulated.*Try") as info:
        skmm.select(features, 5, solution="interior", rng=0)
    assert isinstance(info.value, SkmmError)


def test_infeasible_program_is_an_infeasible_problem_error(moments, monkeypatch):
    program = skmm.MomentMatching(moments)
    qp = program.program

    def infeasible_cap(n, c_s):  # sum(s) = 1 is impossible with s <= 1/(2N)
        qp.cap.value = 0.5 / moments.whitened.shape[0]
        qp.gamma_floor.value = 1.0 / c_s

    monkeypatch.setattr(qp, "set_parameters", infeasible_cap)
    with pytest.raises(
        InfeasibleProblemError, match=r"reported infeasible \(CLARABEL: status infeasible"
    ) as info:
        program.solve(5, 0.5, rng=0)
    assert "try another solver" in str(info.value)
    assert isinstance(info.value, SolverError)


def test_rejected_solver_options_name_the_argument(features):
    with pytest.raises(ValidationError, match=r"solver_options \{'foo': 1\} were rejected"):
        skmm.select(features, 5, solver_options={"foo": 1})


def test_inaccurate_solution_warns_and_stays_feasible(features):
    with pytest.warns(InaccurateSolutionWarning, match=r"SCS stopped at reduced accuracy"):
        sel = skmm.select(
            features, 5, rng=0, c_s=0.5, solver="SCS", solver_options={"max_iters": 1}
        )
    sol = sel.solution
    assert sol.status == "optimal_inaccurate" and sol.solver == "SCS"
    assert abs(sol.s.sum() - 1) <= 1e-8 and sol.s.min() >= 0 and sol.s.max() <= 1 / 5 + 1e-12
    assert np.isfinite(sol.suboptimality_bound) and sol.suboptimality_bound >= 0
