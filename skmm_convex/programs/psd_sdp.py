"""The full-PSD moment-matching program: the theorem's Loewner condition as a CVXPY SDP.

The paper relaxes ``Sigma~ <= c_S G~' diag(s) G~`` to its m diagonal entries in the eigenbasis
of ``Sigma~`` (theory notes S9). This module keeps the whole m x m condition. It is an extension
of the paper, not its method.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from ..moments import SketchedMoments
from .diagonal_qp import direction_weights

__all__ = ["PSDMomentMatchingSDP", "lifted_moments"]


def lifted_moments(factor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The linear map ``s -> upper triangle of Y' diag(s) Y`` as a dense matrix.

    Parameters
    ----------
    factor : ndarray, shape (N, k)
        ``Y``; row i is ``y_i``.

    Returns
    -------
    lifted : ndarray, shape (k (k + 1) / 2, N)
        Row ``p = (a, b)`` (``a <= b``, numpy's ``triu_indices`` order) holds
        ``c_ab * Y[:, a] * Y[:, b]`` with ``c_aa = 1`` and ``c_ab = sqrt(2)`` off the diagonal,
        so ``|| lifted @ s - svec(X) ||_2 = || Y' diag(s) Y - X ||_F`` for symmetric X.
    rows, cols : ndarray of int, shape (k (k + 1) / 2,)
        The ``(a, b)`` of each row.
    """
    k = factor.shape[1]
    rows, cols = np.triu_indices(k)
    scale = np.where(rows == cols, 1.0, np.sqrt(2.0))
    lifted = (factor[:, rows] * factor[:, cols]).T * scale[:, None]
    return lifted, rows, cols


class PSDMomentMatchingSDP:
    """Moment matching with the full Loewner condition, built once per data set.

    With ``Z = G~ V_k diag(lam_k)^{-1/2}`` (``moments.whitened``, ``Z' Z / N = I_k``) write
    ``M(s) = Z' diag(s) Z``, so that ``V' G~' diag(s) G~ V = Lam^{1/2} M(s) Lam^{1/2}`` and the
    theorem's condition ``G~' diag(s) G~ >= Sigma~ / c_s`` reads ``M(s) >= I / c_s``. The
    program is::

        minimise_{s, Gamma}  || W^{1/2} (M(s) - Gamma) W^{1/2} ||_F^2
        subject to           0 <= s <= 1/n,  sum(s) = 1,
                             Gamma symmetric,  Gamma >= I / c_s   (k x k LMI)

    with ``W = diag(w)`` the direction weights of :func:`.diagonal_qp.direction_weights`. The LMI
    sits on the moment target ``Gamma``, exactly as the paper's ``gamma_j >= 1/c_s`` sits on
    its targets; the optimum is 0 exactly when some s in the capped simplex satisfies
    ``M(s) >= I / c_s``, and the optimal set is then that (spectrahedral) set of s.

    With ``weighting="paper"`` (``w = lam / lam_1``) the objective is
    ``|| G~' diag(s) G~ - Gamma~ ||_F^2 / lam_1^2`` over ``Gamma~ >= Sigma~ / c_s`` (the
    squared Frobenius distance from the coreset moment to the matrices that dominate
    ``Sigma~ / c_s``); with ``"relative"`` (``w = 1``) the same distance after whitening.

    Reduction to the paper's QP: ``F_psd(s) = min_Gamma (...)`` equals
    ``|| (W^{1/2} (M(s) - I/c_s) W^{1/2})_- ||_F^2`` (the negative part; projection onto the
    PSD cone). It is never below the diagonal program's ``F(s) = sum_j w_j^2 (1/c_s -
    M_jj(s))_+^2`` (drop the off-diagonal residuals; ``Gamma_jj >= 1/c_s``), and equals it
    whenever ``M(s)`` is diagonal, i.e. ``V' G~' diag(s) G~ V`` is diagonal (then
    ``Sigma~`` and ``G~' diag(s) G~`` commute). See
    :func:`~skmm_convex.certificates.loewner.psd_objective`.

    Implementation: the symmetric residual is vectorised with ``sqrt(2)`` on the off-diagonal
    (``svec``), so the objective is a sum of squares of ``k (k + 1) / 2`` affine terms, fed as
    the constant factor ``L`` of :func:`lifted_moments` (``L s = svec(W^{1/2} M(s) W^{1/2})``).
    ``1/n`` and ``1/c_s`` are ``cp.Parameter`` s and the problem is DPP (asserted); the
    LMI is a ``k x k`` PSD cone (Clarabel, or SCS).
    """

    formulation = "psd"

    def __init__(self, moments: SketchedMoments, weighting: str = "paper") -> None:
        n_samples = moments.whitened.shape[0]
        k = moments.n_directions
        self.weights = direction_weights(moments, weighting)
        root = np.sqrt(self.weights)
        lifted, rows, cols = lifted_moments(moments.whitened * root)
        svec_scale = np.where(rows == cols, 1.0, np.sqrt(2.0)) * root[rows] * root[cols]
        self.s = cp.Variable(n_samples, name="s")
        self.gamma = cp.Variable((k, k), symmetric=True, name="Gamma")
        self.cap = cp.Parameter(nonneg=True, name="inv_n")
        self.gamma_floor = cp.Parameter(nonneg=True, name="inv_c_s")
        gamma_svec = cp.multiply(svec_scale, cp.vec(self.gamma, order="C")[rows * k + cols])
        residual = lifted @ self.s - gamma_svec
        self.lmi = self.gamma - self.gamma_floor * np.eye(k) >> 0
        self.constraints = [self.s >= 0, self.s <= self.cap, cp.sum(self.s) == 1, self.lmi]
        self.problem = cp.Problem(cp.Minimize(cp.sum_squares(residual)), self.constraints)
        assert self.problem.is_dcp(dpp=True), "PSD moment-matching program must be DPP"

    def set_parameters(self, n: int, c_s: float) -> None:
        """Point the Parameters at budget n and constant c_s."""
        self.cap.value = 1.0 / n
        self.gamma_floor.value = 1.0 / c_s
