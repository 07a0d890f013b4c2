"""The diagonal QP over all N points, with the exact degeneracy decision by LP."""

from __future__ import annotations

import numpy as np

from ..certificates.capped_simplex import repair_capped_simplex
from ..certificates.diagonal import frank_wolfe_gap, reduced_objective
from ..errors import InaccurateSolutionWarning, warn_user
from ..moments import SketchedMoments
from ..programs.diagonal_qp import DiagonalMomentMatchingQP
from ..programs.face_lp import FACE_SLACK, face_vertex_near, proven_positive
from .run import SolverRunner, StageTimer, StrategyOutcome
from .sifting import SiftedFaceLP

__all__ = ["FullStrategy", "vertex_or_interior"]


class FullStrategy:
    """One QP over all N points (built on first use, re-solved through its Parameters).

    Parameters
    ----------
    moments : SketchedMoments
    weights : ndarray, shape (k,)
        Direction weights (:func:`~skmm_convex.programs.diagonal_qp.direction_weights`).
    weighting : str
        The weighting that produced ``weights`` (the QP is built from it).
    runner : SolverRunner

    Notes
    -----
    In vertex mode the degeneracy LP runs first: when ``{B s >= 1/c_s}`` meets the capped
    simplex, the optimum is 0 and the LP's vertex is an optimal solution, so the QP is not
    needed (the outcome's solver is then ``"HIGHS"``). The degeneracy LP over all N is solved
    by sifting (:class:`~.sifting.SiftedFaceLP`: the same vertex as the LP over all N, and an
    empty polytope proven by a sifted phase 1). Otherwise the QP gives the optimal moments
    ``B s*`` and a small LP on the support of ``s*`` a vertex of the optimal face
    (:func:`~skmm_convex.programs.face_lp.face_vertex_near`). In interior mode the QP runs
    first and the LP only when the QP's objective does not already prove the optimum positive.
    Degeneracy LP first is the fast order for the degenerate case (the paper's
    ``c_s = 0.999`` on its data, every solve); in a binding case it costs the sifted proof that
    the polytope is empty (``benchmarks/results/costs.md`` measures both).
    """

    def __init__(
        self, moments: SketchedMoments, weights: np.ndarray, weighting: str, runner: SolverRunner
    ) -> None:
        self.moments, self.weights, self.runner = moments, weights, runner
        self.weighting = weighting
        self._program: DiagonalMomentMatchingQP | None = None
        # the degeneracy LP over all N points (its HiGHS model is built on first use and kept
        # warm across solves)
        self.face_lp = SiftedFaceLP(moments.normalized_moments)
        # (n, c_s) pairs proven binding (optimum > 0) by an earlier solve
        self._binding: list[tuple[int, float]] = []

    @property
    def program(self) -> DiagonalMomentMatchingQP:
        """The QP over all N points (built on first use: a degenerate vertex-mode solve is
        settled by the LP and never needs it)."""
        if self._program is None:
            self._program = DiagonalMomentMatchingQP(self.moments, self.weighting)
        return self._program

    def solve(
        self, n: int, c_s: float, solution: str, gen: np.random.Generator, timer: StageTimer
    ) -> StrategyOutcome:
        """An optimal s for budget n and constant c_s (trusted, validated arguments)."""
        b = self.moments.normalized_moments
        floor = np.full(b.shape[0], (1.0 - FACE_SLACK) / c_s)
        known_binding = self._known_binding(n, c_s)
        if solution == "vertex":
            if known_binding:  # the LP would be infeasible; draw its cost all the same, so
                gen.random(b.shape[1])  # that the rng stream does not depend on this memo
            else:
                with timer.stage("degeneracy_lp"):
                    zero_face_vertex = self.face_lp.vertex(floor, n, gen)
                if zero_face_vertex is not None:
                    s = repair_capped_simplex(zero_face_vertex, n)
                    iterations = self.face_lp.iterations
                    return StrategyOutcome(
                        s, "HIGHS", "optimal", iterations, True, "vertex", timer.seconds
                    )
                if self.face_lp.infeasible:
                    self._binding.append((n, c_s))
        self.program.set_parameters(n, c_s)
        with timer.stage("qp"):
            used_solver, status, iterations = self.runner(self.program.problem)
        s = repair_capped_simplex(np.asarray(self.program.s.value, dtype=float), n)
        if solution == "interior":
            value = reduced_objective(self.moments, s, c_s, self.weights)
            gap = frank_wolfe_gap(self.moments, s, n, c_s, self.weights)
            proven = known_binding or proven_positive(value, gap, self.weights, c_s)
            degenerate = False
            if not proven:
                with timer.stage("degeneracy_lp"):
                    degenerate = self.face_lp.vertex(floor, n, gen) is not None
            if proven or self.face_lp.infeasible:
                self._binding.append((n, c_s))
            return StrategyOutcome(
                s, used_solver, status, iterations, degenerate, "interior", timer.seconds
            )
        with timer.stage("vertex_lp"):
            vertex = face_vertex_near(b, s, n, c_s, gen)
        s, mode = vertex_or_interior(vertex, s, n)
        return StrategyOutcome(s, used_solver, status, iterations, False, mode, timer.seconds)

    def _known_binding(self, n: int, c_s: float) -> bool:
        """Whether an earlier solve proves the optimum positive at (n, c_s).

        The degeneracy set ``{s : 0 <= s <= 1/n, sum(s) = 1, B s >= (1 - FACE_SLACK)/c_s}``
        shrinks as n grows (a smaller cap) and as c_s falls (a higher floor), so it is empty
        at (n, c_s) whenever it was empty at some (n' <= n, c' >= c_s). A sweep of budgets at
        a binding c_s then pays the infeasible LP once, not once per budget.
        """
        return any(n_b <= n and c_b >= c_s for n_b, c_b in self._binding)


def vertex_or_interior(
    vertex: np.ndarray | None, interior: np.ndarray, n: int
) -> tuple[np.ndarray, str]:
    """The vertex put on the capped simplex, or (with a warning) the interior point."""
    if vertex is None:
        warn_user(
            "the LP over the optimal face failed; returning the interior-point solution",
            InaccurateSolutionWarning,
        )
        return interior, "interior"
    return repair_capped_simplex(vertex, n), "vertex"
