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
    ValidationError,
    warn_user,
)
from .moments import SketchedMoments
from .optimal_face import FACE_SLACK, face_vertex
from .problems import DiagonalMomentMatchingQP, direction_weights
from .results import MomentMatchingSolution
from .working_set import solve_working_set

__all__ = [
    "SOLUTION_MODES",
    "STRATEGIES",
    "WORKING_SET_MIN_SAMPLES",
    "MomentMatching",
    "solve_moment_matching",
    "check_solver",
]

SOLUTION_MODES = ("vertex", "interior")
STRATEGIES = ("auto", "full", "working-set")
# strategy="auto" switches to the working-set scheme from this many points on
WORKING_SET_MIN_SAMPLES = 20_000
FALLBACK_SOLVERS = ("CLARABEL", "SCS")


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
        Passed to ``problem.solve``.
    fallback : bool
        On a solver failure, retry with the other of CLARABEL/SCS and say so in the result.
    strategy : {"auto", "full", "working-set"}
        ``"full"``: one QP over all N points (built here, re-solved through its Parameters).
        ``"working-set"``: exact column generation (:mod:`skmm_convex.working_set`): QPs over
        a small working set, every point priced, stopped by a Frank-Wolfe certificate over all
        N; the degeneracy test and the vertex LP then run on the working set too.
        ``"auto"``: ``"full"`` below :data:`WORKING_SET_MIN_SAMPLES` points, else
        ``"working-set"``.
    """

    def __init__(
        self,
        moments: SketchedMoments,
        formulation: str = "diagonal",
        weighting: str = "paper",
        solver: str = "CLARABEL",
        solver_options: dict[str, Any] | None = None,
        fallback: bool = True,
        strategy: str = "auto",
    ) -> None:
        self.moments = moments
        self.formulation = formulation
        self.weighting = weighting
        self.solver = check_solver(solver)
        self.solver_options = dict(solver_options or {})
        self.fallback = fallback
        installed = cp.installed_solvers()  # slow (import checks): asked once, not per solve
        self._fallbacks = [s for s in FALLBACK_SOLVERS if s != self.solver and s in installed]
        if strategy not in STRATEGIES:
            raise ValidationError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        n_samples = moments.whitened.shape[0]
        if strategy == "auto":
            strategy = "full" if n_samples < WORKING_SET_MIN_SAMPLES else "working-set"
        self.strategy = strategy
        self.weights = direction_weights(moments, weighting)
        # the full QP is built (canonicalised on first solve) only when it is used
        self.program = DiagonalMomentMatchingQP(moments, weighting) if strategy == "full" else None

    def solve(
        self,
        n: int,
        c_s: float,
        solution: str = "vertex",
        rng: np.random.Generator | None = None,
    ) -> MomentMatchingSolution:
        """Solve for budget n and constant c_s (inputs trusted: validate upstream).

        ``solution="vertex"`` then moves to a random vertex of the optimal face (see
        :func:`optimal_face.optimal_face_vertex`); ``"interior"`` keeps the solver's point
        (with the working-set strategy, the restricted solver's point: optimal, but spread
        over the working set only, not over all N points).
        """
        start = time.perf_counter()
        if self.strategy == "working-set":
            return self._solve_working_set(n, c_s, solution, rng, start)
        self.program.set_parameters(n, c_s)
        used_solver, status, iterations = self._solve_with_fallback(self.program.problem)
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

    def _solve_working_set(
        self, n: int, c_s: float, solution: str, rng: Any, start: float
    ) -> MomentMatchingSolution:
        """Column generation, then the exact degeneracy test and the vertex on the working set.

        A vertex of the optimal face restricted to ``{s_i = 0, i not in W}`` is a vertex of the
        optimal face itself (a face of a face), so the vertex mode keeps its meaning.
        """
        gen = np.random.default_rng(rng)
        ws_rng, face_rng = gen.spawn(2)
        b = self.moments.normalized_moments
        result = solve_working_set(b, self.weights, n, c_s, self._solve_with_fallback, rng=ws_rng)
        if not result.converged:
            warn_user(
                f"the working-set scheme stopped after {result.rounds} rounds with Frank-Wolfe "
                f"gap {result.gap:.3g} above its tolerance; check solution.suboptimality_bound",
                InaccurateSolutionWarning,
            )
        working = result.working_set
        b_w = b[:, working]
        s = result.s
        floor = np.full(b.shape[0], (1.0 - FACE_SLACK) / c_s)
        # F* >= F(s) - gap, and sqrt(F*) > ||w|| FACE_SLACK / c_s proves that no s meets the
        # slackened floor (triangle inequality on the hinge): certified non-degenerate, no LP.
        # Otherwise the LP decides, on the working set first, then over all N points
        certified = np.sqrt(max(result.objective - result.gap, 0.0)) > (
            np.linalg.norm(self.weights) * FACE_SLACK / c_s
        )
        zero_face_vertex = None
        if not certified:
            zero_face_vertex = face_vertex(b_w, floor, n, face_rng)
            if zero_face_vertex is not None:
                zero_face_vertex = _extend(zero_face_vertex, working, b.shape[1])
            else:
                zero_face_vertex = face_vertex(b, floor, n, face_rng)
        degenerate = zero_face_vertex is not None
        mode = "interior"
        if solution == "vertex":
            vertex = (
                zero_face_vertex
                if degenerate
                else face_vertex(
                    b_w,
                    np.minimum(b_w @ s[working], 1.0 / c_s) * (1.0 - FACE_SLACK),
                    n,
                    face_rng,
                )
            )
            if vertex is None:
                warn_user(
                    "the LP over the optimal face failed; returning the interior-point solution",
                    InaccurateSolutionWarning,
                )
            else:
                s = vertex if degenerate else _extend(vertex, working, b.shape[1])
                mode = "vertex"
        seconds = time.perf_counter() - start
        return self._certify(
            s,
            n,
            c_s,
            result.solver,
            result.status,
            result.iterations,
            seconds,
            degenerate,
            mode,
        )

    def _solve_with_fallback(self, problem: cp.Problem) -> tuple[str, str, int | None]:
        tried = [self.solver] + (self._fallbacks if self.fallback else [])
        failures = []
        for solver in tried:
            options = self.solver_options if solver == self.solver else {}
            try:
                problem.solve(solver=solver, **options)
            except cp.error.SolverError as exc:
                failures.append(f"{solver}: {exc}")
                continue
            status = problem.status
            if status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
                if status == cp.OPTIMAL_INACCURATE:
                    warn_user(
                        f"{solver} stopped at reduced accuracy (optimal_inaccurate); check "
                        "solution.suboptimality_bound or tighten the solver tolerances",
                        InaccurateSolutionWarning,
                    )
                stats = problem.solver_stats
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
        weights = self.weights
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


def _extend(values: np.ndarray, support: np.ndarray, size: int) -> np.ndarray:
    """A length-``size`` vector holding ``values`` at ``support`` and zeros elsewhere."""
    out = np.zeros(size)
    out[support] = values
    return out


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
    strategy: str = "auto",
) -> MomentMatchingSolution:
    """Build and solve the moment-matching program once (see :class:`MomentMatching`)."""
    program = MomentMatching(
        moments,
        weighting=weighting,
        solver=solver,
        solver_options=solver_options,
        strategy=strategy,
    )
    return program.solve(n, c_s, solution=solution, rng=rng)
