"""Certificates of the paper's diagonal program, computed from ``s`` and the moments alone.

The QP of :class:`~skmm_convex.programs.diagonal_qp.DiagonalMomentMatchingQP` with ``gamma``
minimised out is ``F(s) = sum_j w_j^2 (1/c_s - (B s)_j)_+^2`` over the capped simplex; this
module holds its value, its gradient, its Frank-Wolfe gap and the moment ratios ``B s``, so that
a test (or a sceptical user) can check any solver's answer.
"""

from __future__ import annotations

import numpy as np

from ..moments import SketchedMoments
from .capped_simplex import gap_over_capped_simplex

__all__ = ["frank_wolfe_gap", "moment_ratios", "reduced_gradient", "reduced_objective"]


def moment_ratios(moments: SketchedMoments, s: np.ndarray) -> np.ndarray:
    """``(A s)_j / lam_j = (B s)_j`` for each kept direction, shape (k,).

    1 for every j at ``s = 1/N``; the diagonal condition is ``B s >= 1/c_s``.
    """
    return moments.normalized_moments @ s


def reduced_gradient(
    b: np.ndarray, weights: np.ndarray, s: np.ndarray, c_s: float
) -> tuple[float, np.ndarray]:
    """``F(s)`` and ``grad F(s)`` for ``F(s) = sum_j w_j^2 (1/c_s - (B s)_j)_+^2``.

    Parameters
    ----------
    b : ndarray, shape (k, N)
        The normalised moments ``B`` (or the columns of a working set).
    weights : ndarray, shape (k,)
        Direction weights ``w``.
    s : ndarray, shape (N,)
    c_s : float

    Returns
    -------
    value : float
    grad : ndarray, shape (N,)
        ``-2 B' (w^2 * hinge)``; it prices every point: moving mass onto the points with the
        smallest entries lowers F fastest.
    """
    hinge = np.maximum(1.0 / c_s - b @ s, 0.0)
    return float(np.sum((weights * hinge) ** 2)), -2.0 * (b.T @ (weights**2 * hinge))


def reduced_objective(
    moments: SketchedMoments, s: np.ndarray, c_s: float, weights: np.ndarray
) -> float:
    """``F(s) = sum_j w_j^2 (1/c_s - (B s)_j)_+^2``, the QP with gamma minimised out.

    For fixed s the best ``gamma_j`` is ``max(1/c_s, (B s)_j)``, which leaves the hinge.
    Scaled units: the paper's objective divided by ``lam_1^2`` for ``weighting="paper"``.
    """
    hinge = np.maximum(1.0 / c_s - moment_ratios(moments, s), 0.0)
    return float(np.sum((weights * hinge) ** 2))


def frank_wolfe_gap(
    moments: SketchedMoments, s: np.ndarray, n: int, c_s: float, weights: np.ndarray
) -> float:
    """Frank-Wolfe gap of the reduced program at s over the capped simplex.

    ``gap = grad F(s)' s - min_{s' in C} grad F(s)' s'`` with ``C = {0 <= s' <= 1/n,
    sum s' = 1}`` (:func:`~.capped_simplex.gap_over_capped_simplex`). By convexity
    ``F(s) - F* <= gap``, so the gap certifies s to within it, whatever solver produced s; it
    is zero exactly at the KKT points.
    """
    _, grad = reduced_gradient(moments.normalized_moments, weights, s, c_s)
    return gap_over_capped_simplex(grad, s, n)
