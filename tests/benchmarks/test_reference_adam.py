"""The benchmarks' numpy re-implementation of the paper's projected Adam (tiny instances)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ is not installed
from benchmarks.reference_adam import paper_objective, projected_adam  # noqa: E402


@pytest.fixture(scope="module")
def sketch():
    gen = np.random.default_rng(0)
    centers = gen.standard_normal((3, 6)) * 3
    return centers[gen.integers(0, 3, 60)] + 0.1 * gen.standard_normal((60, 6))


def test_adam_decreases_the_objective_and_stays_feasible(sketch):
    result = projected_adam(sketch, 10, 0.9, num_iter=300, lr=1e-3, rng=1)
    assert result.objective < result.history[0]
    assert result.objective == pytest.approx(np.min(result.history))
    assert np.all(result.s >= 0) and result.s.sum() == pytest.approx(1.0)
    assert np.all(result.gamma >= 1 / 0.9)


def test_authors_and_efficient_versions_compute_the_same_iterates(sketch):
    fast = projected_adam(sketch, 10, 0.9, num_iter=50, lr=1e-3, rng=2)
    slow = projected_adam(sketch, 10, 0.9, num_iter=50, lr=1e-3, rng=2, version="authors")
    np.testing.assert_allclose(slow.history, fast.history, rtol=1e-9)
    _, sing, vt = np.linalg.svd(sketch, full_matrices=False)
    moment_matrix = ((sketch @ vt.T) ** 2).T
    lam = sing**2 / sketch.shape[0]
    assert paper_objective(moment_matrix, lam, fast.s, fast.gamma) == pytest.approx(fast.objective)
