"""The full-PSD program: the SDP, an exact degeneracy decision and, if needed, a pull into the
LMI."""

from __future__ import annotations

import numpy as np

from ..certificates.capped_simplex import repair_capped_simplex
from ..certificates.loewner import lambda_min, psd_frank_wolfe_gap, psd_objective
from ..moments import SketchedMoments
from ..programs.face_lp import FACE_SLACK
from ..programs.psd_sdp import PSDMomentMatchingSDP
from ..programs.smallest_c_s import MaxCertifiableProgram
from .run import SolverRunner, StageTimer, StrategyOutcome

__all__ = ["PSDStrategy", "pull_into_lmi"]


class PSDStrategy:
    """The PSD program over all N points (built on first use, re-solved through Parameters).

    Parameters
    ----------
    moments : SketchedMoments
    weights : ndarray, shape (k,)
    weighting : str
        The weighting that produced ``weights``.
    runner : SolverRunner

    Notes
    -----
    The Frobenius solve gives s. If s itself satisfies ``M(s) >= (1 - FACE_SLACK) I / c_s``
    the optimum is 0 (degenerate). Otherwise its Frank-Wolfe gap proves the optimum positive
    when ``F_psd(s) > gap``; failing both, the max-t SDP
    (:class:`~skmm_convex.programs.smallest_c_s.MaxCertifiableProgram`) decides whether some s
    satisfies the LMI (the degenerate case, optimum 0). If it does, the solver's s missed the
    LMI (the objective weights ``w_j^2`` make low-variance directions nearly free, so the
    solver's tolerance leaves them slightly short), and s is moved along the segment towards
    the max-t point to the first point that satisfies the LMI (:func:`pull_into_lmi`).
    """

    def __init__(
        self, moments: SketchedMoments, weights: np.ndarray, weighting: str, runner: SolverRunner
    ) -> None:
        self.moments, self.weights, self.runner = moments, weights, runner
        self.weighting = weighting
        self._program: PSDMomentMatchingSDP | None = None
        self._certifiability: MaxCertifiableProgram | None = None

    @property
    def program(self) -> PSDMomentMatchingSDP:
        """The SDP over all N points (built on first use)."""
        if self._program is None:
            self._program = PSDMomentMatchingSDP(self.moments, self.weighting)
        return self._program

    def solve(
        self, n: int, c_s: float, solution: str, gen: np.random.Generator, timer: StageTimer
    ) -> StrategyOutcome:
        """An optimal s for budget n and constant c_s (``solution`` is always "interior")."""
        whitened, weights = self.moments.whitened, self.weights
        self.program.set_parameters(n, c_s)
        with timer.stage("sdp"):
            used_solver, status, iterations = self.runner(self.program.problem)
        s = repair_capped_simplex(np.asarray(self.program.s.value, dtype=float), n)
        floor = (1.0 - FACE_SLACK) / c_s
        proven_positive = psd_objective(self.moments, s, c_s, weights) > psd_frank_wolfe_gap(
            self.moments, s, n, c_s, weights
        )
        degenerate = lambda_min(whitened, s) >= floor
        if not proven_positive and not degenerate:
            with timer.stage("max_t_sdp"):
                if self._certifiability is None:
                    self._certifiability = MaxCertifiableProgram(self.moments, "loewner")
                self._certifiability.set_parameters(n)
                self.runner(self._certifiability.problem)
            best = repair_capped_simplex(np.asarray(self._certifiability.s.value, dtype=float), n)
            degenerate = lambda_min(whitened, best) >= floor
            if degenerate:
                with timer.stage("lmi_pull"):
                    s = pull_into_lmi(whitened, s, best, floor)
        return StrategyOutcome(
            s, used_solver, status, iterations, degenerate, "interior", timer.seconds
        )


def pull_into_lmi(
    whitened: np.ndarray, s: np.ndarray, inside: np.ndarray, floor: float, steps: int = 50
) -> np.ndarray:
    """The point ``(1 - theta) s + theta inside`` with the smallest theta that meets the LMI.

    ``inside`` satisfies ``lambda_min(M) >= floor``; ``lambda_min(M(s))`` is concave in s, so
    the theta that work form an interval ending at 1 and bisection finds its left end.
    """
    if lambda_min(whitened, s) >= floor:
        return s
    low, high = 0.0, 1.0
    for _ in range(steps):
        mid = (low + high) / 2
        if lambda_min(whitened, (1 - mid) * s + mid * inside) >= floor:
            high = mid
        else:
            low = mid
    return (1 - high) * s + high * inside
