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
