"""Smoke test of the public contract of DESIGN.md."""

import numpy as np

import skmm_convex as skmm


def test_gmm_table1_instance_cluster_sizes():
    data = skmm.make_gmm(2000, 2400, 8, std_max=0.04, rng=0)
    assert data.cluster_sizes.tolist() == [82, 69, 389, 76, 406, 251, 427, 300]


def test_select_returns_n_distinct_indices():
    data = skmm.make_gmm(300, 400, 4, std_max=0.04, rng=1)
    sel = skmm.select(data.features, 20, rng=0, sketch_dim=16)
    assert sel.indices.shape == (20,)
    assert np.unique(sel.indices).size == 20
    assert np.isclose(sel.weights.sum(), 1.0)
