"""The moments of a sketch match their definitions; zero-variance directions are dropped."""

import numpy as np

import skmm_convex as skmm


def test_moments_match_their_definitions(global_seed):
    rng = np.random.default_rng(global_seed)
    sketch = rng.standard_normal((80, 6)) * np.array([5, 3, 2, 1, 0.1, 0.01])
    moments = skmm.compute_moments(sketch)
    n_samples = sketch.shape[0]
    cov = sketch.T @ sketch / n_samples
    np.testing.assert_allclose(moments.eigenvalues, np.linalg.eigvalsh(cov)[::-1], rtol=1e-10)
    v, lam = moments.eigenvectors, moments.eigenvalues
    np.testing.assert_allclose(v @ np.diag(lam) @ v.T, cov, atol=1e-10 * lam[0])
    # A[j, i] = (G~ V)[i, j]^2, and v_j' G~' diag(s) G~ v_j = (A s)_j for any s
    np.testing.assert_allclose(moments.moment_matrix, ((sketch @ v) ** 2).T, rtol=1e-9)
    s = rng.random(n_samples)
    direct = np.einsum("kj,kj->j", v, sketch.T @ (s[:, None] * sketch) @ v)
    np.testing.assert_allclose(moments.moment_matrix @ s, direct, rtol=1e-9)
    # B = A / lam and B @ (1/N) = 1 (uniform weights match every moment exactly)
    np.testing.assert_allclose(moments.normalized_moments @ np.full(n_samples, 1 / n_samples), 1.0)
    z = moments.whitened
    np.testing.assert_allclose(z.T @ z / n_samples, np.eye(6), atol=1e-10)


def test_zero_variance_directions_are_dropped():
    rng = np.random.default_rng(0)
    sketch = rng.standard_normal((50, 3)) @ rng.standard_normal((3, 7))  # rank 3 < m = 7
    moments = skmm.compute_moments(sketch)
    assert moments.n_directions == 3
    assert moments.eigenvalues.shape == (7,)
    few_rows = skmm.compute_moments(rng.standard_normal((4, 9)))  # N < m
    assert few_rows.eigenvectors.shape == (9, 9)
    np.testing.assert_allclose(
        few_rows.eigenvectors.T @ few_rows.eigenvectors, np.eye(9), atol=1e-12
    )
