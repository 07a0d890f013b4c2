"""The V-optimal objective ``f(s) = tr(M(s)^-1)``, its gradient and Frank-Wolfe gap, from s alone.

``M(s) = Z' diag(s) Z`` with ``Z = moments.whitened``. ``f`` is convex on the positive-definite
cone's preimage and ``df/ds_i = -z_i' M^-2 z_i = -||M^-1 z_i||^2``; by convexity
``f(s) - min_C f <= gap(s)``, the Frank-Wolfe gap over the capped simplex ``C``
(:func:`~skmm_convex.certificates.capped_simplex.gap_over_capped_simplex`), so any ``s``, from
any solver, comes with a certified distance to the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..moments import SketchedMoments
from .capped_simplex import gap_over_capped_simplex

__all__ = [
    "VOptimalSolution",
    "v_optimal_certificate",
    "v_optimal_gradient",
    "v_optimal_value",
]


def _inverse_factor(z: np.ndarray, s: np.ndarray) -> np.ndarray | None:
    """``M(s)^-1 Z'`` (k x N), or None when ``M(s)`` is not positive definite."""
    moment = (z * s[:, None]).T @ z
    try:
        chol = np.linalg.cholesky((moment + moment.T) / 2)
    except np.linalg.LinAlgError:
        return None
    half = np.linalg.solve(chol, z.T)  # L^-1 Z'
    return np.linalg.solve(chol.T, half)  # L'^-1 L^-1 Z' = M^-1 Z'


def v_optimal_value(moments: SketchedMoments, s: np.ndarray) -> float:
    """``tr(M(s)^-1)``; ``inf`` when ``M(s)`` is singular (s misses a direction).

    Parameters
    ----------
    moments : SketchedMoments
    s : ndarray, shape (N,)
        Non-negative weights (any scale; the capped simplex is where the program lives).

    Returns
    -------
    float
        At ``s = 1/n`` on a coreset S this is ``tr(Sigma~ Sigma~_S^-1)``, the variance term of
        the paper's bound; at ``s = 1/N`` it is k.
    """
    z = moments.whitened
    s = np.asarray(s, dtype=float)
    moment = (z * s[:, None]).T @ z
    try:
        chol = np.linalg.cholesky((moment + moment.T) / 2)
    except np.linalg.LinAlgError:
        return np.inf
    inv_chol = np.linalg.solve(chol, np.eye(z.shape[1]))
    return float(np.sum(inv_chol**2))  # tr(L'^-1 L^-1) = ||L^-1||_F^2


def v_optimal_gradient(moments: SketchedMoments, s: np.ndarray) -> np.ndarray:
    """``df/ds_i = -z_i' M(s)^-2 z_i``, shape (N,); ``-inf`` everywhere if ``M(s)`` is singular."""
    z = moments.whitened
    factor = _inverse_factor(z, np.asarray(s, dtype=float))
    if factor is None:
        return np.full(z.shape[0], -np.inf)
    return -np.sum(factor**2, axis=0)


@dataclass(frozen=True)
class VOptimalSolution:
    """A certified solution of the V-optimal program (what ``method="v-optimal"`` samples from).

    Attributes
    ----------
    s : ndarray, shape (N,)
        On the capped simplex ``{0 <= s <= 1/n, sum(s) = 1}``.
    objective : float
        ``tr(M(s)^-1)``, recomputed from s.
    frank_wolfe_gap : float
        ``objective - min_C f <= frank_wolfe_gap`` (the certificate, from s alone).
    n : int
    solver, status : str
        The solver that produced s and its status.
    form : str
        The CVXPY formulation solved (:data:`~skmm_convex.programs.v_optimal.V_OPTIMAL_FORMS`).
    solve_seconds : float
    iterations : int or None
    """

    s: np.ndarray = field(repr=False)
    objective: float
    frank_wolfe_gap: float
    n: int
    solver: str
    status: str
    form: str
    solve_seconds: float
    iterations: int | None = None

    @property
    def lower_bound(self) -> float:
        """``objective - frank_wolfe_gap``, a certified lower bound on the optimum."""
        return self.objective - self.frank_wolfe_gap

    @property
    def relative_gap(self) -> float:
        """``frank_wolfe_gap / objective``."""
        return self.frank_wolfe_gap / self.objective


def v_optimal_certificate(moments: SketchedMoments, s: np.ndarray, n: int) -> tuple[float, float]:
    """``(tr(M(s)^-1), Frank-Wolfe gap)`` of a point s of the capped simplex of budget n.

    Parameters
    ----------
    moments : SketchedMoments
    s : ndarray, shape (N,)
        In ``C = {0 <= s <= 1/n, sum(s) = 1}`` (repair a solver's point first with
        :func:`~skmm_convex.certificates.capped_simplex.repair_capped_simplex`).
    n : int
        The budget.

    Returns
    -------
    value, gap : float
        ``value - gap <= min_C tr(M^-1) <= value``; both ``inf`` if ``M(s)`` is singular.
    """
    s = np.asarray(s, dtype=float)
    value = v_optimal_value(moments, s)
    if not np.isfinite(value):
        return np.inf, np.inf
    gap = gap_over_capped_simplex(v_optimal_gradient(moments, s), s, n)
    return value, gap
