"""``MomentMatching``: the moment-matching program for one set of moments, ready to re-solve.

A thin facade: options are validated once (:func:`check_config`), a strategy from
:mod:`skmm_convex.strategies` solves, and :func:`~skmm_convex.certificates.solution.certify`
recomputes every reported number from the weights alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import (
    as_generator,
    check_choice,
    check_int,
    check_positive_float,
    check_solver_options,
)
from .certificates.solution import certify
from .errors import ValidationError
from .moments import SketchedMoments
from .programs.diagonal_qp import WEIGHTINGS, DiagonalMomentMatchingQP, direction_weights
from .programs.psd_sdp import PSDMomentMatchingSDP
from .results import MomentMatchingSolution
from .strategies.full import FullStrategy
from .strategies.psd import PSDStrategy
from .strategies.run import SolverRunner, StageTimer, check_options_accepted, check_solver
from .strategies.working_set import WorkingSetStrategy

__all__ = [
    "FORMULATIONS",
    "SOLUTION_MODES",
    "STRATEGIES",
    "WORKING_SET_MIN_SAMPLES",
    "MatchingConfig",
    "MomentMatching",
    "check_config",
    "default_solution_mode",
    "solve_moment_matching",
]

SOLUTION_MODES = ("vertex", "interior")
FORMULATIONS = ("diagonal", "psd")
STRATEGIES = ("auto", "full", "working-set")
# strategy="auto" switches to the working-set scheme from this many points on
WORKING_SET_MIN_SAMPLES = 20_000


@dataclass(frozen=True)
class MatchingConfig:
    """Validated options of :class:`MomentMatching` (its parameters), from :func:`check_config`."""

    formulation: str = "diagonal"
    weighting: str = "paper"
    solver: str = "CLARABEL"
    solver_options: dict[str, Any] = field(default_factory=dict)
    fallback: bool = True
    strategy: str = "auto"


def check_config(
    formulation: str = "diagonal",
    weighting: str = "paper",
    solver: str = "CLARABEL",
    solver_options: dict[str, Any] | None = None,
    fallback: bool = True,
    strategy: str = "auto",
) -> MatchingConfig:
    """Validate the options of :class:`MomentMatching` once, at the public boundary.

    Raises
    ------
    ValidationError
        A bad option; the message names it and the bad value.
    SolverNotInstalledError
        ``solver`` is not an installed CVXPY solver.
    """
    formulation = check_choice(formulation, "formulation", FORMULATIONS)
    weighting = check_choice(weighting, "weighting", WEIGHTINGS)
    solver = check_solver(solver)
    solver_options = check_solver_options(solver_options)
    check_options_accepted(solver, solver_options)
    if not isinstance(fallback, bool | np.bool_):
        raise ValidationError(f"fallback must be True or False, got {fallback!r}")
    strategy = check_choice(strategy, "strategy", STRATEGIES)
    if formulation == "psd" and strategy == "working-set":
        raise ValidationError("strategy='working-set' is only available for formulation='diagonal'")
    return MatchingConfig(formulation, weighting, solver, solver_options, bool(fallback), strategy)


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
        ``"diagonal"``: the paper's QP (:class:`~skmm_convex.programs.diagonal_qp.
        DiagonalMomentMatchingQP`); ``"psd"``: the full Loewner condition with a Frobenius
        objective (:class:`~skmm_convex.programs.psd_sdp.PSDMomentMatchingSDP`).
    weighting : {"paper", "relative"}
        Objective weights per direction (:func:`~skmm_convex.programs.diagonal_qp.
        direction_weights`).
    solver : str
        Any installed CVXPY solver; ``"CLARABEL"`` (interior point) by default. ``"PIQP"``
        (proximal interior point, installed with the package) is the faster one on these QPs
        (``benchmarks/results/costs.md``).
    solver_options : dict, optional
        Passed to ``problem.solve``, over :data:`~skmm_convex.strategies.run.
        DEFAULT_SOLVER_OPTIONS` (Clarabel's and PIQP's tolerances tightened).
    fallback : bool
        On a solver failure, retry with the other of CLARABEL/SCS (without
        ``solver_options``), warn with :class:`SolverFallbackWarning` and name the solver that
        produced the answer in ``solution.solver``. With ``fallback=False`` a failure raises.
    strategy : {"auto", "full", "working-set"}
        ``"full"``: one QP over all N points (:class:`~skmm_convex.strategies.full.
        FullStrategy`). ``"working-set"``: exact column generation over small working sets,
        certified over all N (:class:`~skmm_convex.strategies.working_set.
        WorkingSetStrategy`). ``"auto"``: ``"full"`` below :data:`WORKING_SET_MIN_SAMPLES`
        points, else ``"working-set"``. The PSD formulation is always solved in full.

    Raises
    ------
    ValidationError
        A bad option or ``moments``.
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
        config = check_config(formulation, weighting, solver, solver_options, fallback, strategy)
        self._set_up(moments, config)

    @classmethod
    def from_config(cls, moments: SketchedMoments, config: MatchingConfig) -> MomentMatching:
        """The program for moments and options already validated (by :func:`check_config`)."""
        program = cls.__new__(cls)
        program._set_up(moments, config)
        return program

    def _set_up(self, moments: SketchedMoments, config: MatchingConfig) -> None:
        self.moments, self.config = moments, config
        self.formulation, self.weighting = config.formulation, config.weighting
        self.solver, self.solver_options = config.solver, config.solver_options
        size = moments.whitened.shape[0]
        strategy = config.strategy
        if strategy == "auto":
            small = size < WORKING_SET_MIN_SAMPLES or config.formulation == "psd"
            strategy = "full" if small else "working-set"
        self.strategy = strategy
        self.weights = direction_weights(moments, config.weighting)
        where = f"moment matching ({config.formulation}, N={size}, k={moments.n_directions})"
        runner = SolverRunner.with_fallback(
            config.solver, config.solver_options, config.fallback, where
        )
        if config.formulation == "psd":
            self._strategy = PSDStrategy(moments, self.weights, config.weighting, runner)
        elif strategy == "working-set":
            self._strategy = WorkingSetStrategy(moments, self.weights, runner)
        else:
            self._strategy = FullStrategy(moments, self.weights, config.weighting, runner)

    @property
    def program(self) -> DiagonalMomentMatchingQP | PSDMomentMatchingSDP | None:
        """The CVXPY program over all N points (None with the working-set strategy)."""
        return getattr(self._strategy, "program", None)

    def solve(
        self,
        n: int,
        c_s: float,
        solution: str | None = None,
        rng: np.random.Generator | None = None,
    ) -> MomentMatchingSolution:
        """Solve for budget n (in ``[1, N]``) and constant c_s (> 0).

        ``solution="vertex"`` (the diagonal default) returns a random vertex of the optimal
        face (:func:`~skmm_convex.programs.face_lp.face_vertex`); ``"interior"`` (the PSD
        default, and the only mode there) keeps the solver's point (with the working-set
        strategy, optimal but spread over the working set only). Either point is put on the
        capped simplex, so its constraints hold to rounding whatever the solver's tolerance.

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
        timer = StageTimer()
        outcome = self._strategy.solve(n, c_s, solution, as_generator(rng), timer)
        seconds = timer.total()
        with timer.stage("certificates"):  # lands in outcome.timings: the same dict
            return certify(
                self.moments,
                outcome.s,
                n,
                c_s,
                self.weights,
                weighting=self.weighting,
                formulation=self.formulation,
                degenerate=outcome.degenerate,
                mode=outcome.mode,
                solver=outcome.solver,
                status=outcome.status,
                iterations=outcome.iterations,
                solve_seconds=seconds,
                timings=outcome.timings,
                rounds=outcome.rounds,
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
