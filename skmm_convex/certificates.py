"""Certificates of a weight vector: the c_s it certifies and how far from optimal it is.

Everything here is computed from ``s`` and the moments alone, independently of the solver,
so a test (or a sceptical user) can check any solver's answer.
"""

from __future__ import annotations

import numpy as np

from .moments import SketchedMoments

__all__ = [
    "certified_c_s",
    "moment_ratios",
    "reduced_objective",
    "frank_wolfe_gap",
]


def moment_ratios(moments: SketchedMoments, s: np.ndarray) -> np.ndarray:
    """``(A s)_j / lam_j = (B s)_j`` for each kept direction, shape (k,).

    1 for every j at ``s = 1/N``; the diagonal condition is ``B s >= 1/c_s``.
    """
    return moments.normalized_moments @ s


def certified_c_s(moments: SketchedMoments, s: np.ndarray, kind: str = "loewner") -> float:
    """The smallest constant c that the weights ``s`` certify.

    Parameters
    ----------
    moments : SketchedMoments
    s : ndarray, shape (N,)
        Non-negative weights (for a coreset S of size n, ``s = 1_S / n``).
    kind : {"loewner", "diagonal"}
        ``"loewner"``: smallest c with ``Sigma~ <= c G~' diag(s) G~`` (the theorem's
        condition; ``c*(Sigma~, Sigma~_S)`` of the theory notes).
        ``"diagonal"``: smallest c with ``v_j' G~' diag(s) G~ v_j >= lam_j / c`` for all j (the
        paper's relaxation).

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
    if kind not in ("loewner", "diagonal"):
        raise ValueError(f"kind must be 'loewner' or 'diagonal', got {kind!r}")
    z = moments.whitened
    if kind == "diagonal":
        smallest = float(np.min(moment_ratios(moments, s)))
    else:
        weighted = (z * s[:, None]).T @ z
        smallest = float(np.linalg.eigvalsh((weighted + weighted.T) / 2)[0])
    scale = np.finfo(float).eps * z.shape[0] * max(1, z.shape[1])
    return np.inf if smallest <= scale * float(np.sum(np.abs(s))) else 1.0 / smallest


def reduced_objective(
    moments: SketchedMoments, s: np.ndarray, c_s: float, weights: np.ndarray
) -> float:
    """``F(s) = sum_j w_j^2 (1/c_s - (B s)_j)_+^2``, the QP with gamma minimised out.

    For fixed s the best ``gamma_j`` is ``max(1/c_s, (B s)_j)``, which leaves the hinge.
    """
    hinge = np.maximum(1.0 / c_s - moment_ratios(moments, s), 0.0)
    return float(np.sum((weights * hinge) ** 2))


def frank_wolfe_gap(
    moments: SketchedMoments, s: np.ndarray, n: int, c_s: float, weights: np.ndarray
) -> float:
    """Frank-Wolfe gap of the reduced program at s over the capped simplex.

    ``gap = grad F(s)' s - min_{s' in C} grad F(s)' s'`` with ``C = {0 <= s' <= 1/n,
    sum s' = 1}``. By convexity ``F(s) - F* <= gap``, so the gap certifies s to within it,
    whatever solver produced s; it is zero exactly at the KKT points. The minimiser over C puts
    ``1/n`` on the n smallest gradient entries.
    """
    hinge = np.maximum(1.0 / c_s - moment_ratios(moments, s), 0.0)
    grad = -2.0 * moments.normalized_moments.T @ (weights**2 * hinge)
    smallest = np.partition(grad, n - 1)[:n] if n < grad.size else grad
    return max(0.0, float(grad @ s - smallest.sum() / n))
