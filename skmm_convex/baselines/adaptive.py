"""Adaptive sampling by random pivoting (randomly pivoted partial Cholesky on the rows)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import RngLike, as_generator, check_int, check_matrix
from ..results import Selection
from ._gram import RowGeometry

__all__ = ["adaptive_order", "select_adaptive"]


def adaptive_order(geometry: RowGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """The first n random pivots in the order drawn, shape (n,).

    One uniform draw per step (inverse-CDF on the residual norms), so the pivots do not depend
    on n: ``adaptive_order(g, n, rng)[:k]`` equals ``adaptive_order(g, k, rng')[:k]`` for
    generators in the same state. If every residual vanishes before n pivots (``rank(X) < n``)
    the remaining points are drawn uniformly among the unselected rows.
    """
    n_samples = geometry.n_samples
    residual = geometry.sq_norms.astype(float).copy()
    factor = np.empty((n, n_samples))  # F', row-major so that F'[:k] is contiguous
    order = np.empty(n, dtype=np.intp)
    selected = np.zeros(n_samples, dtype=bool)
    for step in range(n):
        cumulative = np.cumsum(residual)
        total = cumulative[-1]
        if not total > 0:
            rest = np.flatnonzero(~selected)
            order[step:] = rng.choice(rest, n - step, replace=False)
            break
        pick = int(np.searchsorted(cumulative, rng.random() * total, side="right"))
        pick = min(pick, n_samples - 1)
        column = geometry.column(pick) - factor[:step, pick] @ factor[:step]
        pivot = column[pick]
        order[step] = pick
        selected[pick] = True
        if pivot > 0:
            factor[step] = column / np.sqrt(pivot)
            residual -= factor[step] ** 2
            np.maximum(residual, 0.0, out=residual)
        else:
            factor[step] = 0.0
        residual[selected] = 0.0
    return order


def select_adaptive(features: Any, n: int, *, rng: RngLike = None) -> Selection:
    """Adaptive sampling: pivots drawn with probability proportional to the residual norms.

    Parameters
    ----------
    features : array_like or sparse matrix, shape (N, r)
    n : int
        Coreset size, in ``[1, N]``.
    rng : int, Generator or None
        Draws the pivots.

    Returns
    -------
    Selection
        ``indices`` in pivot order.

    Notes
    -----
    The authors' ``rpid(X, n, mode="rp")`` (after Dong's robust blockwise random pivoting):
    start from ``d_i = ||x_i||^2``; at each step draw pivot ``j`` with probability
    ``d_j / sum(d)``, orthogonalise ``x_j`` against the chosen directions, normalise it to
    ``q`` and update ``d_i -= (x_i' q)^2`` (clipped at 0). We run the same recursion on the
    Gram matrix ``K = X X'`` (randomly pivoted partial Cholesky): the new Cholesky column
    ``f = (K[:, j] - F F[j]') / sqrt(d_j)`` is exactly ``X q``, so ``d_i -= f_i^2`` is the
    same update; only rounding differs. The authors stop early when every residual is 0 (and
    return fewer than n points); we fill the remainder uniformly so that n points come back.
    """
    matrix = check_matrix(features)
    n = check_int(n, "n", 1, matrix.shape[0])
    order = adaptive_order(RowGeometry(matrix), n, as_generator(rng))
    return Selection(order, "adaptive")
