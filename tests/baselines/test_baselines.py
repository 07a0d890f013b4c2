"""Every selection method held to one contract; the baselines cross-checked by brute force."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.baselines import (
    DEFAULT_RANK,
    RowGeometry,
    adaptive_order,
    herding_order,
    kcenter_order,
    ridge_leverage_scores,
    truncated_leverage_scores,
)
from skmm_convex.errors import ValidationError
from skmm_convex.selection import DEFAULT_SKETCH_DIM, METHODS, select


@pytest.fixture(scope="module")
def small_data():
    return skmm.make_gmm(120, 150, 4, std_max=0.04, rng=3)


class SelectorContract:
    """The promises every method of METHODS keeps (subclasses set ``method``)."""

    method: str
    has_weights = False  # only SkMM and v-optimal draw their indices from sampling weights s
    n = 12

    def choose(self, features, n, rng):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", skmm.DegenerateProblemWarning)
            return select(features, n, self.method, rng=rng)

    def test_n_distinct_indices_in_range(self, small_data, global_seed):
        sel = self.choose(small_data.features, self.n, global_seed)
        indices = np.asarray(sel.indices)
        assert indices.shape == (self.n,)
        assert np.issubdtype(indices.dtype, np.integer)
        assert np.unique(indices).size == self.n
        assert indices.min() >= 0 and indices.max() < small_data.features.shape[0]
        assert sel.method == self.method

    def test_same_rng_same_result(self, small_data, global_seed):
        first = self.choose(small_data.features, self.n, global_seed)
        again = self.choose(small_data.features, self.n, np.random.default_rng(global_seed))
        np.testing.assert_array_equal(first.indices, again.indices)

    def test_weights_exactly_where_the_method_has_them(self, small_data, global_seed):
        sel = self.choose(small_data.features, self.n, global_seed)
        if not self.has_weights:
            assert sel.weights is None and sel.solution is None and sel.sampler is None
            return
        weights = sel.weights
        assert isinstance(weights, np.ndarray)
        assert weights.shape == (small_data.features.shape[0],)
        # on the capped simplex {0 <= s <= 1/n, sum s = 1}
        assert np.isclose(weights.sum(), 1.0, atol=1e-8)
        assert weights.min() >= -1e-12
        assert weights.max() <= 1.0 / self.n + 1e-9
        # the weights of the solution, and the indices drawn where they are positive
        np.testing.assert_array_equal(weights, sel.solution.s)
        assert np.all(weights[sel.indices] > 0)

    @pytest.mark.parametrize("bad", [0, 121, -3, 2.5, True, "12"])
    def test_bad_n_raises_naming_n(self, small_data, bad):
        with pytest.raises(ValidationError, match=r"^n must be"):
            select(small_data.features, bad, self.method, rng=0)

    def test_full_budget_takes_every_row(self, small_data):
        n_rows = small_data.features.shape[0]
        sel = self.choose(small_data.features, n_rows, 0)
        assert sorted(sel.indices.tolist()) == list(range(n_rows))


class TestSkmm(SelectorContract):
    method = "skmm"
    has_weights = True


class TestUniform(SelectorContract):
    method = "uniform"


class TestHerding(SelectorContract):
    method = "herding"


class TestKcenter(SelectorContract):
    method = "kcenter"


class TestAdaptive(SelectorContract):
    method = "adaptive"


class TestLeverage(SelectorContract):
    method = "leverage"


class TestRidgeLeverage(SelectorContract):
    method = "ridge-leverage"


class TestSkmmV2(SelectorContract):
    method = "skmm-v2"


class TestVOptimal(SelectorContract):
    method = "v-optimal"
    has_weights = True


def test_every_method_is_held_to_the_contract():
    covered = {cls.method for cls in SelectorContract.__subclasses__()}
    assert covered == set(METHODS)
    weighted = {cls.method for cls in SelectorContract.__subclasses__() if cls.has_weights}
    assert weighted == {"skmm", "v-optimal"}


# --- brute-force cross-checks of the vectorised greedy methods ------------------------------


def _herding_literal(x, n):
    """DeepCore's loop: distances from (i+1) mu - sum(selected) to unselected rows, argmax."""
    mu = x.mean(axis=0)
    selected = np.zeros(len(x), dtype=bool)
    order = []
    for i in range(n):
        target = (i + 1) * mu - x[selected].sum(axis=0)
        dist = np.linalg.norm(x[~selected] - target, axis=1)
        pick = np.flatnonzero(~selected)[np.argmax(dist)]
        selected[pick] = True
        order.append(pick)
    return np.array(order)


def _kcenter_literal(x, n, first):
    order = [first]
    while len(order) < n:
        dist = np.min(np.linalg.norm(x[:, None, :] - x[order][None], axis=2), axis=1)
        dist[order] = -1
        order.append(int(np.argmax(dist)))
    return np.array(order)


def _adaptive_literal(x, n, rng):
    """Gram-Schmidt on the rows with pivots drawn by the same inverse-CDF rule."""
    d = np.sum(x**2, axis=1)
    q = []
    order = []
    for _ in range(n):
        cumulative = np.cumsum(d)
        pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        v = x[pick] - sum((x[pick] @ u) * u for u in q) if q else x[pick].copy()
        u = v / np.linalg.norm(v)
        q.append(u)
        d = np.maximum(d - (x @ u) ** 2, 0.0)
        d[order + [pick]] = 0.0
        order.append(pick)
    return np.array(order)


@pytest.mark.parametrize("use_gram", [True, False])
def test_greedy_orders_match_literal_loops(small_data, use_gram, global_seed):
    x = small_data.features
    geometry = RowGeometry(x, use_gram=use_gram)
    np.testing.assert_array_equal(herding_order(geometry, 30), _herding_literal(x, 30))
    first = int(np.random.default_rng(global_seed).integers(len(x)))
    np.testing.assert_array_equal(
        kcenter_order(geometry, 30, first), _kcenter_literal(x, 30, first)
    )
    ours = adaptive_order(geometry, 30, np.random.default_rng(global_seed))
    literal = _adaptive_literal(x, 30, np.random.default_rng(global_seed))
    np.testing.assert_array_equal(ours, literal)


def test_greedy_picks_are_prefixes(small_data):
    geometry = RowGeometry(small_data.features)
    np.testing.assert_array_equal(herding_order(geometry, 40)[:10], herding_order(geometry, 10))
    long = adaptive_order(geometry, 40, np.random.default_rng(5))
    np.testing.assert_array_equal(long[:10], adaptive_order(geometry, 10, np.random.default_rng(5)))


def test_kcenter_first_center_comes_from_rng(small_data):
    sel = select(small_data.features, 5, "kcenter", rng=7)
    first = int(np.random.default_rng(7).integers(small_data.features.shape[0]))
    assert first in sel.indices


def test_adaptive_fills_up_when_rank_is_exhausted():
    x = np.zeros((10, 3))
    x[:3] = np.eye(3)
    sel = select(x, 6, "adaptive", rng=0)
    assert set(range(3)) <= set(sel.indices.tolist())
    assert np.unique(sel.indices).size == 6


# --- leverage scores against the SVD -------------------------------------------------------


@pytest.mark.parametrize("shape", [(40, 60), (60, 25)])
def test_leverage_scores_match_svd(shape, global_seed):
    x = np.random.default_rng(global_seed).standard_normal(shape)
    x[:, 0] *= 10.0
    u, sing, _ = np.linalg.svd(x, full_matrices=False)
    for rank in (1, 5, min(shape)):
        expected = np.sum(u[:, :rank] ** 2, axis=1)
        np.testing.assert_allclose(truncated_leverage_scores(x, rank), expected, atol=1e-10)
    for alpha in (0.1, 10.0, 1e4):
        expected = np.sum(u**2 * (sing**2 / (sing**2 + alpha)), axis=1)
        np.testing.assert_allclose(ridge_leverage_scores(x, alpha), expected, atol=1e-10)


def test_leverage_default_rank_is_the_sketch_dim():
    assert DEFAULT_RANK == DEFAULT_SKETCH_DIM


def test_leverage_option_validation(small_data):
    with pytest.raises(ValidationError, match="rank must be an int in"):
        select(small_data.features, 5, "leverage", rng=0, rank=121)
    with pytest.raises(ValidationError, match="alpha must be a positive"):
        select(small_data.features, 5, "ridge-leverage", rng=0, alpha=0.0)
    with pytest.raises(ValidationError, match="does not take these options"):
        select(small_data.features, 5, "herding", rng=0, rank=3)


def test_deterministic_methods_still_validate_rng(small_data):
    with pytest.raises(ValidationError, match="rng must be"):
        select(small_data.features, 5, "herding", rng="zero")


# --- the authors' seed -> coreset map, against straight ports of their code ------------------
# Ports of the authors' notebook code (github.com/Xiang-Pan/sketchy_moment_matching,
# synthetic/toy.ipynb and toy_shared240801.ipynb, with the vendored DeepCore's
# k_center_greedy), kept as plain loops on purpose.


def _euclidean(x, y):
    """DeepCore's ``euclidean_dist``: sqrt(clamp(|x|^2 + |y|^2 - 2 x y', 1e-12)).

    In float64: DeepCore's float32 tensors round near-ties differently on this small instance
    (not on the Table-1 instance, where the float32 port picks the same points).
    """
    xx = np.sum(x**2, axis=1)[:, None]
    yy = np.sum(y**2, axis=1)[None, :]
    return np.sqrt(np.maximum(xx + yy - 2 * x @ y.T, 1e-12))


def _authors_kcenter(x, budget, seed):
    """``np.random.seed(seed); np.random.randint(0, N)``, then DeepCore's greedy; a mask."""
    state = np.random.get_state()  # noqa: NPY002 (their legacy global stream)
    try:
        np.random.seed(seed)  # noqa: NPY002
        already_selected = [np.random.randint(0, x.shape[0])]  # noqa: NPY002
    finally:
        np.random.set_state(state)  # noqa: NPY002
    select_result = np.zeros(x.shape[0], dtype=bool)
    select_result[already_selected] = True
    mins = np.min(_euclidean(x[already_selected], x), axis=0)
    for i in range(budget - 1):
        p = int(np.argmax(mins))
        select_result[p] = True
        if i == budget - 2:
            break
        mins[p] = -1
        new_row = np.full(x.shape[0], -1.0)
        new_row[~select_result] = _euclidean(x[[p]], x[~select_result])[0]
        mins = np.minimum(mins, new_row)
    return np.flatnonzero(select_result)


def _authors_rpid(x, k, seed):
    """The notebooks' ``rpid(X, k, mode="rp")``: pivots over the permuted tail."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    row_perm = np.arange(n)
    sqrownorms = np.sum(x**2, axis=1)
    q_basis = np.zeros((x.shape[1], k))
    for i in range(k):
        weights = sqrownorms[row_perm[i:]]
        piv = i + rng.choice(n - i, p=weights / np.sum(weights))
        row_perm[[i, piv]] = row_perm[[piv, i]]
        row = x[row_perm[i]]
        q = row - q_basis[:, :i] @ (q_basis[:, :i].T @ row)
        q /= np.linalg.norm(q)
        q_basis[:, i] = q
        sqrownorms = np.maximum(sqrownorms - (x @ q) ** 2, 0.0)
    return row_perm[:k]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 7, 42])
def test_kcenter_authors_seeding_is_their_coreset(small_data, seed):
    x = small_data.features
    for n in (5, 17):
        sel = select(x, n, "kcenter", rng=seed, seeding="authors")
        np.testing.assert_array_equal(sel.indices, _authors_kcenter(x, n, seed))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 7, 42])
def test_adaptive_authors_pivots_are_their_coreset(small_data, seed):
    x = small_data.features
    sel = select(x, 20, "adaptive", rng=seed, pivots="authors")
    np.testing.assert_array_equal(sel.indices, _authors_rpid(x, 20, seed))


def test_the_two_pivot_draws_differ_only_in_the_seed_map(small_data):
    """Same distribution, other seed -> pivot map (the permutation only acts from step 2)."""
    x = small_data.features
    geometry = RowGeometry(x)
    seeds = range(600)
    ours = np.array([adaptive_order(geometry, 2, np.random.default_rng(s)) for s in seeds])
    theirs = np.array(
        [adaptive_order(geometry, 2, np.random.default_rng(s), "authors") for s in seeds]
    )
    np.testing.assert_array_equal(ours[:, 0], theirs[:, 0])  # identity permutation at first
    assert np.any(ours[:, 1] != theirs[:, 1])  # then another seed -> coreset map ...
    clusters = small_data.cluster_ids
    counts_ours = np.bincount(clusters[ours[:, 1]], minlength=4)
    counts_theirs = np.bincount(clusters[theirs[:, 1]], minlength=4)
    # ... of the same distribution: the second pivots' clusters agree within 4 sigma
    spread = 4 * np.sqrt(counts_ours + counts_theirs + 1)
    assert np.all(np.abs(counts_ours - counts_theirs) <= spread)


def test_authors_options_validation(small_data):
    x = small_data.features
    with pytest.raises(ValidationError, match="seeding must be one of"):
        select(x, 5, "kcenter", rng=0, seeding="legacy")
    with pytest.raises(ValidationError, match=r"rng \(with seeding='authors'\) must be an int"):
        select(x, 5, "kcenter", rng=np.random.default_rng(0), seeding="authors")
    with pytest.raises(ValidationError, match="pivots must be one of"):
        select(x, 5, "adaptive", rng=0, pivots="greedy")
