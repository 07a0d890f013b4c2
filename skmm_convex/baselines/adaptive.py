"""Adaptive sampling by random pivoting (randomly pivoted partial Cholesky on the rows)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import RngLike, as_generator, check_choice, check_int, check_matrix
from ..results import Selection
from ._gram import RowGeometry

__all__ = ["PIVOT_DRAWS", "adaptive_order", "select_adaptive"]


PIVOT_DRAWS = ("inverse-cdf", "authors")


def _draw_inverse_cdf(residual: np.ndarray, rng: np.random.Generator, _perm, _step) -> int:
    """One uniform, inverted on the cumulative residuals in the natural row order."""
    cumulative = np.cumsum(residual)
    pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    return min(pick, residual.size - 1)


def _draw_authors(residual: np.ndarray, rng: np.random.Generator, perm, step) -> int:
    """The authors' draw over the permuted tail, then their swap of the pivot into place."""
    tail = residual[perm[step:]]
    offset = int(rng.choice(tail.size, p=tail / tail.sum()))
    perm[step], perm[step + offset] = perm[step + offset], perm[step]
    return int(perm[step])


def adaptive_order(
    geometry: RowGeometry, n: int, rng: np.random.Generator, pivots: str = "inverse-cdf"
) -> np.ndarray:
    """The first n random pivots in the order drawn, shape (n,).

    One uniform draw per step, so the pivots do not depend on n: ``adaptive_order(g, n,
    rng)[:k]`` equals ``adaptive_order(g, k, rng')[:k]`` for generators in the same state.
    ``pivots`` says how that uniform becomes a row (see :func:`select_adaptive`): both rules
    draw row j with probability ``d_j / sum(d)``, but map the same uniform to different
    rows. If every residual vanishes before n pivots (``rank(X) < n``) the remaining points
    are drawn uniformly among the unselected rows.
    """
    draw = {"inverse-cdf": _draw_inverse_cdf, "authors": _draw_authors}[pivots]
    n_samples = geometry.n_samples
    residual = geometry.sq_norms.astype(float).copy()
    factor = np.empty((n, n_samples))  # F', row-major so that F'[:k] is contiguous
    order = np.empty(n, dtype=np.intp)
    selected = np.zeros(n_samples, dtype=bool)
    perm = np.arange(n_samples)  # the authors' row permutation: pivots first
    for step in range(n):
        if not residual.sum() > 0:
            rest = np.flatnonzero(~selected)
            order[step:] = rng.choice(rest, n - step, replace=False)
            break
        pick = draw(residual, rng, perm, step)
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


def select_adaptive(
    features: Any, n: int, *, rng: RngLike = None, pivots: str = "inverse-cdf"
) -> Selection:
    """Adaptive sampling: pivots drawn with probability proportional to the residual norms.

    Parameters
    ----------
    features : array_like or sparse matrix, shape (N, r)
    n : int
        Coreset size, in ``[1, N]``.
    rng : int, Generator or None
        Draws the pivots, one uniform per pivot.
    pivots : {"inverse-cdf", "authors"}
        How a uniform becomes a pivot. ``"inverse-cdf"`` (default): inverted on the
        cumulative residuals in the natural row order. ``"authors"``: their notebook's
        ``i + rng.choice(N - i, p=d[perm[i:]] / sum)`` over the tail of a row permutation
        that swaps each pivot to the front (``perm[i], perm[j] = perm[j], perm[i]``), with
        ``rng = default_rng(seed)``: the same distribution, but seed k then gives the
        coreset of their seed k. ``reproduce gmm`` uses it; the default keeps a draw that
        does not depend on a permutation's history.

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
    pivots = check_choice(pivots, "pivots", PIVOT_DRAWS)
    order = adaptive_order(RowGeometry(matrix), n, as_generator(rng), pivots)
    return Selection(order, "adaptive")
