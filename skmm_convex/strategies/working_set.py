"""Exact working-set (column-generation) solve of the moment-matching QP for large N.

When ``c_s < 1`` binds, the optimal ``s`` has a small support (about ``n + k`` points, most at
the cap ``1/n``). The scheme solves the QP restricted to a working set ``W`` of points (a CVXPY
problem of the same least-squares form as the QP over all points, on ``|W|`` columns:
:class:`~skmm_convex.programs.diagonal_qp.RestrictedQP`), prices all N points with the
gradient of the reduced objective, adds the points that would lower it, and stops when the
Frank-Wolfe gap over **all N points** certifies the restricted solution to within a
tolerance. The answer is therefore the full QP's optimum up to that certified gap, never a
heuristic. :class:`WorkingSetStrategy` wraps it with the degeneracy test and the vertex.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from ..certificates.capped_simplex import gap_over_capped_simplex, repair_capped_simplex
from ..certificates.diagonal import reduced_gradient
from ..errors import InaccurateSolutionWarning, warn_user
from ..moments import SketchedMoments
from ..programs.diagonal_qp import RestrictedQP
from ..programs.face_lp import (
    FACE_SLACK,
    FaceLP,
    extend_by_zeros,
    face_vertex,
    face_vertex_near,
    proven_positive,
)
from .full import vertex_or_interior
from .run import SolverRunner, StageTimer, StrategyOutcome
from .sifting import SiftedFaceLP

__all__ = [
    "WorkingSetResult",
    "WorkingSetStrategy",
    "initial_working_set",
    "seeded_working_set",
    "solve_working_set",
]

# default certificate: Frank-Wolfe gap (scaled units, F(1/N) = (1/c - 1)_+^2 sum w^2) below
# GAP_ABS + GAP_REL * F(s); GAP_ABS matches Clarabel's default tol_gap_abs (1e-8), the accuracy
# the full QP itself reaches (its own gaps measured at 1e-9 to 1e-8 on the Table-1 instance)
GAP_ABS = 1e-8
GAP_REL = 1e-6
# a column of the restricted optimum with weight below PRUNE_WEIGHT / n is unused (interior-point
# solvers leave ~1e-9 / n on columns that belong at zero)
PRUNE_WEIGHT = 1e-6


@dataclass(frozen=True)
class WorkingSetResult:
    """Outcome of :func:`solve_working_set`.

    Attributes
    ----------
    s : ndarray, shape (N,)
        Optimal weights, zero outside ``working_set``.
    working_set : ndarray of int, shape (size of W,)
        The final working set (sorted).
    objective : float
        Reduced objective ``F(s)`` in scaled units (see
        :func:`~skmm_convex.certificates.diagonal.reduced_gradient`).
    gap : float
        Frank-Wolfe gap over all N points at ``s``: ``F(s) - F* <= gap``.
    rounds : int
        Restricted solves performed.
    iterations : int
        Interior-point iterations summed over the rounds.
    solver, status : str
        Of the last restricted solve.
    converged : bool
        ``gap <= tolerance`` was reached within ``max_rounds``.
    """

    s: np.ndarray
    working_set: np.ndarray
    objective: float
    gap: float
    rounds: int
    iterations: int
    solver: str
    status: str
    converged: bool


def initial_working_set(
    b: np.ndarray,
    weights: np.ndarray,
    n: int,
    c_s: float,
    rng: np.random.Generator,
    batch: int | None = None,
) -> np.ndarray:
    """The first working set: the Frank-Wolfe vertex at ``s = 1/N`` plus random points.

    The ``batch`` (default ``n + 2 k``) points with the smallest gradient at the uniform
    weights (those that best raise the weakest moments), and random others up to
    ``max(2 batch, 4 n)`` points in all, so that the set also holds a spread-out feasible
    point. Returns the sorted indices.
    """
    k, n_samples = b.shape
    batch = n + 2 * k if batch is None else batch
    _, grad = reduced_gradient(b, weights, np.full(n_samples, 1.0 / n_samples), c_s)
    size = min(n_samples, max(2 * batch, 4 * n))
    best = np.argpartition(grad, min(batch, n_samples - 1))[:batch]
    rest = np.setdiff1d(np.arange(n_samples), best)
    extra = rng.choice(rest, min(rest.size, size - best.size), replace=False)
    return np.union1d(best, extra)


def seeded_working_set(
    b: np.ndarray,
    weights: np.ndarray,
    seed: np.ndarray,
    n: int,
    c_s: float,
    batch: int | None = None,
) -> np.ndarray:
    """A first working set around a point ``seed`` of the capped simplex.

    The support of ``seed`` and the ``batch`` (default ``n + 2 k``) points of smallest gradient
    there. With ``seed`` the point of least weighted violation of ``B s >= 1/c_s`` (an LP,
    :meth:`.sifting.SiftedFaceLP.least_violation`), the binding QP needs fewer rounds than
    from :func:`initial_working_set` (``benchmarks/results/costs.md`` counts them).
    Returns the sorted indices.
    """
    k, n_samples = b.shape
    batch = min(n + 2 * k if batch is None else batch, n_samples)
    _, grad = reduced_gradient(b, weights, seed, c_s)
    best = np.argpartition(grad, batch - 1)[:batch]
    return np.union1d(np.flatnonzero(seed > 1e-9 / n), best)


def solve_working_set(
    b: np.ndarray,
    weights: np.ndarray,
    n: int,
    c_s: float,
    solve: Callable[[cp.Problem], tuple[str, str, int | None]],
    *,
    rng: np.random.Generator,
    tolerance: float | None = None,
    max_rounds: int = 60,
    batch: int | None = None,
    initial: np.ndarray | None = None,
    prune: bool = True,
) -> WorkingSetResult:
    """Solve ``min F(s)`` over the capped simplex exactly by column generation.

    Parameters
    ----------
    b : ndarray, shape (k, N)
        Normalised moments ``B`` (``B @ (1/N) = 1``).
    weights : ndarray, shape (k,)
        Direction weights ``w``.
    n : int
        Budget (cap ``1/n``); ``N >= n``.
    c_s : float
    solve : callable
        ``solve(problem) -> (solver, status, iterations)``; solves a CVXPY problem in place
        (with the caller's solver, options and fallback).
    rng : Generator
        Draws the random part of the initial working set.
    tolerance : float, optional
        Stop when the gap over all N is at most this; default
        ``GAP_ABS + GAP_REL * F(s)`` (scaled units).
    max_rounds : int
        Restricted solves at most; when reached, the result says ``converged=False``.
    batch : int, optional
        Points added per round at most (given, it also sizes the default initial set);
        default ``2 (n + 2 k)`` per round and ``n + 2 k`` for :func:`initial_working_set`.
        Doubled per round because some binding Table-1 rows price more than ``n + 2 k``
        violators after their first round, and a single batch then costs them a third round
        (the rounds are counted in ``benchmarks/results/costs.md`` and ``scaling.md``).
    initial : ndarray of int, optional
        The first working set; default :func:`initial_working_set` (drawn with ``rng``).
    prune : bool
        Drop, before adding the next batch, the columns the restricted optimum leaves at zero
        (weight below ``PRUNE_WEIGHT / n`` and priced above ``nu``), for as long as each round
        lowers ``F`` by more than the tolerance; afterwards the set only grows. Without pruning
        the set grows by a batch every round.

    Returns
    -------
    WorkingSetResult

    Notes
    -----
    Column generation on the capped simplex. At a solution ``s_W`` of the restricted QP, KKT
    gives a multiplier ``nu`` of ``sum(s) = 1`` with ``g_i >= nu`` where ``s_i = 0``,
    ``g_i = nu`` where ``0 < s_i < 1/n`` and ``g_i <= nu`` where ``s_i = 1/n``
    (``g = grad F(s)``). Extended by zeros, ``s`` is optimal over all N exactly when every
    ``i`` outside W has ``g_i >= nu``; the points with ``g_i < nu`` (priced in ``O(N k)``) are
    added, most negative first. Optimality is certified by the Frank-Wolfe gap
    ``g' s - min_{s' in C} g' s'`` over all N points
    (:func:`~skmm_convex.certificates.capped_simplex.gap_over_capped_simplex`), an upper
    bound on ``F(s) - F*`` that does not trust the restricted solver. Each round
    strictly lowers ``F`` (the added columns contain a descent direction) unless the gap is
    already below the tolerance, and there are finitely many working sets, so the scheme
    terminates; in practice in a handful of rounds. Pruning keeps that argument: the
    previous optimum's used columns stay, so ``F`` cannot rise beyond the dropped weights'
    rounding, and pruning stops for good at the first round that does not lower ``F`` by more
    than the tolerance. It keeps each restricted QP near ``n + batch`` columns, which matters
    at scale, where a growing set's interior-point iterations cost ``O(|W| k^2)`` each.
    """
    k, n_samples = b.shape
    if initial is None:
        initial = initial_working_set(b, weights, n, c_s, rng, batch)
    batch = 2 * (n + 2 * k) if batch is None else batch
    working = np.unique(np.asarray(initial, dtype=np.intp))
    uniform = np.full(n_samples, 1.0 / n_samples)
    iterations = 0
    solver = status = ""
    s = uniform
    best = np.inf
    for rounds in range(1, max_rounds + 1):
        weighted = weights[:, None] * b[:, working]
        program = RestrictedQP(weighted, weights, n, c_s)
        solver, status, its = solve(program.problem)
        iterations += int(its or 0)
        solved_on = working
        s = np.zeros(n_samples)
        s[working] = np.clip(np.asarray(program.s.value, dtype=float), 0.0, 1.0 / n)
        value, grad = reduced_gradient(b, weights, s, c_s)
        gap = gap_over_capped_simplex(grad, s, n)
        limit = GAP_ABS + GAP_REL * value if tolerance is None else tolerance
        if gap <= limit:
            return WorkingSetResult(
                s, working, value, gap, rounds, iterations, solver, status, True
            )
        nu = _multiplier(grad[working], s[working], n)
        outside = np.ones(n_samples, dtype=bool)
        outside[working] = False
        candidates = np.flatnonzero(outside & (grad < nu))
        if candidates.size == 0:
            # no pricing violator, yet the gap is open: the restricted solve is inexact; add
            # the Frank-Wolfe vertex's points that are missing instead
            vertex = np.argpartition(grad, n - 1)[:n] if n < n_samples else np.arange(n_samples)
            candidates = np.setdiff1d(vertex, working)
            if candidates.size == 0:
                break
        if candidates.size > batch:
            candidates = candidates[np.argpartition(grad[candidates], batch - 1)[:batch]]
        # drop the columns the restricted optimum does not use (zero weight, priced above
        # nu), so that the next QP stays near n + batch columns instead of growing by a
        # batch every round; only while F keeps falling, which rules out cycling
        prune = prune and value < best - limit
        best = min(best, value)
        kept = working
        if prune:
            kept = working[(s[working] > PRUNE_WEIGHT / n) | (grad[working] <= nu)]
        working = np.union1d(kept, candidates)
    return WorkingSetResult(s, solved_on, value, gap, rounds, iterations, solver, status, False)


class WorkingSetStrategy:
    """Column generation, then the exact degeneracy test and the vertex on the working set.

    Parameters
    ----------
    moments : SketchedMoments
    weights : ndarray, shape (k,)
    runner : SolverRunner
        Solves each restricted QP.

    Notes
    -----
    A vertex of the optimal face restricted to ``{s_i = 0, i not in W}`` is a vertex of the
    optimal face itself (a face of a face), so the vertex mode keeps its meaning. In vertex
    mode the degeneracy LP is first tried on the initial working set, unless a small LP
    (the least weighted violation of ``B s >= 1/c_s`` on that set) proves it infeasible:
    when it is feasible there, the optimum is 0, its vertex is optimal and no QP is
    solved. Otherwise the same least-violation LP over all N (by sifting) gives a point
    whose support and best-priced points are the first working set (fewer rounds than from
    :func:`initial_working_set`; ``benchmarks/results/costs.md`` counts them).
    """

    def __init__(self, moments: SketchedMoments, weights: np.ndarray, runner: SolverRunner) -> None:
        self.moments, self.weights, self.runner = moments, weights, runner
        # the face LP over all N points by sifting (its HiGHS models are built on first use)
        self.face_lp = SiftedFaceLP(moments.normalized_moments)

    def solve(
        self, n: int, c_s: float, solution: str, gen: np.random.Generator, timer: StageTimer
    ) -> StrategyOutcome:
        """An optimal s for budget n and constant c_s (trusted, validated arguments)."""
        ws_rng, face_rng = gen.spawn(2)
        b, weights = self.moments.normalized_moments, self.weights
        size = b.shape[1]
        floor = np.full(b.shape[0], (1.0 - FACE_SLACK) / c_s)
        initial = initial_working_set(b, weights, n, c_s, ws_rng)
        if solution == "vertex":
            # the least weighted violation of B s >= floor, first on the initial set (a small
            # LP, feasible): only when it is not proven positive there can the degeneracy LP
            # on that set be feasible, and an infeasible LP is slow to prove so
            costs = weights**2
            with timer.stage("degeneracy_lp"):
                on_set = SiftedFaceLP(b[:, initial])
                on_set.least_violation(floor, n, costs)
                zero_face_vertex = None
                if not on_set.proves_empty(costs):
                    lp = FaceLP(b[:, initial])
                    zero_face_vertex = lp.vertex(floor, n, face_rng)
            if zero_face_vertex is not None:
                s = repair_capped_simplex(extend_by_zeros(zero_face_vertex, initial, size), n)
                return StrategyOutcome(
                    s, "HIGHS", "optimal", lp.iterations, True, "vertex", timer.seconds
                )
            # then over all N (by sifting): that point's support and the best-priced points
            # there seed the QP's working set (the QP weighs the same violations, squared)
            with timer.stage("seed_lp"):
                seed = self.face_lp.least_violation(floor, n, costs)
            if seed is not None:
                initial = seeded_working_set(b, weights, seed, n, c_s)
        with timer.stage("qp"):
            result = solve_working_set(b, weights, n, c_s, self.runner, rng=ws_rng, initial=initial)
        if not result.converged:
            warn_user(
                f"the working-set scheme stopped after {result.rounds} rounds with Frank-Wolfe "
                f"gap {result.gap:.3g} above its tolerance; check solution.suboptimality_bound",
                InaccurateSolutionWarning,
            )
        working = result.working_set
        s = repair_capped_simplex(result.s, n)
        # certified non-degenerate by the objective and its gap: no LP. Otherwise the LP
        # decides, on the working set first, then over all N points (by sifting)
        zero_face_vertex = None
        if not proven_positive(result.objective, result.gap, weights, c_s):
            with timer.stage("degeneracy_lp"):
                zero_face_vertex = face_vertex(b[:, working], floor, n, face_rng)
                if zero_face_vertex is not None:
                    zero_face_vertex = extend_by_zeros(zero_face_vertex, working, size)
                else:
                    zero_face_vertex = self.face_lp.vertex(floor, n, face_rng)
        degenerate = zero_face_vertex is not None
        mode = "interior"
        if solution == "vertex":
            if degenerate:
                vertex = zero_face_vertex
            else:
                with timer.stage("vertex_lp"):
                    vertex = face_vertex_near(b, s, n, c_s, face_rng)
            s, mode = vertex_or_interior(vertex, s, n)
        return StrategyOutcome(
            s,
            result.solver,
            result.status,
            result.iterations,
            degenerate,
            mode,
            timer.seconds,
            rounds=result.rounds,
        )


def _multiplier(grad_w: np.ndarray, s_w: np.ndarray, n: int) -> float:
    """The KKT multiplier ``nu`` of ``sum(s) = 1`` recovered from a restricted solution.

    The median gradient over the strictly fractional entries when there are any; otherwise
    the largest value consistent with KKT, ``min g_i`` over the entries at zero (no larger
    than that, a point outside W with ``g_i < nu`` would also beat a point inside W at zero).
    """
    cap = 1.0 / n
    fractional = (s_w > 1e-7 * cap) & (s_w < (1 - 1e-7) * cap)
    if np.any(fractional):
        return float(np.median(grad_w[fractional]))
    at_zero = s_w <= 1e-7 * cap
    return float(np.min(grad_w[at_zero])) if np.any(at_zero) else float(np.max(grad_w))
