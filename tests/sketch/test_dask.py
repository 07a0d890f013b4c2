"""Sketching a dask array chunk by chunk on Dask's scheduler (skipped without dask)."""

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.errors import ValidationError
from skmm_convex.sketch import sketch_features

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")


@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign"])
@pytest.mark.parametrize("chunks", [(100, 90), (128, 40)])
def test_dask_sketch_equals_numpy_sketch(features, kind, chunks):
    lazy = da.from_array(features, chunks=chunks)
    with dask.config.set(scheduler="threads"):
        distributed = sketch_features(lazy, 16, kind, 4)
    local = sketch_features(features, 16, kind, 4)
    assert isinstance(distributed, np.ndarray) and distributed.dtype == np.float64
    np.testing.assert_allclose(distributed, local, rtol=1e-10, atol=1e-10)


@pytest.mark.filterwarnings("ignore::skmm_convex.errors.DegenerateProblemWarning")
def test_select_accepts_dask_array():
    data = skmm.make_gmm(400, 120, 4, std_max=0.04, rng=2)
    lazy = da.from_array(data.features, chunks=(150, 60))
    with dask.config.set(scheduler="threads"):
        from_dask = skmm.select(lazy, 20, rng=5, sketch_dim=16)
    from_numpy = skmm.select(data.features, 20, rng=5, sketch_dim=16)
    np.testing.assert_allclose(from_dask.solution.sketch, from_numpy.solution.sketch, atol=1e-10)
    assert np.unique(from_dask.indices).size == 20
    assert from_dask.solution.objective == pytest.approx(
        from_numpy.solution.objective, abs=from_numpy.solution.suboptimality_bound + 1e-9
    )
    assert skmm.select(lazy, 20, method="uniform", rng=1).indices.size == 20


def test_dask_non_finite_input_is_rejected():
    bad = np.ones((50, 30))
    bad[7, 3] = np.nan
    with pytest.raises(ValidationError, match="NaN or infinite"):
        skmm.select(da.from_array(bad, chunks=(20, 30)), 5, rng=0, sketch_dim=8)


@pytest.fixture(scope="module")
def features():
    return np.random.default_rng(11).standard_normal((700, 90)).astype(np.float32)
