"""Property tests of the capped simplex: projection and repair land on it, a vertex stays sparse."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skmm_convex.certificates.capped_simplex import project_capped_simplex, repair_capped_simplex

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)


@FAST
@given(
    size=st.integers(1, 200),
    n=st.integers(1, 200),
    seed=st.integers(0, 2**16),
    spread=st.floats(1e-3, 1e3),
)
def test_projection_lands_on_the_capped_simplex(size, n, seed, spread):
    n = min(n, size)
    point = np.random.default_rng(seed).normal(1.0 / size, spread / size, size)
    x = project_capped_simplex(point, n)
    assert x.min() >= 0.0 and x.max() <= 1.0 / n
    assert abs(x.sum() - 1.0) <= 1e-12
    # optimality of the projection: x_i = clip(p_i - tau, 0, cap) for one tau
    free = (x > 0) & (x < 1.0 / n)
    if free.sum() >= 2:
        shifts = point[free] - x[free]
        assert np.ptp(shifts) <= 1e-9 * max(1.0, np.abs(point).max())


@FAST
@given(
    size=st.integers(1, 200),
    n=st.integers(1, 200),
    seed=st.integers(0, 2**16),
    error=st.floats(-1e-6, 1e-6),
)
def test_repair_lands_on_the_capped_simplex_and_keeps_a_vertex_sparse(size, n, seed, error):
    n = min(n, size)
    rng = np.random.default_rng(seed)
    vertex = np.zeros(size)  # a basic point: n - 1 weights at the cap, one partial, rest 0
    support = rng.permutation(size)[:n]
    vertex[support] = 1.0 / n
    point = vertex * (1 + error * rng.standard_normal(size))  # a solver's rounding
    x = repair_capped_simplex(point, n)
    assert x.min() >= 0.0 and x.max() <= 1.0 / n
    assert abs(x.sum() - 1.0) <= 1e-12
    assert np.abs(x - vertex).max() <= 10 * abs(error) / n + 1e-15
    if n < size:
        assert np.all(x[vertex == 0] == 0) or n == size
