"""SkMMv2: Woodbury updates against direct recomputation, and the authors' loop in G~ space."""

from __future__ import annotations

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.baselines import RowGeometry, adaptive_order
from skmm_convex.baselines.skmm_v2 import (
    block_gains,
    seed_size,
    skmm_v2_order,
    woodbury_downdate,
)
from skmm_convex.errors import ValidationError
from skmm_convex.selection import select


@pytest.fixture(scope="module")
def moments():
    data = skmm.make_gmm(160, 100, 5, std_max=0.05, rng=4)
    return skmm.compute_moments(skmm.sketch_features(data.features, 10, "gaussian", 2))


def test_gains_are_the_trace_decrease(moments, global_seed):
    z = moments.whitened
    rng = np.random.default_rng(global_seed)
    seeds = rng.choice(z.shape[0], 15, replace=False)
    gram = z[seeds].T @ z[seeds]
    inverse = np.linalg.inv(gram)
    gains = block_gains(z @ inverse, z, float(z.shape[0]))
    for i in rng.choice(z.shape[0], 10, replace=False):
        after = np.linalg.inv(gram + np.outer(z[i], z[i]))
        direct = z.shape[0] * (np.trace(inverse) - np.trace(after))
        assert np.isclose(gains[i], direct, rtol=1e-9)


@pytest.mark.parametrize("block", [1, 2, 5])
def test_woodbury_updates_equal_a_direct_recomputation(moments, block, global_seed):
    z = moments.whitened
    rng = np.random.default_rng(global_seed)
    order = list(rng.choice(z.shape[0], 12, replace=False))
    candidates = np.setdiff1d(np.arange(z.shape[0]), order)
    interpolation = z[candidates] @ np.linalg.inv(z[order].T @ z[order])
    for _ in range(4):
        idx = rng.choice(candidates.size, block, replace=False)
        keep = np.ones(candidates.size, dtype=bool)
        keep[idx] = False
        block_rows = z[candidates[idx]]
        interpolation = woodbury_downdate(interpolation[keep], interpolation[idx], block_rows)
        order += list(candidates[idx])
        candidates = candidates[keep]
        direct = z[candidates] @ np.linalg.inv(z[order].T @ z[order])
        np.testing.assert_allclose(interpolation, direct, rtol=1e-9, atol=1e-12)


def _authors_loop(sketch, n, seeds, block, rng):
    """The notebook's SkMMv2 in G~ space (R from the QR of G~), A^-1 recomputed every block."""
    order = list(adaptive_order(RowGeometry(sketch), seeds, rng))
    _, r_factor = np.linalg.qr(sketch)
    blocks = []
    while len(order) < n:
        b = min(block, n - len(order))
        candidates = np.setdiff1d(np.arange(sketch.shape[0]), order)
        inverse = np.linalg.inv(sketch[order].T @ sketch[order])
        interp = sketch[candidates] @ inverse
        leverage = np.sum(interp * sketch[candidates], axis=1)
        scores = np.linalg.norm(interp @ r_factor.T, axis=1) ** 2 / (1 + leverage)
        top = candidates[np.argsort(-scores)[:b]]
        blocks.append(set(top.tolist()))
        order += list(top)
    return order, blocks


@pytest.mark.parametrize("block", [1, 3])
def test_greedy_matches_the_authors_loop(moments, block, global_seed):
    n, seeds = 40, moments.sketch.shape[1]
    ours = skmm_v2_order(
        moments.sketch,
        moments.whitened,
        n,
        seeds,
        block_size=block,
        sampler="greedy",
        rng=np.random.default_rng(global_seed),
    )
    rng = np.random.default_rng(global_seed)
    theirs, blocks = _authors_loop(moments.sketch, n, seeds, block, rng)
    np.testing.assert_array_equal(ours[:seeds], theirs[:seeds])
    ours_blocks = [set(ours[i : i + block].tolist()) for i in range(seeds, n, block)]
    assert ours_blocks == blocks


def test_exp_at_tiny_temperature_is_the_greedy_choice(moments, global_seed):
    common = dict(block_size=1, rng=None)
    args = (moments.sketch, moments.whitened, 30, moments.sketch.shape[1])
    greedy = skmm_v2_order(
        *args, **{**common, "rng": np.random.default_rng(global_seed)}, sampler="greedy"
    )
    cold = skmm_v2_order(
        *args,
        **{**common, "rng": np.random.default_rng(global_seed)},
        sampler="exp",
        temperature=1e-9,
    )
    np.testing.assert_array_equal(greedy, cold)


def test_seed_size_is_the_authors_rule():
    assert seed_size(100, 32) == 32
    assert seed_size(52, 32) == 32
    assert seed_size(48, 32) == 28
    assert seed_size(30, 32) == 15
    assert seed_size(12, 32) == 6
    assert seed_size(1, 32) == 1


@pytest.mark.parametrize("sampler", ["exp", "linear", "greedy"])
def test_same_rng_same_indices(sampler, global_seed):
    data = skmm.make_gmm(200, 80, 4, std_max=0.04, rng=1)
    first = select(data.features, 40, "skmm-v2", rng=global_seed, sampler=sampler, block_size=3)
    again = select(
        data.features,
        40,
        "skmm-v2",
        rng=np.random.default_rng(global_seed),
        sampler=sampler,
        block_size=3,
    )
    np.testing.assert_array_equal(first.indices, again.indices)
    assert np.unique(first.indices).size == 40
    other = select(data.features, 40, "skmm-v2", rng=global_seed + 1, sampler=sampler, block_size=3)
    assert not np.array_equal(first.indices, other.indices)


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"block_size": 0}, r"^block_size must be an int >= 1, got 0"),
        ({"block_size": 2.0}, r"^block_size must be an int >= 1"),
        ({"sampler": "top"}, r"^sampler must be one of 'exp', 'linear', 'greedy'"),
        ({"temperature": 0.0}, r"^temperature must be a positive finite number"),
        ({"sketch": "srht"}, r"^sketch must be one of"),
        ({"sketch_dim": 65}, r"^sketch_dim must be an int in \[1, 64\]"),
    ],
)
def test_bad_options_name_the_argument(options, pattern):
    data = skmm.make_gmm(60, 64, 3, rng=0)
    with pytest.raises(ValidationError, match=pattern):
        select(data.features, 30, "skmm-v2", rng=0, **options)


def test_rank_deficient_features_still_give_n_points():
    x = np.zeros((50, 40))
    x[:, :3] = np.random.default_rng(0).standard_normal((50, 3))  # rank 3 < m
    sel = select(x, 30, "skmm-v2", rng=0, sketch_dim=10)
    assert np.unique(sel.indices).size == 30
