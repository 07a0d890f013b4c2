import numpy as np
import pytest

from skmm_convex import make_gmm, make_table1_gmm
from skmm_convex.errors import ValidationError
from theory_checks import intrinsic_dimension
from theory_checks.linalg import spectrum_of


@pytest.mark.parametrize(
    ("eigenvalues", "n_samples", "expected"),
    [
        ([4.0, 0.0, 0.0, 1.0], 10, 2),  # tail after 1 is 1 > 0.5, after 2 is 0
        ([1.0] * 10, 5, 8),  # tail r - t <= r/N = 2  <=>  t >= 8
        ([1.0] * 10, 1, 1),  # N = 1: threshold tr(Sigma), t = 1 always suffices
        ([0.0, 0.0, 0.0], 3, 1),  # zero spectrum: t >= 1 by definition
        ([5.0], 100, 1),
        (2.0 ** -np.arange(30), 100, 7),  # tail 2^{1-t} <= ~0.02  <=>  t >= 7
        ([3.0, 1.0, 1.0, 1.0], 2, 1),  # tail after the top one is exactly tr/N = 3: ties count
    ],
)
def test_known_spectra(eigenvalues, n_samples, expected):
    assert intrinsic_dimension(eigenvalues, n_samples) == expected


def test_any_order_and_scale_free(global_seed):
    gen = np.random.default_rng(global_seed)
    values = np.concatenate([gen.uniform(5, 10, 6), gen.uniform(0, 1e-3, 200)])
    expected = intrinsic_dimension(np.sort(values)[::-1], 50)
    assert expected == 6
    assert intrinsic_dimension(gen.permutation(values), 50) == expected
    assert intrinsic_dimension(1e6 * values, 50) == expected
    assert intrinsic_dimension(values.tolist(), 50) == expected


def test_brute_force_definition(global_seed):
    gen = np.random.default_rng(global_seed)
    for _ in range(50):
        values = gen.exponential(size=gen.integers(1, 40)) ** 3
        n_samples = int(gen.integers(1, 200))
        ordered = np.sort(values)[::-1]
        brute = min(
            t
            for t in range(1, values.size + 1)
            if ordered[t:].sum() <= ordered.sum() / n_samples * (1 + 1e-12)
        )
        assert intrinsic_dimension(values, n_samples) == brute


def test_gmm_rbar_equals_clusters_only_for_small_noise():
    small = make_gmm(1200, 800, 8, std_max=0.01, rng=0)
    assert intrinsic_dimension(spectrum_of(small.features).eigenvalues, 1200) == 8
    large = make_gmm(1200, 800, 8, std_max=0.1, rng=0)
    assert intrinsic_dimension(spectrum_of(large.features).eigenvalues, 1200) > 8


@pytest.mark.slow
def test_table1_instance_has_rbar_107():
    """The Table-1 instance: the poster's "r_bar = 8" is the number of clusters, the strict
    r_bar is 107."""
    data = make_table1_gmm()
    eigenvalues = np.linalg.svd(data.features, compute_uv=False) ** 2 / 2000
    assert intrinsic_dimension(eigenvalues, 2000) == 107


@pytest.mark.parametrize(
    ("eigenvalues", "n_samples", "match"),
    [
        ([1.0, -1.0], 3, "non-negative"),
        ([], 3, "non-empty"),
        ([[1.0]], 3, "1-d"),
        ([1.0, np.nan], 3, "NaN"),
        ([1.0], 0, "n_samples"),
        ([1.0], 2.5, "n_samples"),
        ([1.0], True, "n_samples"),
    ],
)
def test_validation(eigenvalues, n_samples, match):
    with pytest.raises(ValidationError, match=match):
        intrinsic_dimension(eigenvalues, n_samples)
