"""Sketches are JL embeddings applied with one Gamma; moments match their definitions."""

import numpy as np
import pytest
import scipy.sparse as sp

import skmm_convex as skmm
from skmm_convex.sketch import draw_embedding


def test_gaussian_embedding_is_isotropic_in_expectation(global_seed):
    rng = np.random.default_rng(global_seed)
    m = 16
    gammas = [draw_embedding(40, m, "gaussian", rng) for _ in range(200)]
    mean_outer = np.mean([g @ g.T for g in gammas], axis=0)
    # each diagonal entry is a mean of 200 chi2_m/m draws: sd sqrt(2/m/200) = 0.025
    np.testing.assert_allclose(np.diag(mean_outer), 1.0, atol=5 * 0.025)


def test_sparse_sign_embedding_structure(global_seed):
    gamma = draw_embedding(300, 20, "sparse-sign", np.random.default_rng(global_seed))
    assert sp.issparse(gamma)
    dense = gamma.toarray()
    assert np.all((dense != 0).sum(axis=1) == 8), "zeta = 8 distinct columns per row"
    np.testing.assert_allclose(np.abs(dense[dense != 0]), 1 / np.sqrt(8))
    np.testing.assert_allclose(np.sum(dense**2, axis=1), 1.0)


@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign"])
def test_sparse_memmap_and_dense_inputs_give_the_same_sketch(tmp_path, kind, global_seed):
    rng = np.random.default_rng(global_seed)
    dense = rng.standard_normal((120, 50)) * (rng.random((120, 50)) < 0.2)
    path = tmp_path / "g.npy"
    np.save(path, dense)
    mapped = np.load(path, mmap_mode="r")
    seed = global_seed + 1
    expected = skmm.sketch_features(dense, 10, kind, np.random.default_rng(seed))
    for other in (sp.csr_matrix(dense), mapped):
        got = skmm.sketch_features(other, 10, kind, np.random.default_rng(seed))
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_no_sketch_returns_the_features():
    g = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(skmm.sketch_features(g, None), g)


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
