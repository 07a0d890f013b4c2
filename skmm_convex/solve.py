"""Solve the moment-matching program and certify the answer.

:class:`MomentMatching` builds the CVXPY problem once for a set of moments and re-solves it for
any budget n and constant c_s through its Parameters; :func:`solve_moment_matching` is the
one-shot convenience.
"""

from __future__ import annotations

import time
from typing import Any

import cvxpy as cp
import numpy as np

from .certificates import certified_c_s, frank_wolfe_gap, moment_ratios, reduced_objective
from .errors import (
    DegenerateProblemWarning,
    InaccurateSolutionWarning,
    InfeasibleProblemError,
    SolverError,
    SolverNotInstalledError,
    warn_user,
)
from .moments import SketchedMoments
from .optimal_face import FACE_SLACK, face_vertex
from .problems import DiagonalMomentMatchingQP
from .results import MomentMatchingSolution

__all__ = ["SOLUTION_MODES", "MomentMatching", "solve_moment_matching", "check_solver"]

SOLUTION_MODES = ("vertex", "interior")
FALLBACK_SOLVERS = ("CLARABEL", "SCS")
# Clarabel's default gap tolerance (1e-8, absolute and relative) is loose for this program:
# binding optima are often tiny in absolute terms (the objective is divided by lam_1^2), and
# at 1e-8 the Frank-Wolfe gap showed relative errors up to 4e-5 on the Table-1 data. These
# cost a few more iterations (measured: 25-35 instead of 21-29).
DEFAULT_SOLVER_OPTIONS = {
    "CLARABEL": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-11}
}


def check_solver(solver: str) -> str:
    """Return the upper-cased solver name if CVXPY has it installed."""
    name = str(solver).upper()
    installed = cp.installed_solvers()
    if name not in installed:
        raise SolverNotInstalledError(
            f"solver must be one of the installed CVXPY solvers {sorted(installed)}, got "
            f"{solver!r} (install it, e.g. `pip install {str(solver).lower()}`, or pick another)"
        )
    return name


class MomentMatching:
    """The moment-matching program for one set of sketched moments, ready to re-solve.

    Parameters
    ----------
    moments : SketchedMoments
    formulation : {"diagonal"}
        ``"diagonal"``: the paper's QP (see :class:`DiagonalMomentMatchingQP`).
    weighting : {"paper", "relative"}
        Objective weights per direction (see :func:`problems.direction_weights`).
    solver : str
        Any installed CVXPY solver; ``"CLARABEL"`` (interior point) by default.
    solver_options : dict, optional
        Passed to ``problem.solve``, over :data:`DEFAULT_SOLVER_OPTIONS` (tight gap
        tolerances for Clarabel).
    fallback : bool
        On a solver failure, retry with the other of CLARABEL/SCS and say so in the result.
    """

    def __init__(
        self,
        moments: SketchedMoments,
        formulation: str = "diagonal",
        weighting: str = "paper",
        solver: str = "CLARABEL",
        solver_options: dict[str, Any] | None = None,
        fallback: bool = True,
    ) -> None:
        self.moments = moments
        self.formulation = formulation
        self.weighting = weighting
        self.solver = check_solver(solver)
        self.solver_options = {
            **DEFAULT_SOLVER_OPTIONS.get(self.solver, {}),
            **(solver_options or {}),
        }
        self.fallback = fallback
        self.program = DiagonalMomentMatchingQP(moments, weighting)

    def solve(
        self,
        n: int,
        c_s: float,
        solution: str = "vertex",
        rng: np.random.Generator | None = None,
    ) -> MomentMatchingSolution:
        """Solve for budget n and constant c_s (inputs trusted: validate upstream).

        ``solution="vertex"`` then moves to a random vertex of the optimal face (see
        :func:`optimal_face.optimal_face_vertex`); ``"interior"`` keeps the solver's point.
        """
        start = time.perf_counter()
        self.program.set_parameters(n, c_s)
        used_solver, status, iterations = self._solve_with_fallback()
        s = np.clip(np.asarray(self.program.s.value, dtype=float), 0.0, 1.0 / n)
        b = self.moments.normalized_moments
        gen = np.random.default_rng(rng)
        # exact degeneracy test: the optimum is 0 iff {B s >= 1/c_s} meets the capped simplex
        floor = np.full(b.shape[0], (1.0 - FACE_SLACK) / c_s)
        zero_face_vertex = face_vertex(b, floor, n, gen)
        degenerate = zero_face_vertex is not None
        mode = "interior"
        if solution == "vertex":
            vertex = (
                zero_face_vertex
                if degenerate
                else face_vertex(b, np.minimum(b @ s, 1.0 / c_s) * (1.0 - FACE_SLACK), n, gen)
            )
            if vertex is None:
                warn_user(
                    "the LP over the optimal face failed; returning the interior-point solution",
                    InaccurateSolutionWarning,
                )
            else:
                s, mode = vertex, "vertex"
        seconds = time.perf_counter() - start
        return self._certify(s, n, c_s, used_solver, status, iterations, seconds, degenerate, mode)

    def _solve_with_fallback(self) -> tuple[str, str, int | None]:
        tried = [self.solver] + (
            [s for s in FALLBACK_SOLVERS if s != self.solver and s in cp.installed_solvers()]
            if self.fallback
            else []
        )
        failures = []
        for solver in tried:
            options = (
                self.solver_options
                if solver == self.solver
                else DEFAULT_SOLVER_OPTIONS.get(solver, {})
            )
            try:
                self.program.problem.solve(solver=solver, **options)
            except cp.error.SolverError as exc:
                failures.append(f"{solver}: {exc}")
                continue
            status = self.program.problem.status
            if status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
                if status == cp.OPTIMAL_INACCURATE:
                    warn_user(
                        f"{solver} stopped at reduced accuracy (optimal_inaccurate); check "
                        "solution.suboptimality_bound or tighten the solver tolerances",
                        InaccurateSolutionWarning,
                    )
                stats = self.program.problem.solver_stats
                return solver, status, getattr(stats, "num_iters", None)
            failures.append(f"{solver}: status {status}")
            if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE) and solver == tried[-1]:
                raise InfeasibleProblemError(
                    f"moment matching ({self.formulation}, N={self.moments.whitened.shape[0]}, "
                    f"k={self.moments.n_directions}) reported infeasible by {solver}; the "
                    "diagonal program is always feasible (s = 1/N), so this is numerical "
                    "trouble: try another solver or a smaller sketch_dim"
                )
        raise SolverError(
            f"moment matching ({self.formulation}, N={self.moments.whitened.shape[0]}, "
            f"k={self.moments.n_directions}) failed: {'; '.join(failures)}. Try another "
            "solver (solver='SCS'), a smaller sketch_dim, or weighting='relative'"
        )

    def _certify(
        self,
        s: np.ndarray,
        n: int,
        c_s: float,
        solver: str,
        status: str,
        iterations: int | None,
        seconds: float,
        degenerate: bool,
        mode: str,
    ) -> MomentMatchingSolution:
        weights = self.program.weights
        lam = self.moments.eigenvalues
        units = lam[0] ** 2 if self.weighting == "paper" else 1.0
        gamma = np.maximum(1.0 / c_s, moment_ratios(self.moments, s))
        message = (
            f"{solver} {status}; {mode} solution with {int(np.sum(s > 1e-9 / n))} nonzero weights"
        )
        if degenerate:
            message += "; " + _degeneracy_message(c_s)
            warn_user(_degeneracy_message(c_s), DegenerateProblemWarning)
        return MomentMatchingSolution(
            s=s,
            gamma=gamma,
            objective=units * reduced_objective(self.moments, s, c_s, weights),
            status=status,
            solver=solver,
            solve_seconds=seconds,
            sketch=self.moments.sketch,
            eigenvalues=lam,
            n=n,
            c_s=c_s,
            certified_c_s=certified_c_s(self.moments, s, "diagonal"),
            certified_c_s_loewner=certified_c_s(self.moments, s, "loewner"),
            degenerate=degenerate,
            suboptimality_bound=units * frank_wolfe_gap(self.moments, s, n, c_s, weights),
            solution_mode=mode,
            iterations=iterations,
            message=message,
        )


def _degeneracy_message(c_s: float) -> str:
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


def solve_moment_matching(
    moments: SketchedMoments,
    n: int,
    c_s: float,
    *,
    solution: str = "vertex",
    solver: str = "CLARABEL",
    weighting: str = "paper",
    solver_options: dict[str, Any] | None = None,
    rng: np.random.Generator | None = None,
) -> MomentMatchingSolution:
    """Build and solve the moment-matching program once (see :class:`MomentMatching`)."""
    program = MomentMatching(
        moments, weighting=weighting, solver=solver, solver_options=solver_options
    )
    return program.solve(n, c_s, solution=solution, rng=rng)
