"""Samplers: n distinct indices; systematic sampling has inclusion probabilities n s."""

import numpy as np
import pytest

import skmm_convex as skmm
import skmm_convex.sampling as skmm_sampling
from skmm_convex.sampling import SAMPLERS, inclusion_probabilities


def capped_weights(n_samples, n, rng):
    """Weights on the capped simplex with some points at the cap and some at zero."""
    raw = rng.gamma(0.5, size=n_samples)
    raw[: n // 2] = 1e9  # these end at the cap
    raw[-5:] = 0.0
    pi = inclusion_probabilities(raw / raw.sum(), n)
    return pi / n


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_sampler_returns_n_distinct_indices(sampler, global_seed):
    rng = np.random.default_rng(global_seed)
    for n in (1, 3, 10, 25):
        s = capped_weights(30, n, rng)
        for _ in range(50):
            indices = skmm.sample_indices(s, n, sampler, rng)
            assert indices.shape == (n,) and np.unique(indices).size == n
            assert indices.min() >= 0 and indices.max() < 30
            assert np.all(s[indices] > 0)


def test_systematic_inclusion_frequencies_match_n_s(global_seed):
    """T = 20,000 draws; each frequency within 4.5 binomial SEs of n s_i.

    With 40 indices and a two-sided 4.5-sigma allowance (normal approximation), the chance of
    a false failure is below 40 * 7e-6 = 3e-4.
    """
    rng = np.random.default_rng(global_seed)
    n, draws = 8, 20_000
    s = capped_weights(40, n, rng)
    pi = n * s
    counts = np.zeros(40)
    for _ in range(draws):
        counts[skmm.sample_indices(s, n, "systematic", rng)] += 1
    freq = counts / draws
    se = np.sqrt(np.maximum(pi * (1 - pi), 1e-12) / draws)
    assert np.all(np.abs(freq - pi) <= 4.5 * se + 1e-12)
    assert np.all(freq[pi >= 1 - 1e-12] == 1.0), "points at the cap are always taken"


def test_authors_sampler_does_not_give_n_s(global_seed):
    """The authors' draw under-includes large weights: a 4.5-SE deviation shows up."""
    rng = np.random.default_rng(global_seed)
    n, draws = 8, 5_000
    s = capped_weights(40, n, rng)
    counts = np.zeros(40)
    for _ in range(draws):
        counts[skmm.sample_indices(s, n, "authors", rng)] += 1
    pi = n * s
    se = np.sqrt(np.maximum(pi * (1 - pi), 1e-12) / draws)
    assert np.max(np.abs(counts / draws - pi) / np.maximum(se, 1e-3)) > 4.5


def test_top_takes_the_largest_weights():
    s = np.array([0.1, 0.4, 0.0, 0.3, 0.2])
    np.testing.assert_array_equal(skmm.sample_indices(s, 2, "top", 0), [1, 3])


def test_same_rng_same_draw_and_bad_input():
    s = np.full(10, 0.1)
    a = skmm.sample_indices(s, 4, rng=np.random.default_rng(3))
    b = skmm.sample_indices(s, 4, rng=3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(skmm.ValidationError, match="n must be an int in"):
        skmm.sample_indices(s, 11)
    with pytest.raises(skmm.ValidationError, match="sampler must be one of"):
        skmm.sample_indices(s, 2, "bogus")
    with pytest.raises(skmm.ValidationError, match="at least n=4 positive"):
        skmm.sample_indices(np.array([1.0, 1, 1, 0, 0]), 4, "authors")
    with pytest.raises(skmm.ValidationError, match="inclusion probabilities"):
        skmm.sample_indices(np.array([0.7, 0.1, 0.1, 0.1]), 2)


def random_strata(size, n_strata, rng):
    """Integer labels (not 0..K-1, to exercise the relabelling) in n_strata groups."""
    return 7 * rng.integers(0, n_strata, size=size) - 3


def test_stratified_inclusion_frequencies_match_n_s(global_seed):
    """With strata the sweep order changes but each inclusion probability stays n s_i.

    T = 20,000 draws; each frequency within 4.5 binomial SEs of n s_i. With 40 indices and a
    two-sided 4.5-sigma allowance (normal approximation), a false failure has probability
    below 40 * 7e-6 = 3e-4.
    """
    rng = np.random.default_rng(global_seed)
    n, draws = 8, 20_000
    s = capped_weights(40, n, rng)
    strata = random_strata(40, 5, rng)
    pi = n * s
    counts = np.zeros(40)
    for _ in range(draws):
        counts[skmm.sample_indices(s, n, "systematic", rng, strata=strata)] += 1
    freq = counts / draws
    se = np.sqrt(np.maximum(pi * (1 - pi), 1e-12) / draws)
    assert np.all(np.abs(freq - pi) <= 4.5 * se + 1e-12)
    assert np.all(freq[pi >= 1 - 1e-12] == 1.0), "points at the cap are always taken"


def _stratum_counts(indices, labels, n_strata):
    return np.bincount(labels[indices], minlength=n_strata)


def test_each_stratum_gets_floor_or_ceil_of_its_mass(global_seed):
    """A stratum with total inclusion probability M gets floor(M) or ceil(M) points.

    Each stratum is a contiguous block of the sweep, and a block of length M holds floor(M)
    or ceil(M) of the equally spaced points u + k; in particular a stratum with M >= 1 is
    never missed. Checked exactly on every draw (no Monte Carlo allowance); the same check on
    the random-order sweep must fail somewhere, or the property would not be the strata's.
    """
    rng = np.random.default_rng(global_seed)
    n, n_strata = 10, 6
    violations_unstratified = 0
    for _ in range(40):
        s = capped_weights(60, n, rng)
        labels = rng.integers(0, n_strata, size=60)
        mass = np.bincount(labels, weights=n * s, minlength=n_strata)
        low, high = np.floor(mass - 1e-9), np.ceil(mass + 1e-9)
        for _ in range(50):
            got = _stratum_counts(
                skmm.sample_indices(s, n, "systematic", rng, strata=labels), labels, n_strata
            )
            assert np.all((got >= low) & (got <= high)), (got, mass)
            plain = _stratum_counts(skmm.sample_indices(s, n, "systematic", rng), labels, n_strata)
            violations_unstratified += int(np.any((plain < low) | (plain > high)))
    assert violations_unstratified > 0


def test_stratified_draw_is_n_distinct_and_reproducible(global_seed):
    rng = np.random.default_rng(global_seed)
    for n in (1, 3, 10, 25):
        s = capped_weights(30, n, rng)
        strata = random_strata(30, 4, rng)
        for _ in range(50):
            indices = skmm.sample_indices(s, n, "systematic", rng, strata=strata)
            assert indices.shape == (n,) and np.unique(indices).size == n
            assert indices.min() >= 0 and indices.max() < 30
        seed = int(rng.integers(2**31))
        a = skmm.sample_indices(s, n, "systematic", seed, strata=strata)
        b = skmm.sample_indices(s, n, "systematic", np.random.default_rng(seed), strata=strata)
        np.testing.assert_array_equal(a, b)


def test_bad_strata():
    s = np.full(10, 0.1)
    with pytest.raises(skmm.ValidationError, match=r"strata must have shape \(10,\)"):
        skmm.sample_indices(s, 3, strata=np.zeros(9, dtype=int))
    with pytest.raises(skmm.ValidationError, match="strata must be an array of ints.*float"):
        skmm.sample_indices(s, 3, strata=np.zeros(10))
    with pytest.raises(skmm.ValidationError, match="strata must be an array of ints.*bool"):
        skmm.sample_indices(s, 3, strata=np.zeros(10, dtype=bool))
    with pytest.raises(skmm.ValidationError, match="strata is only used by sampler='systematic'"):
        skmm.sample_indices(s, 3, "top", strata=np.zeros(10, dtype=int))


def test_dominant_direction_is_the_largest_whitened_entry():
    z = np.array([[0.1, -2.0, 0.5], [3.0, 0.0, -1.0], [0.2, 0.3, -0.4]])
    np.testing.assert_array_equal(skmm_sampling.dominant_direction(z), [1, 0, 2])
    with pytest.raises(skmm.ValidationError, match="whitened must be a 2-d array"):
        skmm_sampling.dominant_direction(np.zeros(3))


def test_select_stratified_sweeps_the_sketch_directions(global_seed):
    """select's default draw equals sample_indices with the sketch's dominant directions."""
    import warnings

    from skmm_convex.selection import skmm_streams
    from skmm_convex.sketch import sketch_features

    data = skmm.make_gmm(300, 200, 4, std_max=0.04, rng=global_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skmm.DegenerateProblemWarning)
        sel = skmm.select(data.features, 20, rng=global_seed, sketch_dim=8)
    assert sel.sampler == "stratified"
    sketch_rng, _, sample_rng = skmm_streams(global_seed)
    moments = skmm.compute_moments(sketch_features(data.features, 8, "gaussian", sketch_rng))
    strata = skmm_sampling.dominant_direction(moments.whitened)
    expected = skmm.sample_indices(sel.weights, 20, "systematic", sample_rng, strata=strata)
    np.testing.assert_array_equal(sel.indices, expected)
