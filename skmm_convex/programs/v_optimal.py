"""The V-optimal (A-optimal) design program: minimise ``tr(M(s)^-1)`` over the capped simplex.

With ``Z`` the whitened sketch (``moments.whitened``, ``Z' Z / N = I_k``) and
``M(s) = Z' diag(s) Z``, the program is::

    minimise_s  tr( M(s)^-1 )   subject to  0 <= s <= 1/n,  sum(s) = 1

the convex relaxation of the variance term ``tr(Sigma~ Sigma~_S^-1)`` of the paper's bound
(the poster's "V-optimality"): at ``s = 1/n`` on a coreset S, ``M(s) = Z_S' Z_S / n`` and
``tr(M^-1) = tr(Sigma~ Sigma~_S^-1)`` (both sides are invariant under the whitening). It
sits beside :mod:`skmm_convex.programs.smallest_c_s` (E-optimal: maximise
``lambda_min(M(s))``) as one family of design programs over the same set and the same
``M(s)``.

Two equivalent CVXPY formulations, both with ``M`` a symmetric k x k variable tied to s by
``svec(M) = L s`` (``L`` from :func:`.psd_sdp.lifted_moments`):

* ``"tr_inv"``: CVXPY's ``tr_inv(M)`` atom;
* ``"schur"``: ``minimise tr(T)`` subject to ``[[M, I], [I, T]] >= 0`` (a 2k x 2k PSD cone),
  the Schur-complement form ``T >= M^-1``.

``1/n`` is a ``cp.Parameter`` and both problems are DPP (asserted), so one program serves
every budget. Which is faster was measured with Clarabel on GMM instances
(``python -m benchmarks.v_optimal``, written to ``benchmarks/results/v_optimal.md``):
``"schur"`` solves faster, at every size measured, because CVXPY canonicalises ``tr_inv``
into k separate (k + 1) x (k + 1) PSD cones (one per column of the inverse) where ``"schur"``
has one 2k x 2k cone; canonicalisation itself takes about as long for both and is a small
part of the solve. ``"schur"`` is the default.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from ..moments import SketchedMoments
from .psd_sdp import lifted_moments

__all__ = ["V_OPTIMAL_FORMS", "VOptimalProgram"]

V_OPTIMAL_FORMS = ("schur", "tr_inv")


class VOptimalProgram:
    """``minimise tr(M(s)^-1)`` over the capped simplex, built once per data set and form.

    Parameters
    ----------
    moments : SketchedMoments
        Supplies ``Z = moments.whitened`` (N x k).
    form : {"schur", "tr_inv"}
        The CVXPY formulation (module docstring).

    Attributes
    ----------
    s : cp.Variable, shape (N,)
    moment : cp.Variable, shape (k, k)
        ``M(s)``, symmetric, tied to ``s`` by an equality on its upper triangle.
    cap : cp.Parameter
        ``1/n`` (set by :meth:`set_parameters`).
    problem : cp.Problem
        DPP (asserted at construction).
    """

    def __init__(self, moments: SketchedMoments, form: str = "schur") -> None:
        if form not in V_OPTIMAL_FORMS:
            valid = ", ".join(repr(f) for f in V_OPTIMAL_FORMS)
            raise ValueError(f"form must be one of {valid}; got {form!r}")
        z = moments.whitened
        n_samples, k = z.shape
        self.form = form
        self.n_directions = k
        lifted, rows, cols = lifted_moments(z)
        scale = np.where(rows == cols, 1.0, np.sqrt(2.0))
        self.s = cp.Variable(n_samples, name="s")
        self.moment = cp.Variable((k, k), symmetric=True, name="M")
        self.cap = cp.Parameter(nonneg=True, name="inv_n")
        svec = cp.multiply(scale, cp.vec(self.moment, order="C")[rows * k + cols])
        constraints = [
            self.s >= 0,
            self.s <= self.cap,
            cp.sum(self.s) == 1,
            svec == lifted @ self.s,
        ]
        if form == "tr_inv":
            objective = cp.tr_inv(self.moment)
        else:
            self.bound = cp.Variable((k, k), symmetric=True, name="T")
            eye = np.eye(k)
            constraints.append(cp.bmat([[self.moment, eye], [eye, self.bound]]) >> 0)
            objective = cp.trace(self.bound)
        self.problem = cp.Problem(cp.Minimize(objective), constraints)
        assert self.problem.is_dcp(dpp=True), "V-optimal program must be DPP"

    def set_parameters(self, n: int) -> None:
        """Point the cap Parameter at budget n."""
        self.cap.value = 1.0 / n

    def solution(self) -> np.ndarray | None:
        """The solver's ``s`` after a solve (None before one)."""
        return None if self.s.value is None else np.asarray(self.s.value, dtype=float)
