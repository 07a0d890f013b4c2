"""The paper's moment-matching QP, over all N points or over a working set of them."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from ..moments import SketchedMoments

__all__ = ["WEIGHTINGS", "DiagonalMomentMatchingQP", "RestrictedQP", "direction_weights"]

WEIGHTINGS = ("paper", "relative")


def direction_weights(moments: SketchedMoments, weighting: str) -> np.ndarray:
    """Per-direction weights ``w_j`` of the scaled objective, shape (k,).

    ``"paper"``: ``w_j = lam_j / lam_1``, so the scaled objective is the paper's divided by
    ``lam_1^2`` (same minimisers). ``"relative"``: ``w_j = 1``, each direction's mismatch
    measured relative to its own variance (scale-free; an extension, not the paper's).
    """
    lam = moments.eigenvalues[: moments.n_directions]
    return lam / lam[0] if weighting == "paper" else np.ones_like(lam)


class DiagonalMomentMatchingQP:
    """The paper's moment-matching QP, built once per data set.

    The program (poster, "Moment matching")::

        minimise_{s, gamma}  sum_j ( v_j' G~' diag(s) G~ v_j - gamma_j lam_j )^2
        subject to           0 <= s <= 1/n,  sum(s) = 1,  gamma_j >= 1/c_s

    is rewritten with ``v_j' G~' diag(s) G~ v_j = lam_j (B s)_j`` (``B`` from
    :class:`~skmm_convex.moments.SketchedMoments`) and divided by ``lam_1^2``::

        minimise  || w * (B s - gamma) ||^2,   w_j = lam_j / lam_1

    a least-squares objective over data of order 1 (``B @ (1/N) = 1``). ``1/n`` and ``1/c_s``
    are ``cp.Parameter`` s, so sweeps over n and c_s re-solve without re-canonicalising; the
    problem is DPP (asserted).
    """

    formulation = "diagonal"

    def __init__(self, moments: SketchedMoments, weighting: str = "paper") -> None:
        n_samples = moments.whitened.shape[0]
        k = moments.n_directions
        self.weights = direction_weights(moments, weighting)
        weighted_b = self.weights[:, None] * moments.normalized_moments
        self.s = cp.Variable(n_samples, name="s")
        self.gamma = cp.Variable(k, name="gamma")
        self.cap = cp.Parameter(nonneg=True, name="inv_n")
        self.gamma_floor = cp.Parameter(nonneg=True, name="inv_c_s")
        residual = weighted_b @ self.s - cp.multiply(self.weights, self.gamma)
        self.constraints = [
            self.s >= 0,
            self.s <= self.cap,
            cp.sum(self.s) == 1,
            self.gamma >= self.gamma_floor,
        ]
        self.problem = cp.Problem(cp.Minimize(cp.sum_squares(residual)), self.constraints)
        assert self.problem.is_dcp(dpp=True), "moment-matching QP must be DPP"

    def set_parameters(self, n: int, c_s: float) -> None:
        """Point the Parameters at budget n and constant c_s."""
        self.cap.value = 1.0 / n
        self.gamma_floor.value = 1.0 / c_s


class RestrictedQP:
    """The moment-matching QP over the columns ``W`` only (``s_i = 0`` for ``i`` not in W).

    Parameters
    ----------
    weighted_b : ndarray, shape (k, size of W)
        ``w[:, None] * B[:, W]``.
    weights : ndarray, shape (k,)
    n : int
        Budget: the cap ``1/n`` on every weight.
    c_s : float
        Moment constant: the floor ``1/c_s`` on every ``gamma_j``.

    Notes
    -----
    ``minimise ||weighted_b s_W - w * gamma||^2`` subject to ``0 <= s_W <= 1/n``,
    ``sum(s_W) = 1``, ``gamma >= 1/c_s``: :class:`DiagonalMomentMatchingQP` on a subset of
    the points. Each restricted QP is solved once (the next round of the working set has other
    columns), so ``1/n`` and ``1/c_s`` are constants, not Parameters, and the boxes are
    variable bounds: CVXPY canonicalises that form faster and passes the bounds to solvers that
    take them natively (PIQP).
    """

    def __init__(self, weighted_b: np.ndarray, weights: np.ndarray, n: int, c_s: float) -> None:
        size = weighted_b.shape[1]
        self.s = cp.Variable(size, name="s_w", bounds=[0.0, 1.0 / n])
        self.gamma = cp.Variable(weighted_b.shape[0], name="gamma", bounds=[1.0 / c_s, None])
        residual = weighted_b @ self.s - cp.multiply(weights, self.gamma)
        self.sum_constraint = cp.sum(self.s) == 1
        self.problem = cp.Problem(cp.Minimize(cp.sum_squares(residual)), [self.sum_constraint])
