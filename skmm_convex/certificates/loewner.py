"""Certificates of the theorem's Loewner condition and of the full-PSD program, from s alone.

``lambda_min(Z' diag(s) Z)`` (the one place it is computed), the c_s a weight vector certifies
(:func:`certified_c_s`, either condition), and for
:class:`~skmm_convex.programs.psd_sdp.PSDMomentMatchingSDP` the objective with the target
``Gamma`` minimised out, that optimal target, and a Frank-Wolfe gap that bounds the distance to
the optimum whatever solver produced s.
"""

from __future__ import annotations

import numpy as np

from ..moments import SketchedMoments
from .capped_simplex import gap_over_capped_simplex
from .diagonal import moment_ratios

__all__ = [
    "CERTIFIED_KINDS",
    "certified_c_s",
    "lambda_min",
    "psd_frank_wolfe_gap",
    "psd_objective",
    "psd_residual",
    "psd_target",
]

CERTIFIED_KINDS = ("loewner", "diagonal")


def lambda_min(whitened: np.ndarray, s: np.ndarray) -> float:
    """``lambda_min(Z' diag(s) Z)``, the smallest eigenvalue of the whitened coreset moment."""
    weighted = (whitened * s[:, None]).T @ whitened
    return float(np.linalg.eigvalsh((weighted + weighted.T) / 2)[0])


def certified_c_s(moments: SketchedMoments, s: np.ndarray, kind: str = "loewner") -> float:
    """The smallest constant c that the weights ``s`` certify.

    Parameters
    ----------
    moments : SketchedMoments
    s : ndarray, shape (N,)
        Non-negative weights (for a coreset S of size n, ``s = 1_S / n``).
    kind : {"loewner", "diagonal"}
        ``"loewner"``: smallest c with ``Sigma~ <= c G~' diag(s) G~`` (the theorem's
        condition, ``c*(Sigma~, Sigma~_S)``). ``"diagonal"``: smallest c with
        ``v_j' G~' diag(s) G~ v_j >= lam_j / c`` for all j (the paper's relaxation).

    Returns
    -------
    float
        ``inf`` when no finite c works (s misses a direction).

    Notes
    -----
    With ``Z = G~ V diag(lam)^{-1/2}`` (``moments.whitened``) the condition
    ``Sigma~ <= c G~' diag(s) G~`` is ``I <= c Z' diag(s) Z``, so the Loewner constant is
    ``1 / lambda_min(Z' diag(s) Z)`` and the diagonal one ``1 / min_j (Z' diag(s) Z)_jj``.
    Since ``lambda_min <= min diag``, the Loewner constant is never the smaller one.
    """
    if kind not in CERTIFIED_KINDS:
        raise ValueError(f"kind must be 'loewner' or 'diagonal', got {kind!r}")
    z = moments.whitened
    if kind == "diagonal":
        smallest = float(np.min(moment_ratios(moments, s)))
    else:
        smallest = lambda_min(z, s)
    scale = np.finfo(float).eps * z.shape[0] * max(1, z.shape[1])
    return np.inf if smallest <= scale * float(np.sum(np.abs(s))) else 1.0 / smallest


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
    ``sum_j w_j^2 (1/c_s - M_jj)_+^2`` (:func:`.diagonal.reduced_objective`).
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
    return gap_over_capped_simplex(grad, s, n)
