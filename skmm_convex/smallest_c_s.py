"""The smallest c_s that weights on the capped simplex can certify, found by one convex program.

So that users need not guess ``c_s``: :func:`smallest_certifiable_c_s` returns the best
constant together with the weights that certify it and a dual lower bound that no weights can
beat.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_choice, check_int, check_solver_options
from .certificates.capped_simplex import project_capped_simplex
from .certificates.loewner import certified_c_s
from .errors import ValidationError
from .moments import SketchedMoments
from .programs.smallest_c_s import CERTIFIABLE_KINDS, MaxCertifiableProgram, dual_upper_bound
from .results import CertifiableConstant
from .strategies.run import SolverRunner, StageTimer, check_solver

__all__ = ["smallest_certifiable_c_s"]


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
        Passed to ``problem.solve`` (over the package's defaults for that solver).

    Returns
    -------
    CertifiableConstant

    Notes
    -----
    Solves ``t* = max_{s in C} lambda_min(Z' diag(s) Z)`` (or ``min_j (B s)_j``), see
    :class:`~skmm_convex.programs.smallest_c_s.MaxCertifiableProgram`; the answer is
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
    solver_options = check_solver_options(solver_options)
    timer = StageTimer()
    program = MaxCertifiableProgram(moments, kind)
    program.set_parameters(n)
    sizes = f"N={moments.whitened.shape[0]}, k={moments.n_directions}"
    where = f"smallest certifiable c_s ({kind}, {sizes})"
    _, status, _ = SolverRunner(solver, solver_options, (), where)(program.problem)
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
        solve_seconds=timer.total(),
    )
