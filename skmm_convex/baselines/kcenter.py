"""K-center greedy (farthest-first traversal), adapted from DeepCore as the authors did."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import RngLike, as_generator, check_choice, check_int, check_matrix
from ..results import Selection
from ._gram import RowGeometry

__all__ = ["SEEDINGS", "authors_first_center", "kcenter_order", "select_kcenter"]

SEEDINGS = ("generator", "authors")


def authors_first_center(seed: int, n_samples: int) -> int:
    """The first center the authors' code takes for ``seed``.

    ``np.random.seed(seed); np.random.randint(0, N)`` (their notebook, before DeepCore's
    ``k_center_greedy``), the same draw as ``np.random.RandomState(seed).randint(0, N)``;
    numpy's global state is left alone.

    Parameters
    ----------
    seed : int
        A non-negative int (a Generator cannot be mapped to the legacy stream).
    n_samples : int
        N.

    Returns
    -------
    int
    """
    seed = check_int(seed, "rng (with seeding='authors')", 0, 2**32 - 1)
    return int(np.random.RandomState(seed).randint(0, n_samples))


def kcenter_order(geometry: RowGeometry, n: int, first: int) -> np.ndarray:
    """The first n k-center picks, starting from row ``first``, in pick order, shape (n,).

    Keeps ``d_j = min_{s in S} ||x_j - x_s||^2`` and adds ``argmax_j d_j``; with
    ``||x_j - x_p||^2 = ||x_j||^2 + ||x_p||^2 - 2 K[j, p]`` every update is O(N). The picks
    do not depend on n, so ``kcenter_order(g, n, f)[:k]`` is the order for any ``k <= n``.
    """
    order = np.empty(n, dtype=np.intp)
    min_sq = np.full(geometry.n_samples, np.inf)
    pick = first
    for step in range(n):
        order[step] = pick
        if step == n - 1:
            break
        sq_dist = geometry.sq_norms + geometry.sq_norms[pick] - 2.0 * geometry.column(pick)
        np.minimum(min_sq, np.maximum(sq_dist, 0.0), out=min_sq)
        min_sq[pick] = -1.0  # stays -1 under later minima: never picked again
        pick = int(np.argmax(min_sq))
    return order


def select_kcenter(
    features: Any, n: int, *, rng: RngLike = None, seeding: str = "generator"
) -> Selection:
    """K-center greedy: a random first center, then n - 1 farthest-first picks.

    Parameters
    ----------
    features : array_like or sparse matrix, shape (N, r)
    n : int
        Coreset size, in ``[1, N]``.
    rng : int, Generator or None
        Draws the first center.
    seeding : {"generator", "authors"}
        ``"generator"`` (default): ``default_rng(rng).integers(N)``, so that ``rng`` may be
        any seed or Generator like every other method of :func:`~skmm_convex.select`.
        ``"authors"``: the authors' draw for an int seed, ``RandomState(rng).randint(0, N)``
        (:func:`authors_first_center`; what their notebook's ``np.random.seed(seed)`` gives),
        so that seed k maps to the coreset of their seed k. ``reproduce gmm`` uses it.

    Returns
    -------
    Selection
        ``indices`` sorted, as DeepCore returns them (a boolean mask over the rows).

    Notes
    -----
    Step k adds ``argmax_j min_{s in S} ||x_j - x_s||`` (Euclidean distances, as DeepCore's
    ``k_center_greedy``; squared distances have the same argmax). The greedy 2-approximation
    of the k-center objective of Sener and Savarese (2018).
    """
    matrix = check_matrix(features)
    n = check_int(n, "n", 1, matrix.shape[0])
    seeding = check_choice(seeding, "seeding", SEEDINGS)
    if seeding == "authors":
        first = authors_first_center(rng, matrix.shape[0])
    else:
        first = int(as_generator(rng).integers(matrix.shape[0]))
    order = kcenter_order(RowGeometry(matrix), n, first)
    return Selection(np.sort(order), "kcenter")
