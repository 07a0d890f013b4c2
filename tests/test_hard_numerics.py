"""Hard but legal inputs: the QP converges on each, with its constraints and certificates."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.errors import DegenerateProblemWarning, SolverFallbackWarning


def _base(rng: np.random.Generator, n_samples: int = 48, n_features: int = 10) -> np.ndarray:
    return rng.standard_normal((n_samples, n_features))


def _duplicated(rng):
    g = _base(rng, 24)
    return np.vstack([g, g]), {}


def _rank_deficient(rng):  # rank 3 < m = 8: the sketch has 5 zero-variance directions
    return _base(rng, 48, 3) @ rng.standard_normal((3, 10)), {"sketch_dim": 8}


def _twelve_decades(rng):  # eigenvalues spread over 12 orders of magnitude
    return _base(rng) * np.logspace(0, -6, 10), {"sketch_dim": None}


def _outlier(rng):  # one row 1e6 times the norm of the others
    g = _base(rng)
    g[5] *= 1e6
    return g, {}


def _all_equal(rng):
    return np.tile(rng.standard_normal(10), (48, 1)), {}


def _fewer_rows_than_m(rng):  # N = 6 < m = 8
    return _base(rng, 6, 20), {"sketch_dim": 8}


def _float16(rng):
    return _base(rng).astype(np.float16), {}


def _integers(rng):
    return np.round(10 * _base(rng)).astype(np.int64), {}


INSTANCES = {
    "duplicated rows": _duplicated,
    "rank(G) < m": _rank_deficient,
    "12 decades of eigenvalues": _twelve_decades,
    "huge-norm outlier row": _outlier,
    "all-equal rows": _all_equal,
    "N < m": _fewer_rows_than_m,
    "float16 input": _float16,
    "int input": _integers,
}


def check_solution(selection: skmm.Selection, n_samples: int, n: int) -> None:
    """The certificates every SkMM answer must carry, computed from s alone."""
    sol = selection.solution
    s = sol.s
    assert sol.status == "optimal"
    assert s.shape == (n_samples,)
    assert s.min() >= -1e-8 and s.max() <= 1.0 / n + 1e-8
    assert abs(s.sum() - 1.0) <= 1e-8
    # the objective ranges over [0, sum_j lam_j^2 / c_s^2]; the Frank-Wolfe gap bounds how far
    # above the optimum it is, whatever the solver
    scale = float(np.sum(sol.eigenvalues**2)) / sol.c_s**2
    assert 0.0 <= sol.objective <= scale * (1 + 1e-9)
    assert sol.suboptimality_bound <= 1e-5 * scale
    indices = selection.indices
    assert indices.shape == (n,) and np.unique(indices).size == n
    assert indices.min() >= 0 and indices.max() < n_samples
    assert np.all(s[indices] > 0)


@pytest.mark.parametrize("solution", ["vertex", "interior"])
@pytest.mark.parametrize("c_s", [0.999, 0.5])
@pytest.mark.parametrize("name", list(INSTANCES))
def test_hard_instance_converges_with_certificates(name, c_s, solution, global_seed):
    rng = np.random.default_rng(global_seed)
    features, options = INSTANCES[name](rng)
    n = min(5, features.shape[0] // 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        warnings.simplefilter("error", SolverFallbackWarning)  # Clarabel must converge
        sel = skmm.select(features, n, rng=global_seed, c_s=c_s, solution=solution, **options)
    # in vertex mode a degenerate instance is decided and solved by the LP alone (HiGHS)
    lp_only = solution == "vertex" and sel.solution.degenerate
    assert sel.solution.solver == ("HIGHS" if lp_only else "CLARABEL")
    check_solution(sel, features.shape[0], n)


@pytest.mark.parametrize("n", [1, 48])
def test_extreme_budgets(n, global_seed):
    features = _base(np.random.default_rng(global_seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        sel = skmm.select(features, n, rng=global_seed, c_s=0.5)
    check_solution(sel, 48, n)
    if n == 48:  # the capped simplex is the single point s = 1/N
        np.testing.assert_array_equal(sel.indices, np.arange(48))
        np.testing.assert_allclose(sel.solution.s, 1 / 48, rtol=0, atol=1e-15)


def test_zero_variance_directions_are_dropped(global_seed):
    rng = np.random.default_rng(global_seed)
    features, _ = _rank_deficient(rng)
    sketch = skmm.sketch_features(features, 8, rng=global_seed)
    moments = skmm.compute_moments(sketch)
    assert moments.n_directions == 3  # rank 3: five of the eight directions hold no variance
    assert np.all(moments.eigenvalues[3:] <= 1e-12 * moments.eigenvalues[0])
    np.testing.assert_allclose(moments.whitened.T @ moments.whitened / 48, np.eye(3), atol=1e-10)


def test_twelve_decades_keep_every_direction(global_seed):
    features, _ = _twelve_decades(np.random.default_rng(global_seed))
    moments = skmm.compute_moments(features)
    assert moments.eigenvalues[0] / moments.eigenvalues[-1] > 1e11
    assert moments.n_directions == 10


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_selection_does_not_depend_on_a_common_scale(scale, global_seed):
    features = _base(np.random.default_rng(global_seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        reference = skmm.select(features, 6, rng=global_seed, c_s=0.5)
        scaled = skmm.select(features * scale, 6, rng=global_seed, c_s=0.5)
    np.testing.assert_array_equal(scaled.indices, reference.indices)
    np.testing.assert_allclose(scaled.solution.s, reference.solution.s, atol=1e-9)


def test_fallback_solver_runs_and_is_named(global_seed):
    features = _base(np.random.default_rng(global_seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        with pytest.warns(SolverFallbackWarning, match=r"CLARABEL: status user_limit.*SCS"):
            sel = skmm.select(features, 5, rng=global_seed, c_s=0.5, solver_options={"max_iter": 1})
    assert sel.solution.solver == "SCS"
    assert sel.solution.status == "optimal"
    check_solution(sel, 48, 5)
