"""Frozen result types shared by the SkMM path and the baselines."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["CertifiableConstant", "MomentMatchingSolution", "Selection"]


@dataclass(frozen=True)
class MomentMatchingSolution:
    """Solution of the moment-matching program, with its certificates.

    Attributes
    ----------
    s : ndarray, shape (N,)
        Sampling weights on the capped simplex ``{0 <= s <= 1/n, sum(s) = 1}``.
    gamma : ndarray, shape (k,)
        Moment factors, ``gamma_j = max(1/c_s, (A s)_j / lam_j)`` (optimal for the given s).
        For ``formulation="psd"`` the diagonal of the optimal k x k target ``Gamma`` for s
        (:func:`skmm_convex.certificates.loewner.psd_target`, in the whitened basis).
    objective : float
        The paper's objective ``sum_j ((A s)_j - gamma_j lam_j)^2`` at (s, gamma), in the
        units of the data (``lam`` as computed, no rescaling); for ``formulation="psd"`` the
        Frobenius objective of that program with ``Gamma`` minimised out,
        ``min_{Gamma~ >= Sigma~/c_s} || G~' diag(s) G~ - Gamma~ ||_F^2`` for ``weighting="paper"``
        (:func:`skmm_convex.certificates.loewner.psd_objective`).
    status : str
        CVXPY's status of the convex solve (``"optimal"`` or ``"optimal_inaccurate"``);
        ``"optimal"`` when the degeneracy LP settled the solve alone.
    solver : str
        The solver that produced the solution (a fallback may differ from the request);
        ``"HIGHS"`` when a vertex-mode solve was degenerate, because the degeneracy LP runs
        first and its vertex is then optimal (no QP is solved).
    solve_seconds : float
        Wall time of the solve: the convex program and, for ``solution="vertex"``, the face
        LPs (only the degeneracy LP when it settles the solve).
    sketch : ndarray, shape (N, m)
        The sketched features ``G~`` the program was built from.
    eigenvalues : ndarray, shape (m,)
        Eigenvalues of ``Sigma~ = G~' G~ / N``, decreasing.
    n : int
        The coreset size the cap ``1/n`` was built for.
    c_s : float
        The requested constant (``gamma_j >= 1/c_s``).
    certified_c_s : float
        The smallest c with ``A s >= lam / c`` on every direction,
        ``1 / min_j ((A s)_j / lam_j)``: the diagonal condition the weights meet.
    certified_c_s_loewner : float
        The smallest c with ``Sigma~ <= c G~' diag(s) G~`` (Loewner order), the generalised
        eigenvalue of the theorem's condition; never smaller than ``certified_c_s``.
    degenerate : bool
        True when the optimum is zero, decided exactly by a feasibility LP (some s in the
        capped simplex has ``A s >= lam / c_s`` up to a relative ``1e-9``); the optimal set is
        then a whole face of the capped simplex. For ``formulation="psd"``: True when the
        max-t SDP finds weights with ``Z' diag(s) Z >= (1 - 1e-9) I / c_s`` (checked by an
        eigenvalue computation on its s), after the Frank-Wolfe gap failed to prove the
        optimum positive; the returned s then satisfies that LMI.
    suboptimality_bound : float
        Frank-Wolfe gap of the solved program at s (the diagonal QP's, or for
        ``formulation="psd"`` that of the PSD objective over the capped simplex): a
        solver-independent upper bound on ``objective - optimum`` (same units as
        ``objective``).
    solution_mode : str
        ``"interior"`` (the interior-point solver's point, relative interior of the optimal
        face) or ``"vertex"`` (a basic optimal solution of the LP over that face).
    iterations : int or None
        Interior-point iterations reported by the solver (simplex iterations when the
        degeneracy LP settled the solve).
    message : str
        A human-readable summary, including the degeneracy explanation when it applies.
    formulation : str
        ``"diagonal"`` (the paper's QP) or ``"psd"`` (the full Loewner condition).
    timings : dict of str to float
        Wall seconds per stage of the solve: ``"degeneracy_lp"``, ``"qp"``, ``"vertex_lp"``
        (diagonal), ``"seed_lp"`` (working set), ``"sdp"``, ``"max_t_sdp"``, ``"lmi_pull"``
        (PSD), each present when the stage ran, and ``"certificates"``.
    rounds : int or None
        Restricted QPs solved by the working-set strategy (None for the others).
    """

    s: np.ndarray
    gamma: np.ndarray
    objective: float
    status: str
    solver: str
    solve_seconds: float
    sketch: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray = field(repr=False)
    n: int
    c_s: float
    certified_c_s: float
    certified_c_s_loewner: float
    degenerate: bool
    suboptimality_bound: float
    solution_mode: str
    iterations: int | None = None
    message: str = ""
    formulation: str = "diagonal"
    timings: dict[str, float] = field(default_factory=dict)
    rounds: int | None = None

    @property
    def support_size(self) -> int:
        """Number of weights above ``1e-9 / n`` (the points s can sample)."""
        return int(np.sum(self.s > 1e-9 / self.n))


@dataclass(frozen=True)
class Selection:
    """A coreset chosen by :func:`skmm_convex.select`.

    Attributes
    ----------
    indices : ndarray of int, shape (n,)
        Distinct row indices into the feature matrix.
    method : str
        The selection method.
    weights : ndarray, shape (N,) or None
        Sampling weights ``s`` where the method has them (SkMM), else None.
    solution : MomentMatchingSolution or None
        The moment-matching solution (SkMM only).
    sampler : str or None
        How ``indices`` were drawn from ``weights`` (SkMM only).
    """

    indices: np.ndarray
    method: str
    weights: np.ndarray | None = None
    solution: MomentMatchingSolution | None = None
    sampler: str | None = None


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
        (:func:`~skmm_convex.programs.smallest_c_s.dual_upper_bound`): no s in the capped
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
