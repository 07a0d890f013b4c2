"""The ridge protocol of the paper's Table 1, on hand-checkable cases and the real instance."""

from __future__ import annotations

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.errors import ValidationError
from skmm_convex.evaluation.ridge import (
    ALPHA_GRID,
    LSQR_TOL,
    coreset_risk,
    fit_coreset,
    full_data_risk,
)


def test_protocol_constants():
    assert LSQR_TOL == 1e-3
    np.testing.assert_allclose(ALPHA_GRID, [0.001 + 100 * k / 9 - 0.001 * k / 9 for k in range(10)])
    assert ALPHA_GRID[0] == 1e-3 and ALPHA_GRID[-1] == 100.0


def test_hand_checked_orthogonal_case():
    # coreset rows e1, e2, e1, e2 with labels 2, 3, 2, 3: each fold trains on (e1, e2) and tests
    # on (e1, e2); the ridge fit shrinks by 1/(1 + alpha), so the smallest alpha wins. Refit on
    # all four rows: X'X = 2 I, X'y = (4, 6), theta = (4, 6) / (2 + 1e-3).
    features = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]])
    labels = np.array([2.0, 3.0, 2.0, 3.0, 5.0, 4.0])
    fit = fit_coreset(features, labels, np.arange(4))
    assert fit.alpha == pytest.approx(1e-3)
    theta = np.array([4.0, 6.0]) / 2.001
    np.testing.assert_allclose(fit.coef, theta, rtol=1e-9)
    expected = np.mean((labels - features @ theta) ** 2)
    assert fit.risk == pytest.approx(expected, rel=1e-9)
    assert coreset_risk(features, labels, np.arange(4)) == fit.risk


def test_order_reaches_the_unshuffled_split():
    # rows a = (1, 0.5) with label 1 and b = (0, 1) with label 0. Sorted [a, a, b, b], the
    # second fold trains on a only and predicts b' theta = 0.5 * 2 / (2.5 + alpha) for label
    # 0, an error that falls as alpha grows (the first fold's error does not depend on alpha),
    # so alpha = 100 wins. Interleaved [a, b, a, b], each fold sees both rows and fits them
    # exactly, so the smallest alpha wins.
    features = np.array([[1.0, 0.5], [1.0, 0.5], [0.0, 1.0], [0.0, 1.0]])
    labels = np.array([1.0, 1.0, 0.0, 0.0])
    assert fit_coreset(features, labels, [0, 1, 2, 3]).alpha == pytest.approx(100.0)
    assert fit_coreset(features, labels, [0, 2, 1, 3]).alpha == pytest.approx(1e-3)


@pytest.mark.parametrize(
    ("indices", "match"),
    [
        ([0, 1, 2], "at least 4"),
        ([0, 1, 2, 2], "distinct"),
        ([0, 1, 2, 9], "lie in"),
        ([[0, 1], [2, 3]], "1-d array"),
    ],
)
def test_bad_indices(indices, match):
    features = np.eye(6)
    with pytest.raises(ValidationError, match=match):
        coreset_risk(features, np.arange(6.0), indices)


def test_bad_labels():
    with pytest.raises(ValidationError, match=r"labels must have shape \(N,\) = \(6,\)"):
        coreset_risk(np.eye(6), np.arange(5.0), [0, 1, 2, 3])
    with pytest.raises(ValidationError, match="NaN"):
        coreset_risk(np.eye(6), np.array([0, 1, 2, np.nan, 4, 5.0]), [0, 1, 2, 3])


@pytest.fixture(scope="module")
def table1():
    return skmm.make_table1_gmm()


def test_full_data_risk_is_the_poster_floor(table1):
    # the poster: 2.95e-3, which only LSQR's early stop at tol=1e-3 produces
    assert full_data_risk(table1.features, table1.labels) == pytest.approx(2.95e-3, rel=0.01)


@pytest.mark.parametrize(
    ("n", "poster"), [(48, 7.40e2), (120, 7.40e2), (800, 1.17e2), (1600, 2.95e-3)]
)
def test_herding_reproduces_the_poster_row(table1, n, poster):
    indices = skmm.select(table1.features, n, "herding").indices
    risk = coreset_risk(table1.features, table1.labels, indices)
    assert float(f"{risk:.3g}") == poster
