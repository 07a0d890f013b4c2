"""The authors' projected Adam, ported to numpy (tiny instances)."""

import numpy as np
import pytest

from skmm_convex.baselines import paper_objective, projected_adam
from skmm_convex.errors import ValidationError


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


def test_one_step_is_the_adam_update_then_the_projection(sketch):
    """The first step by hand: Adam's first move is -lr * sign(grad), then clamp, rescale."""
    n, c_s, lr = 10, 0.9, 1e-3
    two = projected_adam(sketch, n, c_s, num_iter=1, lr=lr, rng=3)
    gen = np.random.default_rng(3)
    s = np.zeros(60)
    s[gen.choice(60, n, replace=False)] = 1.0 / n
    gamma = np.maximum(1 / c_s + gen.random(6) * (1 - 1 / c_s), 1 / c_s)
    _, sing, vt = np.linalg.svd(sketch, full_matrices=False)
    a = ((sketch @ vt.T) ** 2).T
    lam = sing**2 / 60
    residual = a @ s - gamma * lam
    grad = np.concatenate([2 * a.T @ residual, -2 * lam * residual])
    step = lr * grad / (np.abs(grad) + 1e-8)  # m / sqrt(v) after bias correction
    x = np.concatenate([s, gamma]) - step
    x[:60] = np.clip(x[:60], 0, 1 / n)
    x[:60] /= x[:60].sum()
    x[60:] = np.maximum(x[60:], 1 / c_s)
    assert two.history[1] == pytest.approx(paper_objective(a, lam, x[:60], x[60:]), rel=1e-9)


def test_bad_arguments_name_the_argument(sketch):
    with pytest.raises(ValidationError, match="version must be one of"):
        projected_adam(sketch, 10, 0.9, version="torch")
    with pytest.raises(ValidationError, match="n must be an int"):
        projected_adam(sketch, 0, 0.9)
    with pytest.raises(ValidationError, match="lr must be a positive"):
        projected_adam(sketch, 10, 0.9, lr=-1.0)
    with pytest.raises(ValidationError, match="sketch must be a 2-d array"):
        projected_adam(sketch[0], 10, 0.9)
