"""make_gmm follows the authors' generator draw for draw (``genenrate_gmm_dataset``
in the authors' ``synthetic/toy.ipynb``)."""

import numpy as np
import pytest

import skmm_convex as skmm


def test_table1_instance_matches_the_reference_draws(table1_data):
    # reference values recorded from the authors' notebook generator with seed 0
    assert table1_data.cluster_sizes.tolist() == [82, 69, 389, 76, 406, 251, 427, 300]
    norms = np.linalg.norm(table1_data.centers, axis=1)
    assert norms.tolist() == [8, 16, 56, 48, 64, 40, 40, 64]
    np.testing.assert_allclose(
        np.unique(table1_data.labels.round(3)),
        np.sort([-4.354, -5.061, 23.051, 50.041, -8.226, 54.659, -26.608, 22.497]),
    )
    np.testing.assert_allclose(
        table1_data.cluster_stds,
        [0.0217, 0.0374, 0.0326, 0.0001, 0.0343, 0.0013, 0.0292, 0.0070],
        atol=5e-5,
    )


def test_structure_of_the_data(table1_data):
    ids = table1_data.cluster_ids
    assert np.all(np.diff(ids) >= 0), "rows are sorted by cluster, as the authors' data are"
    # labels are <center_k, latent> for every row of cluster k
    np.testing.assert_allclose(table1_data.labels, (table1_data.centers @ table1_data.latent)[ids])
    # within-cluster spread matches the cluster std (r = 2400 coordinates per row)
    residual = table1_data.features - table1_data.centers[ids]
    spread = np.sqrt((residual**2).mean(axis=1))
    np.testing.assert_allclose(spread, table1_data.cluster_stds[ids], rtol=0.1, atol=1e-6)


def test_ground_truth_interpolates_small_instance():
    data = skmm.make_gmm(50, 80, 3, std_max=0.1, rng=3)
    theta = data.ground_truth
    np.testing.assert_allclose(data.features @ theta, data.labels, atol=1e-8)
    # min norm: theta lies in the row space of the features
    projector = np.linalg.pinv(data.features) @ data.features
    np.testing.assert_allclose(projector @ theta, theta, atol=1e-8)


def test_same_seed_same_data_and_rng_validation():
    a = skmm.make_gmm(100, 50, 4, rng=7)
    b = skmm.make_gmm(100, 50, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.features, b.features)
    with pytest.raises(skmm.ValidationError, match="n_clusters"):
        skmm.make_gmm(100, 50, 0)
    with pytest.raises(skmm.ValidationError, match="n_features"):
        skmm.make_gmm(100, 3, 4)
