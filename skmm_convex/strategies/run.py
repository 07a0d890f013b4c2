"""Running a CVXPY problem with a named solver, a fallback, and typed outcomes.

Solver statuses become the package's exceptions and warnings: a failure
names the stage, the sizes and what to try; ``optimal_inaccurate`` is a warning; a fallback
solver's answer comes with a :class:`SolverFallbackWarning`. Also the small types every
strategy shares: :class:`SolverRunner` (the solver, its options and fallbacks, bound once),
:class:`StageTimer` (per-stage wall times, carried by the solution) and
:class:`StrategyOutcome` (what a strategy hands back to be certified).
"""

from __future__ import annotations

import contextlib
import functools
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np

from ..errors import (
    InaccurateSolutionWarning,
    InfeasibleProblemError,
    SolverError,
    SolverFallbackWarning,
    SolverNotInstalledError,
    ValidationError,
    warn_user,
)

__all__ = [
    "DEFAULT_SOLVER_OPTIONS",
    "FALLBACK_SOLVERS",
    "SolverRunner",
    "StageTimer",
    "StrategyOutcome",
    "check_solver",
    "check_options_accepted",
    "installed_solvers",
    "run_with_fallback",
]

FALLBACK_SOLVERS = ("CLARABEL", "SCS")
# Clarabel's default gap and feasibility tolerances are 1e-8 in absolute terms, while the
# scaled optimum is often ~1e-8 itself (near-degenerate instances) and binding optima are
# small in absolute terms (the objective is divided by lam_1^2): at 1e-8 the Frank-Wolfe gap
# showed relative errors up to 4e-5 on the Table-1 data. Tighter gaps cost a few iterations.
# tol_feas 1e-12 made Clarabel stop "almost solved" on spectra spanning 12 decades.
# ``solver_options`` override these.
# PIQP (proximal interior point, a dependency) solved the moment-matching QPs about 2x faster
# than Clarabel; on the N = 2000 QP it certified a Frank-Wolfe gap of 1e-10 at its own
# defaults and 3e-16 at 1e-12, for five more iterations (benchmarks/results/costs.md).
DEFAULT_SOLVER_OPTIONS: dict[str, dict[str, Any]] = {
    "CLARABEL": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-10},
    "PIQP": {"eps_abs": 1e-12, "eps_rel": 1e-12},
}
# QP-capable solvers suggested after a failure, in order of preference
_QP_SOLVERS = ("CLARABEL", "PIQP", "SCS", "OSQP", "HIGHS", "PROXQP", "ECOS", "MOSEK", "GUROBI")


@functools.cache
def installed_solvers() -> tuple[str, ...]:
    """CVXPY's installed solvers, sorted; asked once per process.

    ``cp.installed_solvers()`` imports and probes every solver interface, which showed up in
    every ``MomentMatching`` construction and so in every fresh solve.
    """
    return tuple(sorted(cp.installed_solvers()))


def check_solver(solver: str) -> str:
    """Return the upper-cased solver name if CVXPY has it installed.

    Raises
    ------
    SolverNotInstalledError
        The name is not a string, unknown to CVXPY, or not installed; the message lists the
        installed solvers.
    """
    installed = list(installed_solvers())
    if not isinstance(solver, str):
        raise SolverNotInstalledError(
            f"solver must be a str naming an installed CVXPY solver {installed}, got {solver!r}"
        )
    name = solver.upper()
    if name not in installed:
        known = name in getattr(cp.settings, "SOLVERS", ())
        hint = (
            f"install it (e.g. `pip install {solver.lower()}`) or pick one of those"
            if known
            else "CVXPY does not know this name; pick one of those"
        )
        raise SolverNotInstalledError(
            f"solver {solver!r} is not installed; installed CVXPY solvers: {installed}. {hint}"
        )
    return name


def check_options_accepted(solver: str, solver_options: dict[str, Any]) -> None:
    """Raise a ValidationError now if ``solver`` rejects ``solver_options``.

    The options are tried on a two-variable QP, because a solve may not reach the QP solver
    at all (the degenerate case is decided and solved by an LP), and a misspelt option must
    not pass unnoticed. Only a rejection (the solver's TypeError or ValueError) is an error
    here; an option that merely makes the tiny solve fail (``max_iter=1``) is accepted.
    """
    if not solver_options:
        return
    x = cp.Variable(2)
    probe = cp.Problem(cp.Minimize(cp.sum_squares(x)), [cp.sum(x) == 1, x >= 0])
    options = {**DEFAULT_SOLVER_OPTIONS.get(solver, {}), **solver_options}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe.solve(solver=solver, **options)
    except cp.error.SolverError:
        pass
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"solver_options {solver_options!r} were rejected by {solver}: {exc}"
        ) from None


def run_with_fallback(
    problem: cp.Problem,
    solver_name: str,
    solver_options: dict[str, Any],
    fallbacks: list[str],
    where: str,
) -> tuple[str, str, int | None]:
    """Solve ``problem`` with ``solver_name``, then each of ``fallbacks`` until one succeeds.

    Returns ``(solver used, status, interior-point iterations)``. ``solver_options`` go to
    ``solver_name`` only, over :data:`DEFAULT_SOLVER_OPTIONS`; ``where`` names the stage and
    sizes in error messages.

    Raises
    ------
    InfeasibleProblemError
        A solver reported the problem infeasible and none solved it.
    SolverError
        Every solver tried failed.
    ValidationError
        ``solver_options`` were rejected by the solver.
    """
    tried = [solver_name, *fallbacks]
    failures: list[str] = []
    infeasible = False
    for solver in tried:
        options = {
            **DEFAULT_SOLVER_OPTIONS.get(solver, {}),
            **(solver_options if solver == solver_name else {}),
        }
        try:
            with warnings.catch_warnings():  # replaced by our typed warnings below
                warnings.filterwarnings("ignore", "Solution may be inaccurate")
                problem.solve(solver=solver, **options)
        except cp.error.SolverError as exc:
            failures.append(f"{solver}: {exc}")
            continue
        except (TypeError, ValueError) as exc:
            if solver != solver_name or not solver_options:
                raise
            raise ValidationError(
                f"solver_options {solver_options!r} were rejected by {solver}: {exc}"
            ) from None
        status = problem.status
        if status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            if status == cp.OPTIMAL_INACCURATE:
                warn_user(
                    f"{solver} stopped at reduced accuracy (optimal_inaccurate); check "
                    "solution.suboptimality_bound or tighten the solver tolerances",
                    InaccurateSolutionWarning,
                )
            if failures:
                warn_user(
                    f"{'; '.join(failures)}; the solution comes from the fallback solver {solver}",
                    SolverFallbackWarning,
                )
            stats = problem.solver_stats
            return solver, status, getattr(stats, "num_iters", None)
        infeasible = infeasible or status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE)
        failures.append(f"{solver}: status {status}")
    if infeasible:
        untried = [s for s in _QP_SOLVERS if s not in tried and s in installed_solvers()]
        raise InfeasibleProblemError(
            f"{where} reported infeasible ({'; '.join(failures)}); the diagonal program "
            "is always feasible for n in [1, N] (s = 1/N), so this is numerical trouble: "
            "try "
            + (f"another solver (solver={untried[0]!r}), " if untried else "")
            + "a smaller sketch_dim, or weighting='relative'"
        )
    limit = any(cp.USER_LIMIT in failure for failure in failures)
    untried = [s for s in _QP_SOLVERS if s not in tried and s in installed_solvers()]
    raise SolverError(
        f"{where} failed: {'; '.join(failures)}. Try "
        + ("a larger iteration or time limit in solver_options, " if limit else "")
        + (f"another solver (solver={untried[0]!r}), " if untried else "")
        + "a smaller sketch_dim, or weighting='relative'"
        + ("" if fallbacks else ", or fallback=True")
    )


@dataclass(frozen=True)
class SolverRunner:
    """A solver, its options and its fallbacks, bound once: ``runner(problem)`` solves in place.

    Attributes
    ----------
    solver : str
        An installed CVXPY solver (checked by :func:`check_solver`).
    options : dict
        ``solver_options`` for ``solver`` (over :data:`DEFAULT_SOLVER_OPTIONS`).
    fallbacks : tuple of str
        Tried in turn when ``solver`` fails (empty: a failure raises).
    where : str
        Names the stage and the sizes in error messages.
    """

    solver: str
    options: dict[str, Any] = field(default_factory=dict)
    fallbacks: tuple[str, ...] = ()
    where: str = "convex program"

    @classmethod
    def with_fallback(
        cls, solver: str, options: dict[str, Any], fallback: bool, where: str
    ) -> SolverRunner:
        """The runner whose fallbacks are the installed :data:`FALLBACK_SOLVERS` (if asked)."""
        fallbacks = tuple(
            s for s in FALLBACK_SOLVERS if fallback and s != solver and s in installed_solvers()
        )
        return cls(solver, dict(options), fallbacks, where)

    def __call__(self, problem: cp.Problem) -> tuple[str, str, int | None]:
        """Solve ``problem`` in place: ``(solver used, status, iterations)``
        (:func:`run_with_fallback`)."""
        return run_with_fallback(
            problem, self.solver, self.options, list(self.fallbacks), self.where
        )


class StageTimer:
    """Wall time per named stage of a solve: ``with timer.stage("qp"): ...``.

    ``seconds`` accumulates per stage name; :meth:`total` is the time since creation.
    """

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the wall time of the ``with`` block to ``seconds[name]``."""
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began

    def total(self) -> float:
        """Seconds since the timer was created."""
        return time.perf_counter() - self.start


@dataclass(frozen=True)
class StrategyOutcome:
    """What a strategy hands back: an optimal ``s`` on the capped simplex and how it was found.

    Attributes
    ----------
    s : ndarray, shape (N,)
    solver, status : str
        The solver that produced ``s`` (``"HIGHS"`` when the degeneracy LP settled the solve)
        and its status.
    iterations : int or None
    degenerate : bool
        The optimum is 0 (decided exactly, see the strategies).
    mode : {"vertex", "interior"}
        Which optimal point ``s`` is.
    timings : dict of str to float
        Wall seconds per stage (``"degeneracy_lp"``, ``"qp"``, ``"vertex_lp"``, ...).
    rounds : int or None
        Restricted solves of a column-generation strategy (None for the others).
    """

    s: np.ndarray
    solver: str
    status: str
    iterations: int | None
    degenerate: bool
    mode: str
    timings: dict[str, float]
    rounds: int | None = None
