"""Property-based tests (hypothesis) over random shapes, scales, budgets and options.

Derandomised (``derandomize=True``, no example database), so CI sees the same examples on
every run; ``max_examples`` keeps the file within its share of the quick tier.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skmm_convex as skmm
from skmm_convex.certificates.capped_simplex import project_capped_simplex
from skmm_convex.errors import (
    DegenerateProblemWarning,
    InfeasibleProblemError,
    SolverError,
    ValidationError,
)

QUICK = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)

KINDS = ("gaussian", "low-rank", "duplicated", "outlier", "zero-rows", "all-zero")


def _features(kind: str, n_samples: int, n_features: int, scale: float, seed: int):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n_samples, n_features))
    if kind == "low-rank":
        rank = max(1, min(n_samples, n_features) // 3)
        g = rng.standard_normal((n_samples, rank)) @ rng.standard_normal((rank, n_features))
    elif kind == "duplicated":
        g = g[rng.integers(0, max(1, n_samples // 2), n_samples)]
    elif kind == "outlier":
        g[rng.integers(n_samples)] *= 1e6
    elif kind == "zero-rows":
        g[rng.random(n_samples) < 0.5] = 0.0
    elif kind == "all-zero":
        g[:] = 0.0
    return g * scale


@st.composite
def selection_requests(draw):
    n_samples = draw(st.integers(1, 60))
    n_features = draw(st.integers(1, 40))
    return {
        "kind": draw(st.sampled_from(KINDS)),
        "n_samples": n_samples,
        "n_features": n_features,
        "scale": 10.0 ** draw(st.floats(-6, 6)),
        "seed": draw(st.integers(0, 2**16)),
        "n": draw(st.integers(1, n_samples)),
        "sketch_dim": draw(st.one_of(st.none(), st.just("auto"), st.integers(1, n_features))),
        "sketch": draw(st.sampled_from(["gaussian", "sparse-sign"])),
        "c_s": draw(st.floats(0.3, 1.5)),
        "solution": draw(st.sampled_from(["vertex", "interior"])),
        "sampler": draw(st.sampled_from(["stratified", "systematic", "authors", "top"])),
        "weighting": draw(st.sampled_from(["paper", "relative"])),
    }


def assert_documented_solver_error(exc: SolverError) -> None:
    """What ``select`` documents when every solver tried fails (the default solver, then the
    fallback): one of the two types, naming both solvers and the remedies to try."""
    message = str(exc)
    assert type(exc) in (SolverError, InfeasibleProblemError), repr(exc)
    if type(exc) is InfeasibleProblemError:
        assert " reported infeasible (" in message and "numerical trouble: try " in message
    else:
        assert " failed: " in message and ". Try " in message
    assert "CLARABEL: " in message and "SCS: " in message, message
    assert message.endswith("a smaller sketch_dim, or weighting='relative'"), message


@QUICK
@given(request=selection_requests())
def test_select_returns_n_distinct_indices_or_a_documented_error(request):
    features = _features(
        request["kind"],
        request["n_samples"],
        request["n_features"],
        request["scale"],
        request["seed"],
    )
    n = request["n"]
    options = {
        key: request[key]
        for key in ("sketch_dim", "sketch", "c_s", "solution", "sampler", "weighting")
    }
    try:
        with warnings.catch_warnings():  # a whole optimal face is an outcome, not a failure
            warnings.simplefilter("ignore", DegenerateProblemWarning)
            sel = skmm.select(features, n, rng=request["seed"], **options)
    except ValidationError as exc:
        # the one legal input the package refuses: features whose sketch has no variance
        assert type(exc) is ValidationError
        assert not np.any(features) or request["sketch"] == "sparse-sign", exc
        assert str(exc).startswith("features must not be all zero"), exc
        assert "no variance" in str(exc)
        return
    except SolverError as exc:
        assert_documented_solver_error(exc)
        return
    assert np.any(features)
    indices = sel.indices
    assert indices.shape == (n,)
    assert np.unique(indices).size == n
    assert indices.min() >= 0 and indices.max() < request["n_samples"]
    s = sel.solution.s
    assert s.shape == (request["n_samples"],)
    assert s.min() >= -1e-8 and s.max() <= 1.0 / n + 1e-8
    assert abs(s.sum() - 1.0) <= 1e-8
    assert np.all(s[indices] > 0)
    assert np.isfinite(sel.solution.objective) and sel.solution.objective >= 0


@pytest.mark.parametrize("status", ["solver_error", "infeasible"])
def test_the_documented_solver_errors_are_what_select_raises(monkeypatch, status):
    """The contract above, met by the errors of a failing solve (no example above fails)."""
    import cvxpy as cp

    def fail(problem, *args, **kwargs):
        if status == "solver_error":
            raise cp.error.SolverError("simulated numerical trouble")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    if status == "infeasible":  # every solve "returns" with the status infeasible
        monkeypatch.setattr(cp.Problem, "status", property(lambda problem: cp.INFEASIBLE))
    features = np.random.default_rng(0).standard_normal((30, 6))
    expected = SolverError if status == "solver_error" else InfeasibleProblemError
    with pytest.raises(expected) as info:
        skmm.select(features, 5, solution="interior", rng=0)
    assert_documented_solver_error(info.value)


@st.composite
def weight_vectors(draw):
    """(s, n, sampler, seed, strata): s valid for the sampler, at any scale, with exact zeros."""
    size = draw(st.integers(1, 200))
    n = draw(st.integers(1, size))
    sampler = draw(st.sampled_from(["systematic", "authors", "top"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    raw = rng.exponential(size=size) ** draw(st.floats(0.1, 4.0))
    zeros = rng.permutation(size)[: draw(st.integers(0, size - n))]
    raw[zeros] = 0.0
    if sampler == "systematic":  # the cap n s <= sum(s) is what makes n s inclusion probs
        raw = project_capped_simplex(raw / raw.sum(), n)
    scale = 10.0 ** draw(st.floats(-100, 100))
    strata = None
    if sampler == "systematic" and draw(st.booleans()):
        strata = rng.integers(-5, draw(st.integers(-4, 40)), size=size)
    return raw * scale, n, sampler, draw(st.integers(0, 2**16)), strata


@FAST
@given(case=weight_vectors())
def test_sample_indices_returns_n_distinct_positive_indices(case):
    s, n, sampler, seed, strata = case
    indices = skmm.sample_indices(s, n, sampler, rng=seed, strata=strata)
    assert indices.shape == (n,)
    assert np.unique(indices).size == n
    assert np.all(np.diff(indices) > 0)  # sorted
    assert indices.min() >= 0 and indices.max() < s.size
    assert np.all(s[indices] > 0)
