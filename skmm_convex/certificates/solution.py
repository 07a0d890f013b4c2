"""The certified solution: every number of a :class:`MomentMatchingSolution` recomputed from s."""

from __future__ import annotations

import numpy as np

from ..errors import DegenerateProblemWarning, warn_user
from ..moments import SketchedMoments
from ..results import MomentMatchingSolution
from .diagonal import frank_wolfe_gap, moment_ratios, reduced_objective
from .loewner import certified_c_s, psd_frank_wolfe_gap, psd_objective, psd_target

__all__ = ["certify", "degeneracy_message"]


def certify(
    moments: SketchedMoments,
    s: np.ndarray,
    n: int,
    c_s: float,
    weights: np.ndarray,
    *,
    weighting: str,
    formulation: str,
    degenerate: bool,
    mode: str,
    **fields: object,
) -> MomentMatchingSolution:
    """The solution for weights ``s``, its objective, gap and constants computed from s alone.

    Parameters
    ----------
    moments : SketchedMoments
    s : ndarray, shape (N,)
        Weights on the capped simplex of budget n.
    n : int
    c_s : float
    weights : ndarray, shape (k,)
        The program's direction weights.
    weighting, formulation : str
        Of the program solved (the objective and gap are that program's).
    degenerate : bool
        The optimum is 0; a :class:`~skmm_convex.errors.DegenerateProblemWarning` says so.
    mode : {"vertex", "interior"}
    **fields
        The other fields of :class:`MomentMatchingSolution` (solver, status, iterations,
        solve_seconds, timings, rounds).

    Notes
    -----
    The objective and the Frank-Wolfe gap are computed in scaled units (the programs divide
    the paper's objective by ``lam_1^2`` for ``weighting="paper"``) and reported in the data's.
    """
    lam = moments.eigenvalues
    units = lam[0] ** 2 if weighting == "paper" else 1.0
    if formulation == "psd":
        gamma = np.diag(psd_target(moments, s, c_s, weights)).copy()
        objective = psd_objective(moments, s, c_s, weights)
        gap = psd_frank_wolfe_gap(moments, s, n, c_s, weights)
    else:
        gamma = np.maximum(1.0 / c_s, moment_ratios(moments, s))
        objective = reduced_objective(moments, s, c_s, weights)
        gap = frank_wolfe_gap(moments, s, n, c_s, weights)
    message = (
        f"{fields['solver']} {fields['status']}; {mode} solution with "
        f"{int(np.sum(s > 1e-9 / n))} nonzero weights"
    )
    if degenerate:
        explanation = degeneracy_message(c_s, formulation)
        message += "; " + explanation
        warn_user(explanation, DegenerateProblemWarning)
    return MomentMatchingSolution(
        s=s,
        gamma=gamma,
        objective=units * objective,
        sketch=moments.sketch,
        eigenvalues=lam,
        n=n,
        c_s=c_s,
        certified_c_s=certified_c_s(moments, s, "diagonal"),
        certified_c_s_loewner=certified_c_s(moments, s, "loewner"),
        degenerate=degenerate,
        suboptimality_bound=units * gap,
        solution_mode=mode,
        message=message,
        formulation=formulation,
        **fields,
    )


def degeneracy_message(c_s: float, formulation: str = "diagonal") -> str:
    """Why the optimum is 0 and what that means for the returned s (the warning's text)."""
    if formulation == "psd":
        return (
            f"the PSD moment-matching optimum is 0: some weights satisfy the full condition "
            f"Z' diag(s) Z >= I / c_s = {1 / c_s:.4g} I, so every s in that set is optimal and the "
            "returned s (the interior-point solution, moved into the set if the solver left it "
            "slightly short) is one of many"
        )
    why = (
        "uniform weights s = 1/N are optimal (c_s >= 1)"
        if c_s >= 1
        else f"the coreset moments can exceed the full data's by 1/c_s = {1 / c_s:.4g} on every "
        "direction"
    )
    return (
        f"the moment-matching optimum is 0: {why}, so every point of a whole face is optimal "
        "and the returned s depends on the solver path (solution='vertex' picks a sparse vertex, "
        "'interior' a spread-out point)"
    )
