"""Uniform sampling without replacement, the authors' ``default_rng(seed).choice``."""

from __future__ import annotations

from typing import Any

from .._validation import RngLike, as_generator, check_int, check_matrix
from ..results import Selection

__all__ = ["select_uniform"]


def select_uniform(features: Any, n: int, *, rng: RngLike = None) -> Selection:
    """n distinct rows uniformly at random.

    Parameters
    ----------
    features : array_like or sparse matrix, shape (N, r)
        Only its number of rows is used.
    n : int
        Coreset size, in ``[1, N]``.
    rng : int, Generator or None

    Returns
    -------
    Selection
        ``indices`` in draw order (``rng.choice(N, n, replace=False)``, as the authors'
        notebook draws them), not sorted.

    Notes
    -----
    The draw order is kept because the evaluation protocol's unshuffled 2-fold split sees the
    coreset in the order given, and the Table-1 data are sorted by cluster (see
    :func:`skmm_convex.evaluation.ridge.coreset_risk`).
    """
    matrix = check_matrix(features)
    n = check_int(n, "n", 1, matrix.shape[0])
    indices = as_generator(rng).choice(matrix.shape[0], n, replace=False)
    return Selection(indices, "uniform")
