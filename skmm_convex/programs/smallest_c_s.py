"""Programs for the smallest certifiable c_s: maximise t with t I <= M(s) (or diag M(s) >= t).

``t* = max_{s in C} lambda_min(M(s))`` (Loewner) or ``max_{s in C} min_j M_jj(s)`` (diagonal),
``C = {0 <= s <= 1/n, sum(s) = 1}``, ``M(s) = Z' diag(s) Z``; ``1 / t*`` is the smallest
``c_s`` that any weights on the capped simplex certify.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from ..moments import SketchedMoments
from .psd_sdp import lifted_moments

__all__ = ["CERTIFIABLE_KINDS", "MaxCertifiableProgram", "dual_upper_bound"]

CERTIFIABLE_KINDS = ("loewner", "diagonal")


class MaxCertifiableProgram:
    """``maximise t`` over the capped simplex, built once per data set and kind.

    ``kind="loewner"`` (an SDP)::

        maximise_{s, t}  t   subject to  Z' diag(s) Z >= t I_k,  s in C

    fed as ``svec(S) = L s`` (``L`` from :func:`.psd_sdp.lifted_moments`) and
    ``S - t I >= 0``, a k x k PSD cone. ``kind="diagonal"`` (an LP)::

        maximise_{s, t}  t   subject to  B s >= t 1,  s in C

    with ``B = moments.normalized_moments`` (``(B s)_j = M_jj(s)``). ``1/n`` is a
    ``cp.Parameter``; the problem is DPP (asserted). ``self.coupling`` is the constraint whose
    dual variable (a k x k matrix, or a k-vector) feeds :func:`dual_upper_bound`.
    """

    def __init__(self, moments: SketchedMoments, kind: str = "loewner") -> None:
        n_samples = moments.whitened.shape[0]
        k = moments.n_directions
        self.kind = kind
        self.s = cp.Variable(n_samples, name="s")
        self.t = cp.Variable(name="t")
        self.cap = cp.Parameter(nonneg=True, name="inv_n")
        simplex = [self.s >= 0, self.s <= self.cap, cp.sum(self.s) == 1]
        if kind == "loewner":
            lifted, rows, cols = lifted_moments(moments.whitened)
            scale = np.where(rows == cols, 1.0, np.sqrt(2.0))
            self.moment = cp.Variable((k, k), symmetric=True, name="M")
            svec = cp.multiply(scale, cp.vec(self.moment, order="C")[rows * k + cols])
            self.coupling = self.moment - self.t * np.eye(k) >> 0
            constraints = [svec == lifted @ self.s, self.coupling]
        else:
            self.coupling = moments.normalized_moments @ self.s >= self.t
            constraints = [self.coupling]
        self.problem = cp.Problem(cp.Maximize(self.t), simplex + constraints)
        assert self.problem.is_dcp(dpp=True), "certifiability program must be DPP"

    def set_parameters(self, n: int) -> None:
        """Point the cap Parameter at budget n."""
        self.cap.value = 1.0 / n


def dual_upper_bound(moments: SketchedMoments, n: int, kind: str, dual: np.ndarray | None) -> float:
    """An upper bound on ``t*`` from any dual point, valid whatever produced it.

    Parameters
    ----------
    moments : SketchedMoments
    n : int
        Budget (cap ``1/n``).
    kind : {"loewner", "diagonal"}
    dual : ndarray, shape (k, k) or (k,), or None
        The coupling constraint's dual variable; it is symmetrised, projected onto the PSD
        cone (non-negative orthant) and scaled to unit trace (sum), so any array works.

    Returns
    -------
    float
        ``U(P) = max_{s in C} <P, M(s)>``, the mean of the n largest ``z_i' P z_i``; ``inf``
        when no usable dual is given.

    Notes
    -----
    ``lambda_min(M) = min_{P >= 0, tr P = 1} <P, M>``, so for every such P and every s in C,
    ``lambda_min(M(s)) <= <P, M(s)> = sum_i s_i z_i' P z_i <= U(P)``; the maximum of a
    linear function over C puts ``1/n`` on its n largest coefficients. The diagonal case is
    the same with P diagonal (``p`` on the probability simplex, ``z_i' P z_i = (B' p)_i``).
    Strong duality makes the bound tight at the optimal dual.
    """
    if dual is None or not np.all(np.isfinite(dual)):
        return np.inf
    z = moments.whitened
    if kind == "loewner":
        values, vectors = np.linalg.eigh((dual + dual.T) / 2)
        values = np.maximum(values, 0.0)
        if values.sum() <= 0:
            return np.inf
        projected = (z @ vectors) ** 2
        scores = projected @ (values / values.sum())
    else:
        p = np.maximum(np.asarray(dual, dtype=float).ravel(), 0.0)
        if p.sum() <= 0:
            return np.inf
        scores = (z**2) @ (p / p.sum())
    top = np.partition(scores, scores.size - n)[scores.size - n :]
    return float(top.mean())
