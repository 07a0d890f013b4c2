"""The smallest c_s that weights on the capped simplex can certify, found by one convex program.

So that users need not guess ``c_s``: :func:`smallest_certifiable_c_s` returns the best
constant together with the weights that certify it and a dual lower bound that no weights can
beat.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np

from ._validation import check_choice, check_int
from .certificates import certified_c_s
from .errors import SolverError, ValidationError
from .moments import SketchedMoments
from .problems_certifiable import CERTIFIABLE_KINDS, MaxCertifiableProgram, dual_upper_bound
from .solve import check_solver

__all__ = ["CertifiableConstant", "smallest_certifiable_c_s", "project_capped_simplex"]


@dataclass(frozen=True)
class CertifiableConstant:
    """The smallest certifiable moment constant and the weights that certify it.

    Attributes
    ----------
    c_s : float
        The constant the returned ``s`` certifies, recomputed from s alone with
        :func:`~skmm_convex.certified_c_s` (an upper bound on the true smallest constant).
    c_s_lower_bound : float
        ``1 / U(P)`` from the solver's dual variable
        (:func:`~skmm_convex.problems_certifiable.dual_upper_bound`): no s in the capped
        simplex certifies a smaller constant, whatever the solver did.
    t : float
        The solver's optimal value ``t*`` (so ``c_s`` is about ``1 / t``).
    s : ndarray, shape (N,)
        The solver's weights projected onto the capped simplex (a move of the order of the
        solver's tolerance), so that ``c_s`` is certified by a point of the simplex itself.
    kind : {"loewner", "diagonal"}
    n : int
    status : str
        CVXPY's status.
    solver : str
    solve_seconds : float
    """

    c_s: float
    c_s_lower_bound: float
    t: float
    s: np.ndarray = field(repr=False)
    kind: str
    n: int
    status: str
    solver: str
    solve_seconds: float

    @property
    def relative_gap(self) -> float:
        """``c_s / c_s_lower_bound - 1``: how far the certified constant may be from optimal."""
        return self.c_s / self.c_s_lower_bound - 1.0


def project_capped_simplex(x: np.ndarray, n: int) -> np.ndarray:
    """Euclidean projection of x onto ``{0 <= s <= 1/n, sum(s) = 1}``, shape (N,).

    The projection is ``clip(x - tau, 0, 1/n)`` with the ``tau`` that makes the sum 1 (the sum
    is non-increasing in ``tau``; found by bisection to machine precision). Needs ``n <= N``.
    """
    cap = 1.0 / n
    low, high = float(np.min(x)) - cap, float(np.max(x))
    for _ in range(200):
        mid = (low + high) / 2
        if np.clip(x - mid, 0.0, cap).sum() > 1.0:
            low = mid
        else:
            high = mid
        if high - low <= 4 * np.finfo(float).eps * max(1.0, abs(mid)):
            break
    s = np.clip(x - high, 0.0, cap)
    return s + (1.0 - s.sum()) * (s > 0) * (s < cap) / max(1, int(np.sum((s > 0) & (s < cap))))


def smallest_certifiable_c_s(
    moments: SketchedMoments,
    n: int,
    kind: str = "loewner",
    *,
    solver: str = "CLARABEL",
    solver_options: dict[str, Any] | None = None,
) -> CertifiableConstant:
    """The smallest ``c_s`` certified by some s on the capped simplex of budget n.

    Parameters
    ----------
    moments : SketchedMoments
        From :func:`~skmm_convex.compute_moments`.
    n : int
        Budget, in ``[1, N]`` (cap ``1/n``).
    kind : {"loewner", "diagonal"}
        ``"loewner"``: the theorem's condition ``Sigma~ <= c G~' diag(s) G~`` (an SDP with a
        k x k PSD cone); ``"diagonal"``: the paper's relaxation ``v_j' G~' diag(s) G~ v_j >=
        lam_j / c`` for all j (an LP).
    solver : str
        Installed CVXPY solver (CLARABEL by default; SCS also handles the SDP).
    solver_options : dict, optional
        Passed to ``problem.solve``.

    Returns
    -------
    CertifiableConstant

    Notes
    -----
    Solves ``t* = max_{s in C} lambda_min(Z' diag(s) Z)`` (or ``min_j (B s)_j``), see
    :class:`~skmm_convex.problems_certifiable.MaxCertifiableProgram`; the answer is
    ``1 / t*``. Since ``lambda_min(M) <= min_j M_jj`` the diagonal constant is never larger
    than the Loewner one. ``s = 1/N`` gives ``M = I``, so ``t* >= 1`` whenever ``n <= N`` and
    the smallest constant is at most 1. Theory notes S9.
    """
    if not isinstance(moments, SketchedMoments):
        raise ValidationError(
            "moments must be a SketchedMoments (from compute_moments), got "
            f"{type(moments).__name__}"
        )
    n = check_int(n, "n", 1, moments.whitened.shape[0])
    kind = check_choice(kind, "kind", CERTIFIABLE_KINDS)
    solver = check_solver(solver)
    if solver_options is not None and not isinstance(solver_options, dict):
        raise ValidationError(f"solver_options must be a dict, got {type(solver_options).__name__}")
    start = time.perf_counter()
    program = MaxCertifiableProgram(moments, kind)
    program.set_parameters(n)
    try:
        program.problem.solve(solver=solver, **(solver_options or {}))
    except cp.error.SolverError as exc:
        raise SolverError(
            f"smallest certifiable c_s ({kind}, N={moments.whitened.shape[0]}, "
            f"k={moments.n_directions}) failed with {solver}: {exc}. Try solver='SCS'"
        ) from None
    status = program.problem.status
    if status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or program.s.value is None:
        raise SolverError(
            f"smallest certifiable c_s ({kind}, N={moments.whitened.shape[0]}, "
            f"k={moments.n_directions}) ended with status {status} from {solver}; try "
            "solver='SCS' or a smaller sketch_dim"
        )
    s = project_capped_simplex(np.asarray(program.s.value, dtype=float), n)
    upper = dual_upper_bound(moments, n, kind, program.coupling.dual_value)
    return CertifiableConstant(
        c_s=certified_c_s(moments, s, kind),
        c_s_lower_bound=1.0 / upper if upper > 0 else np.inf,
        t=float(program.t.value),
        s=s,
        kind=kind,
        n=n,
        status=status,
        solver=solver,
        solve_seconds=time.perf_counter() - start,
    )
