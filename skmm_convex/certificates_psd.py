"""Certificates of a weight vector for the full-PSD program, computed from s alone.

The counterparts of :mod:`skmm_convex.certificates` for
:class:`~skmm_convex.problems_psd.PSDMomentMatchingSDP`: the program's objective with the
target ``Gamma`` minimised out, that optimal target, and a Frank-Wolfe gap that bounds the
distance to the optimum whatever solver produced s.
"""

from __future__ import annotations

import numpy as np

from .moments import SketchedMoments

__all__ = ["psd_residual", "psd_objective", "psd_target", "psd_frank_wolfe_gap"]


def psd_residual(
    moments: SketchedMoments, s: np.ndarray, c_s: float, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of ``X(s) = W^{1/2} (M(s) - I/c_s) W^{1/2}``.

    Returns
    -------
    values : ndarray, shape (k,)
        Eigenvalues of ``X(s)``, increasing.
    vectors : ndarray, shape (k, k)
        Its eigenvectors (columns).
    """
    z = moments.whitened * np.sqrt(weights)
    x = (z * s[:, None]).T @ z - np.diag(weights) / c_s
    return np.linalg.eigh((x + x.T) / 2)


def psd_objective(
    moments: SketchedMoments, s: np.ndarray, c_s: float, weights: np.ndarray
) -> float:
    """``F_psd(s) = || X(s)_- ||_F^2``, the PSD program with ``Gamma`` minimised out.

    Notes
    -----
    With ``Y = W^{1/2} Gamma W^{1/2}`` the constraint ``Gamma >= I/c_s`` is
    ``Y - W/c_s >= 0`` (a congruence keeps the Loewner order), so
    ``min_Gamma || W^{1/2}(M(s) - Gamma) W^{1/2} ||_F^2`` is the squared Frobenius distance
    from ``X(s) = W^{1/2}(M(s) - I/c_s) W^{1/2}`` to the PSD cone: the sum of squares of the
    negative eigenvalues of ``X(s)``. When ``M(s)`` is diagonal, ``X(s)`` is diagonal with
    entries ``w_j (M_jj - 1/c_s)`` and this is the diagonal program's
    ``sum_j w_j^2 (1/c_s - M_jj)_+^2`` (:func:`certificates.reduced_objective`).
    """
    values, _ = psd_residual(moments, s, c_s, weights)
    return float(np.sum(np.minimum(values, 0.0) ** 2))


def psd_target(
    moments: SketchedMoments, s: np.ndarray, c_s: float, weights: np.ndarray
) -> np.ndarray:
    """The optimal ``Gamma`` for s, shape (k, k): ``I/c_s + W^{-1/2} X(s)_+ W^{-1/2}``."""
    values, vectors = psd_residual(moments, s, c_s, weights)
    positive = (vectors * np.maximum(values, 0.0)) @ vectors.T
    root = np.sqrt(weights)
    return np.eye(weights.size) / c_s + positive / np.outer(root, root)


def psd_frank_wolfe_gap(
    moments: SketchedMoments, s: np.ndarray, n: int, c_s: float, weights: np.ndarray
) -> float:
    """Frank-Wolfe gap of ``F_psd`` at s over the capped simplex.

    ``F_psd`` is convex and differentiable (a squared distance to a convex set), with
    ``grad_i = 2 y_i' X(s)_- y_i``, ``y_i = W^{1/2} z_i`` (``X_-`` the negative part, a
    negative semidefinite matrix). ``gap = grad' s - min_{s' in C} grad' s'`` bounds
    ``F_psd(s) - min F_psd`` from above by convexity, whatever solver produced s.
    """
    values, vectors = psd_residual(moments, s, c_s, weights)
    y = moments.whitened * np.sqrt(weights)
    projected = y @ vectors
    grad = 2.0 * (projected**2) @ np.minimum(values, 0.0)
    smallest = np.partition(grad, n - 1)[:n] if n < grad.size else grad
    return max(0.0, float(grad @ s - smallest.sum() / n))
