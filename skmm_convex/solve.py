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

from ._simplex import repair_capped_simplex
from ._validation import (
    as_generator,
    check_choice,
    check_int,
    check_positive_float,
    check_solver_options,
)
from .certificates import certified_c_s, frank_wolfe_gap, moment_ratios, reduced_objective
from .certificates_psd import psd_frank_wolfe_gap, psd_objective, psd_target
from .errors import (
    DegenerateProblemWarning,
    InaccurateSolutionWarning,
    ValidationError,
    warn_user,
)
from .moments import SketchedMoments
from .optimal_face import FACE_SLACK, FaceLP, face_vertex
from .problems import WEIGHTINGS, DiagonalMomentMatchingQP, direction_weights
from .problems_certifiable import MaxCertifiableProgram
from .problems_psd import PSDMomentMatchingSDP
from .results import MomentMatchingSolution
from .sifted_face import SiftedFaceLP
from .solvers import (
    FALLBACK_SOLVERS,
    check_options_accepted,
    check_solver,
    installed_solvers,
    run_with_fallback,
)
from .working_set import initial_working_set, seeded_working_set, solve_working_set

__all__ = [
    "SOLUTION_MODES",
    "STRATEGIES",
    "WORKING_SET_MIN_SAMPLES",
    "MomentMatching",
    "solve_moment_matching",
    "check_solver",
    "default_solution_mode",
]

SOLUTION_MODES = ("vertex", "interior")
FORMULATIONS = ("diagonal", "psd")
STRATEGIES = ("auto", "full", "working-set")
# strategy="auto" switches to the working-set scheme from this many points on
WORKING_SET_MIN_SAMPLES = 20_000


def default_solution_mode(formulation: str, solution: str | None) -> str:
    """Resolve ``solution=None`` per formulation and reject what a formulation cannot do.

    ``None`` means ``"vertex"`` for the diagonal QP (whose optimal face is a polytope) and
    ``"interior"`` for the PSD program (its optimal set is a spectrahedron: there is no LP
    over it, so ``"vertex"`` is a :class:`~skmm_convex.errors.ValidationError`).
    """
    if solution is None:
        return "interior" if formulation == "psd" else "vertex"
    check_choice(solution, "solution", SOLUTION_MODES)
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
        Any installed CVXPY solver; ``"CLARABEL"`` (interior point) by default. ``"PIQP"``
        (proximal interior point, installed with the package) solved these QPs about twice
        as fast (``benchmarks/results/costs.md``).
    solver_options : dict, optional
        Passed to ``problem.solve``, over :data:`solvers.DEFAULT_SOLVER_OPTIONS` (Clarabel's
        gap tolerances tightened to 1e-12, feasibility to 1e-10; PIQP's to 1e-12).
    fallback : bool
        On a solver failure, retry with the other of CLARABEL/SCS (without
        ``solver_options``), warn with :class:`SolverFallbackWarning` and name the solver that
        produced the answer in ``solution.solver``. With ``fallback=False`` a failure raises.
    strategy : {"auto", "full", "working-set"}
        ``"full"``: one QP over all N points (built here, re-solved through its Parameters).
        ``"working-set"``: exact column generation (:mod:`skmm_convex.working_set`): QPs over
        a small working set, every point priced, stopped by a Frank-Wolfe certificate over all
        N; the degeneracy test and the vertex LP then run on the working set too.
        ``"auto"``: ``"full"`` below :data:`WORKING_SET_MIN_SAMPLES` points, else
        ``"working-set"``. The PSD formulation is always solved in full.

    Raises
    ------
    ValidationError
        A bad ``formulation``, ``weighting``, ``strategy``, ``solver_options`` or ``moments``.
    SolverNotInstalledError
        ``solver`` is not an installed CVXPY solver (the message lists the installed ones).
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
        if not isinstance(moments, SketchedMoments):
            raise ValidationError(
                f"moments must be a SketchedMoments (from compute_moments), got "
                f"{type(moments).__name__}"
            )
        if moments.n_directions == 0:
            raise ValidationError("moments has no direction with positive variance")
        self.moments = moments
        self.formulation = check_choice(formulation, "formulation", FORMULATIONS)
        self.weighting = check_choice(weighting, "weighting", WEIGHTINGS)
        self.solver = check_solver(solver)
        self.solver_options = check_solver_options(solver_options)
        check_options_accepted(self.solver, self.solver_options)
        if not isinstance(fallback, bool | np.bool_):
            raise ValidationError(f"fallback must be True or False, got {fallback!r}")
        self.fallback = bool(fallback)
        self._fallbacks = [
            s for s in FALLBACK_SOLVERS if s != self.solver and s in installed_solvers()
        ]
        strategy = check_choice(strategy, "strategy", STRATEGIES)
        if self.formulation == "psd" and strategy == "working-set":
            raise ValidationError(
                "strategy='working-set' is only available for formulation='diagonal'"
            )
        n_samples = moments.whitened.shape[0]
        if strategy == "auto":
            small = n_samples < WORKING_SET_MIN_SAMPLES or self.formulation == "psd"
            strategy = "full" if small else "working-set"
        self.strategy = strategy
        self.weights = direction_weights(moments, weighting)
        self._program: DiagonalMomentMatchingQP | PSDMomentMatchingSDP | None = None
        self._certifiability: MaxCertifiableProgram | None = None
        self._face_lp_model: SiftedFaceLP | None = None
        # (n, c_s) pairs proven binding (optimum > 0) by an earlier solve of this program
        self._binding: list[tuple[int, float]] = []

    def solve(
        self,
        n: int,
        c_s: float,
        solution: str | None = None,
        rng: np.random.Generator | None = None,
    ) -> MomentMatchingSolution:
        """Solve for budget n (in ``[1, N]``) and constant c_s (> 0).

        ``solution="vertex"`` (the diagonal default) then moves to a random vertex of the
        optimal face (see :func:`optimal_face.face_vertex`); ``"interior"`` (the PSD default,
        and the only mode there) keeps the solver's point (with the
        working-set strategy, the restricted solver's point: optimal, but spread over the
        working set only, not over all N points). Either point is projected onto the capped
        simplex, so its constraints hold to rounding whatever the solver's tolerance.

        Raises
        ------
        ValidationError
            Bad n, c_s, solution or rng.
        SolverError
            Every solver tried failed (numerical trouble, iteration limit).
        InfeasibleProblemError
            A solver reported the program infeasible and none solved it.
        """
        n = check_int(n, "n", 1, self.moments.whitened.shape[0])
        c_s = check_positive_float(c_s, "c_s")
        solution = default_solution_mode(self.formulation, solution)
        gen = as_generator(rng)
        start = time.perf_counter()
        if self.formulation == "psd":
            return self._solve_psd(n, c_s, start)
        if self.strategy == "working-set":
            return self._solve_working_set(n, c_s, solution, rng, start)
        return self._solve_full(n, c_s, solution, gen, start)

    def _solve_full(
        self, n: int, c_s: float, solution: str, gen: np.random.Generator, start: float
    ) -> MomentMatchingSolution:
        """The QP over all N points, with the exact degeneracy decision by LP.

        In vertex mode the degeneracy LP runs first: when ``{B s >= 1/c_s}`` meets the capped
        simplex, the optimum is 0 and the LP's vertex is an optimal solution, so the QP is not
        needed (``solution.solver`` is then ``"HIGHS"``). The degeneracy LP over all N is solved
        by sifting (:class:`sifted_face.SiftedFaceLP`: small restricted LPs, every point
        priced; the same vertex as the LP over all N, and an empty polytope proven by a sifted
        phase 1). Otherwise the QP gives the optimal moments ``B s*`` and a small LP on the
        support of ``s*`` a vertex of the optimal face (:func:`_face_vertex_near`). In interior
        mode the QP runs first and the LP only when the QP's objective does not already prove
        the optimum positive.

        The degeneracy LP first is the fast order for the degenerate case (the paper's
        ``c_s = 0.999`` on its data, every solve); in a binding case it costs the sifted proof
        that the polytope is empty (``benchmarks/results/costs.md``: 0.034 s at N = 2000,
        m = 32, against 0.19 s for the LP over all N).
        """
        b = self.moments.normalized_moments
        floor = np.full(b.shape[0], (1.0 - FACE_SLACK) / c_s)
        known_binding = self._known_binding(n, c_s)
        if solution == "vertex":
            if known_binding:  # the LP would be infeasible; draw its cost all the same, so
                gen.random(b.shape[1])  # that the rng stream does not depend on this memo
            else:
                zero_face_vertex = self._face_lp.vertex(floor, n, gen)
                if zero_face_vertex is not None:
                    s = repair_capped_simplex(zero_face_vertex, 1.0 / n)
                    iterations = self._face_lp.iterations
                    seconds = time.perf_counter() - start
                    return self._certify(
                        s, n, c_s, "HIGHS", "optimal", iterations, seconds, True, "vertex"
                    )
                if self._face_lp.infeasible:
                    self._binding.append((n, c_s))
        self.program.set_parameters(n, c_s)
        used_solver, status, iterations = self._solve_with_fallback(self.program.problem)
        s = repair_capped_simplex(np.asarray(self.program.s.value, dtype=float), 1.0 / n)
        if solution == "interior":
            weights = self.weights
            value = reduced_objective(self.moments, s, c_s, weights)
            gap = frank_wolfe_gap(self.moments, s, n, c_s, weights)
            proven = known_binding or _proven_positive(value, gap, weights, c_s)
            degenerate = not proven and self._face_lp.vertex(floor, n, gen) is not None
            if proven or self._face_lp.infeasible:
                self._binding.append((n, c_s))
            seconds = time.perf_counter() - start
            return self._certify(
                s, n, c_s, used_solver, status, iterations, seconds, degenerate, "interior"
            )
        s, mode = _vertex_or_interior(_face_vertex_near(b, s, n, c_s, gen), s, n)
        seconds = time.perf_counter() - start
        return self._certify(s, n, c_s, used_solver, status, iterations, seconds, False, mode)

    def _known_binding(self, n: int, c_s: float) -> bool:
        """Whether an earlier solve proves the optimum positive at (n, c_s).

        The degeneracy set ``{s : 0 <= s <= 1/n, sum(s) = 1, B s >= (1 - FACE_SLACK)/c_s}``
        shrinks as n grows (a smaller cap) and as c_s falls (a higher floor), so it is empty
        at (n, c_s) whenever it was empty at some (n' <= n, c' >= c_s). A sweep of budgets at
        a binding c_s then pays the infeasible LP once, not once per budget.
        """
        return any(n_b <= n and c_b >= c_s for n_b, c_b in self._binding)

    @property
    def program(self) -> DiagonalMomentMatchingQP | PSDMomentMatchingSDP | None:
        """The CVXPY program over all N points (None with the working-set strategy).

        Built on first use (canonicalised on its first solve): a degenerate vertex-mode solve
        is settled by the LP and never needs it.
        """
        if self._program is None and self.strategy == "full":
            build = PSDMomentMatchingSDP if self.formulation == "psd" else DiagonalMomentMatchingQP
            self._program = build(self.moments, self.weighting)
        return self._program

    @property
    def _face_lp(self) -> SiftedFaceLP:
        """The degeneracy LP over all N points (built on first use, kept across re-solves)."""
        if self._face_lp_model is None:
            self._face_lp_model = SiftedFaceLP(self.moments.normalized_moments)
        return self._face_lp_model

    def _solve_psd(self, n: int, c_s: float, start: float) -> MomentMatchingSolution:
        """The PSD program, then an exact degeneracy decision and, if needed, a pull into the LMI.

        The Frobenius solve gives s. If s itself satisfies ``M(s) >= (1 - FACE_SLACK) I / c_s``
        the optimum is 0 (degenerate). Otherwise its Frank-Wolfe gap proves the optimum positive
        when ``F_psd(s) > gap``; failing both, the max-t SDP (:class:`MaxCertifiableProgram`)
        decides whether some s satisfies the LMI (the degenerate case, optimum 0). If it does,
        the solver's s missed the LMI (the objective weights ``w_j^2`` make low-variance
        directions nearly free, so the solver's tolerance leaves them slightly short), and s is
        moved along the segment towards the max-t point to the first point that satisfies the
        LMI (bisection; the LMI set is convex).
        """
        self.program.set_parameters(n, c_s)
        used_solver, status, iterations = self._solve_with_fallback(self.program.problem)
        s = repair_capped_simplex(np.asarray(self.program.s.value, dtype=float), 1.0 / n)
        weights = self.weights
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
            best = repair_capped_simplex(
                np.asarray(self._certifiability.s.value, dtype=float), 1.0 / n
            )
            degenerate = _lambda_min(self.moments.whitened, best) >= floor
            if degenerate:
                s = _pull_into_lmi(self.moments.whitened, s, best, floor)
        seconds = time.perf_counter() - start
        return self._certify(
            s, n, c_s, used_solver, status, iterations, seconds, degenerate, "interior"
        )

    def _solve_working_set(
        self, n: int, c_s: float, solution: str, rng: Any, start: float
    ) -> MomentMatchingSolution:
        """Column generation, then the exact degeneracy test and the vertex on the working set.

        A vertex of the optimal face restricted to ``{s_i = 0, i not in W}`` is a vertex of the
        optimal face itself (a face of a face), so the vertex mode keeps its meaning. In vertex
        mode the degeneracy LP is first tried on the initial working set, unless a small LP
        (the least weighted violation of ``B s >= 1/c_s`` on that set) proves it infeasible:
        when it is feasible there, the optimum is 0, its vertex is optimal and no QP is
        solved. Otherwise the same least-violation LP over all N (by sifting) gives a point
        whose support and best-priced points are the first working set (on the Table-1
        instance the binding QP then took 1 to 3 rounds instead of 2 to 4).
        """
        gen = np.random.default_rng(rng)
        ws_rng, face_rng = gen.spawn(2)
        b = self.moments.normalized_moments
        size = b.shape[1]
        floor = np.full(b.shape[0], (1.0 - FACE_SLACK) / c_s)
        initial = initial_working_set(b, self.weights, n, c_s, ws_rng)
        if solution == "vertex":
            # the least weighted violation of B s >= floor, first on the initial set (a small
            # LP, feasible): only when it is not proven positive there can the degeneracy LP
            # on that set be feasible, and an infeasible LP is slow to prove so
            costs = self.weights**2
            on_set = SiftedFaceLP(b[:, initial])
            on_set.least_violation(floor, n, costs)
            if not on_set.proves_empty(costs):
                lp = FaceLP(b[:, initial])
                zero_face_vertex = lp.vertex(floor, n, face_rng)
                if zero_face_vertex is not None:
                    s = repair_capped_simplex(_extend(zero_face_vertex, initial, size), 1.0 / n)
                    seconds = time.perf_counter() - start
                    return self._certify(
                        s, n, c_s, "HIGHS", "optimal", lp.iterations, seconds, True, "vertex"
                    )
            # then over all N (by sifting): that point's support and the best-priced points
            # there seed the QP's working set (the QP weighs the same violations, squared)
            seed = self._face_lp.least_violation(floor, n, costs)
            if seed is not None:
                initial = seeded_working_set(b, self.weights, seed, n, c_s)
        result = solve_working_set(
            b, self.weights, n, c_s, self._solve_with_fallback, rng=ws_rng, initial=initial
        )
        if not result.converged:
            warn_user(
                f"the working-set scheme stopped after {result.rounds} rounds with Frank-Wolfe "
                f"gap {result.gap:.3g} above its tolerance; check solution.suboptimality_bound",
                InaccurateSolutionWarning,
            )
        working = result.working_set
        b_w = b[:, working]
        s = repair_capped_simplex(result.s, 1.0 / n)
        # certified non-degenerate by the objective and its gap: no LP. Otherwise the LP
        # decides, on the working set first, then over all N points (by sifting)
        zero_face_vertex = None
        if not _proven_positive(result.objective, result.gap, self.weights, c_s):
            zero_face_vertex = face_vertex(b_w, floor, n, face_rng)
            if zero_face_vertex is not None:
                zero_face_vertex = _extend(zero_face_vertex, working, size)
            else:
                zero_face_vertex = self._face_lp.vertex(floor, n, face_rng)
        degenerate = zero_face_vertex is not None
        mode = "interior"
        if solution == "vertex":
            vertex = zero_face_vertex if degenerate else _face_vertex_near(b, s, n, c_s, face_rng)
            s, mode = _vertex_or_interior(vertex, s, n)
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
        where = (
            f"moment matching ({self.formulation}, N={self.moments.whitened.shape[0]}, "
            f"k={self.moments.n_directions})"
        )
        fallbacks = self._fallbacks if self.fallback else []
        return run_with_fallback(problem, self.solver, self.solver_options, fallbacks, where)

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


def _vertex_or_interior(
    vertex: np.ndarray | None, interior: np.ndarray, n: int
) -> tuple[np.ndarray, str]:
    """The vertex put on the capped simplex, or (with a warning) the interior point."""
    if vertex is None:
        warn_user(
            "the LP over the optimal face failed; returning the interior-point solution",
            InaccurateSolutionWarning,
        )
        return interior, "interior"
    return repair_capped_simplex(vertex, 1.0 / n), "vertex"


def _face_vertex_near(
    b: np.ndarray, s: np.ndarray, n: int, c_s: float, rng: np.random.Generator
) -> np.ndarray | None:
    """A random vertex of the optimal face through the optimal ``s``, found on its support.

    The optimal face is ``{B s' >= min(B s, 1/c_s)}`` (see :func:`optimal_face.face_vertex`);
    its points that vanish off the support of ``s`` form a face of it (containing ``s``), and a
    vertex of a face of a polytope is a vertex of the polytope. The LP over the support (about
    ``n + k`` to a few hundred points for an interior-point ``s``) is much smaller than over the
    working set; should it be infeasible (entries below the support threshold that mattered),
    the LP over all points where ``s`` is not exactly 0 decides.
    """
    target = np.minimum(b @ s, 1.0 / c_s) * (1.0 - FACE_SLACK)
    size = b.shape[1]
    for support in (np.flatnonzero(s > 1e-9 / n), np.flatnonzero(s > 0.0)):
        vertex = face_vertex(b[:, support], target, n, rng)
        if vertex is not None:
            return _extend(vertex, support, size)
    return None


def _proven_positive(value: float, gap: float, weights: np.ndarray, c_s: float) -> bool:
    """Whether ``F(s) = value`` and its Frank-Wolfe gap prove that no s meets the LP's floor.

    ``F* >= F(s) - gap``, and ``sqrt(F*) > ||w|| FACE_SLACK / c_s`` rules out every s with
    ``B s >= (1 - FACE_SLACK) / c_s`` (triangle inequality on the hinge), so the degeneracy
    LP would be infeasible and is skipped (scaled units, see :func:`reduced_objective`).
    """
    return bool(np.sqrt(max(value - gap, 0.0)) > np.linalg.norm(weights) * FACE_SLACK / c_s)


def _extend(values: np.ndarray, support: np.ndarray, size: int) -> np.ndarray:
    """A length-``size`` vector holding ``values`` at ``support`` and zeros elsewhere."""
    out = np.zeros(size)
    out[support] = values
    return out


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
    fallback: bool = True,
    rng: np.random.Generator | None = None,
    strategy: str = "auto",
    formulation: str = "diagonal",
) -> MomentMatchingSolution:
    """Build and solve the moment-matching program once (see :class:`MomentMatching`).

    ``solution=None`` is ``"vertex"`` for ``formulation="diagonal"`` and ``"interior"`` for
    ``"psd"``.
    """
    program = MomentMatching(
        moments,
        formulation,
        weighting=weighting,
        solver=solver,
        solver_options=solver_options,
        fallback=fallback,
        strategy=strategy,
    )
    return program.solve(n, c_s, solution=solution, rng=rng)
