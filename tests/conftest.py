"""Shared fixtures. ``SKMM_TEST_SEED=k pytest`` sweeps the seeded tests over another seed."""

import os

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.selection import DEFAULT_SKETCH_DIM


def _read_only(*arrays: np.ndarray) -> None:
    """Freeze arrays shared across tests, so that a test that writes into one fails."""
    for array in arrays:
        array.flags.writeable = False


@pytest.fixture
def global_seed() -> int:
    """The base seed of randomised tests (no global seeding anywhere)."""
    return int(os.environ.get("SKMM_TEST_SEED", "0"))


@pytest.fixture(scope="session")
def table1_data() -> skmm.GMMData:
    """The paper's Table-1 instance (:func:`skmm_convex.make_table1_gmm`), drawn once, read-only."""
    data = skmm.make_table1_gmm()
    _read_only(
        data.features, data.labels, data.cluster_ids, data.centers, data.cluster_stds, data.latent
    )
    return data


@pytest.fixture(scope="session")
def table1_moments(table1_data) -> skmm.SketchedMoments:
    """Its sketched moments with the default sketch (m = 32, Gaussian, seed 0), read-only."""
    sketch = skmm.sketch_features(table1_data.features, DEFAULT_SKETCH_DIM, "gaussian", 0)
    moments = skmm.compute_moments(sketch)
    _read_only(
        moments.sketch,
        moments.eigenvalues,
        moments.eigenvectors,
        moments.whitened,
        moments.normalized_moments,
    )
    return moments
