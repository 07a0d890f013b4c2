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
from .certificates_psd import psd_frank_wolfe_gap, psd_objective, psd_target
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
from .problems import DiagonalMomentMatchingQP
from .problems_certifiable import MaxCertifiableProgram
from .problems_psd import PSDMomentMatchingSDP
from .results import MomentMatchingSolution

__all__ = [
    "SOLUTION_MODES",
    "MomentMatching",
    "solve_moment_matching",
    "check_solver",
    "default_solution_mode",
]

SOLUTION_MODES = ("vertex", "interior")
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


def default_solution_mode(formulation: str, solution: str | None) -> str:
    """Resolve ``solution=None`` per formulation and reject what a formulation cannot do.

    ``None`` means ``"vertex"`` for the diagonal QP (whose optimal face is a polytope) and
    ``"interior"`` for the PSD program (its optimal set is a spectrahedron: there is no LP
    over it, so ``"vertex"`` is a :class:`~skmm_convex.errors.ValidationError`).
    """
    if solution is None:
        return "interior" if formulation == "psd" else "vertex"
    if formulation == "psd" and solution == "vertex":
        raise ValidationError(
            "solution='vertex' is only available for formulation='diagonal' (the vertex is a "
            "basic solution of an LP over the QP's polyhedral optimal face); use "
            "solution='interior' (or None) with formulation='psd'"
        )
    return solution


class MomentMatching:
    """The moment-matching program for one set of sketched moments, ready to re-solve.

    Parameters
    ----------
    moments : SketchedMoments
    formulation : {"diagonal", "psd"}
        ``"diagonal"``: the paper's QP (see :class:`DiagonalMomentMatchingQP`); ``"psd"``: the
        full Loewner condition with a Frobenius objective (see :class:`PSDMomentMatchingSDP`).
    weighting : {"paper", "relative"}
        Objective weights per direction (see :func:`problems.direction_weights`).
    solver : str
        Any installed CVXPY solver; ``"CLARABEL"`` (interior point) by default.
    solver_options : dict, optional
        Passed to ``problem.solve``.
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
        self.solver_options = dict(solver_options or {})
        self.fallback = fallback
        program = PSDMomentMatchingSDP if formulation == "psd" else DiagonalMomentMatchingQP
        self.program = program(moments, weighting)
        self._certifiability: MaxCertifiableProgram | None = None

    def solve(
        self,
        n: int,
        c_s: float,
        solution: str | None = None,
        rng: np.random.Generator | None = None,
    ) -> MomentMatchingSolution:
        """Solve for budget n and constant c_s (inputs trusted: validate upstream).

        ``solution="vertex"`` (the diagonal default) then moves to a random vertex of the
        optimal face (see :func:`optimal_face.face_vertex`); ``"interior"`` (the PSD default)
        keeps the solver's point. ``None`` picks the formulation's default
        (:func:`default_solution_mode`).
        """
        solution = default_solution_mode(self.formulation, solution)
        if self.formulation == "psd":
            return self._solve_psd(n, c_s)
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

    def _solve_psd(self, n: int, c_s: float) -> MomentMatchingSolution:
        """The PSD program, then an exact degeneracy decision and, if needed, a pull into the LMI.

        The Frobenius solve gives s. If s itself satisfies ``M(s) >= (1 - FACE_SLACK) I / c_s``
        the optimum is 0 (degenerate). Otherwise its Frank-Wolfe gap proves the optimum positive
        when ``F_psd(s) > gap``; failing both, the max-t SDP (:class:`MaxCertifiableProgram`)
        decides whether some s satisfies the LMI (the degenerate case, optimum 0). If it does,
        the solver's s missed the LMI (the objective weights
        ``w_j^2`` make low-variance directions nearly free, so the solver's tolerance leaves
        them slightly short), s is moved along the segment towards the max-t point to the
        first point that satisfies the LMI (bisection; the LMI set is convex).
        """
        start = time.perf_counter()
        self.program.set_parameters(n, c_s)
        used_solver, status, iterations = self._solve_with_fallback()
        s = np.clip(np.asarray(self.program.s.value, dtype=float), 0.0, 1.0 / n)
        weights = self.program.weights
        floor = (1.0 - FACE_SLACK) / c_s
        proven_positive = psd_objective(self.moments, s, c_s, weights) > psd_frank_wolfe_gap(
            self.moments, s, n, c_s, weights
        )
        degenerate = _lambda_min(self.moments.whitened, s) >= floor
        if not proven_positive and not degenerate:
            if self._certifiability is None:
                self._certifiability = MaxCertifiableProgram(self.moments, "loewner")
            self._certifiability.set_parameters(n)
            self._solve_with_fallback(self._certifiability.problem)
            best = np.clip(np.asarray(self._certifiability.s.value, dtype=float), 0.0, 1.0 / n)
            degenerate = _lambda_min(self.moments.whitened, best) >= floor
            if degenerate:
                s = _pull_into_lmi(self.moments.whitened, s, best, floor)
        seconds = time.perf_counter() - start
        return self._certify(
            s, n, c_s, used_solver, status, iterations, seconds, degenerate, "interior"
        )

    def _solve_with_fallback(
        self, problem: cp.Problem | None = None
    ) -> tuple[str, str, int | None]:
        problem = self.program.problem if problem is None else problem
        tried = [self.solver] + (
            [s for s in FALLBACK_SOLVERS if s != self.solver and s in cp.installed_solvers()]
            if self.fallback
            else []
        )
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
                    "program is always feasible (s = 1/N), so this is numerical "
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
        if self.formulation == "psd":
            gamma = np.diag(psd_target(self.moments, s, c_s, weights)).copy()
            objective = psd_objective(self.moments, s, c_s, weights)
            gap = psd_frank_wolfe_gap(self.moments, s, n, c_s, weights)
        else:
            gamma = np.maximum(1.0 / c_s, moment_ratios(self.moments, s))
            objective = reduced_objective(self.moments, s, c_s, weights)
            gap = frank_wolfe_gap(self.moments, s, n, c_s, weights)
        message = (
            f"{solver} {status}; {mode} solution with {int(np.sum(s > 1e-9 / n))} nonzero weights"
        )
        if degenerate:
            explanation = _degeneracy_message(c_s, self.formulation)
            message += "; " + explanation
            warn_user(explanation, DegenerateProblemWarning)
        return MomentMatchingSolution(
            s=s,
            gamma=gamma,
            objective=units * objective,
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
            suboptimality_bound=units * gap,
            solution_mode=mode,
            iterations=iterations,
            message=message,
            formulation=self.formulation,
        )


def _lambda_min(whitened: np.ndarray, s: np.ndarray) -> float:
    """``lambda_min(Z' diag(s) Z)``."""
    weighted = (whitened * s[:, None]).T @ whitened
    return float(np.linalg.eigvalsh((weighted + weighted.T) / 2)[0])


def _pull_into_lmi(
    whitened: np.ndarray, s: np.ndarray, inside: np.ndarray, floor: float, steps: int = 50
) -> np.ndarray:
    """The point ``(1 - theta) s + theta inside`` with the smallest theta that meets the LMI.

    ``inside`` satisfies ``lambda_min(M) >= floor``; ``lambda_min(M(s))`` is concave in s, so
    the theta that work form an interval ending at 1 and bisection finds its left end.
    """
    if _lambda_min(whitened, s) >= floor:
        return s
    low, high = 0.0, 1.0
    for _ in range(steps):
        mid = (low + high) / 2
        if _lambda_min(whitened, (1 - mid) * s + mid * inside) >= floor:
            high = mid
        else:
            low = mid
    return (1 - high) * s + high * inside


def _degeneracy_message(c_s: float, formulation: str = "diagonal") -> str:
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


def solve_moment_matching(
    moments: SketchedMoments,
    n: int,
    c_s: float,
    *,
    solution: str | None = None,
    solver: str = "CLARABEL",
    weighting: str = "paper",
    solver_options: dict[str, Any] | None = None,
    rng: np.random.Generator | None = None,
    formulation: str = "diagonal",
) -> MomentMatchingSolution:
    """Build and solve the moment-matching program once (see :class:`MomentMatching`).

    ``solution=None`` is ``"vertex"`` for ``formulation="diagonal"`` and ``"interior"`` for
    ``"psd"``.
    """
    program = MomentMatching(
        moments, formulation, weighting=weighting, solver=solver, solver_options=solver_options
    )
    return program.solve(n, c_s, solution=solution, rng=rng)
