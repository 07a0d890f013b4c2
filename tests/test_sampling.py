"""Samplers: n distinct indices; systematic sampling has inclusion probabilities n s."""

import numpy as np
import pytest

import skmm_convex as skmm
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
