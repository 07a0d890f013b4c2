"""Solving the V-optimal program and ``method="v-optimal"``: sketch, solve, certify, sample.

:class:`VOptimalDesign` holds one :class:`~skmm_convex.programs.v_optimal.VOptimalProgram`
per data set and re-solves it for each budget n through its Parameter, with the package's
solver runner (named solver, options, CLARABEL/SCS fallback, typed errors). Every answer is
repaired onto the capped simplex and certified from s alone
(:func:`~skmm_convex.certificates.v_optimal.v_optimal_certificate`).

Which optimal point: ``tr(M^-1)`` is strictly convex in ``M``, so the optimal moment ``M*``
is unique, but the optimal weights need not be: every s of ``C`` with ``M(s) = M*`` is
optimal, a polytope (linear equalities on ``C``). ``solution="interior"`` returns the
interior-point solver's point (spread over that polytope); ``solution="vertex"`` moves to a
random vertex of it with one LP (``minimise c's`` over ``{s in C : L s = L s_int}``, ``c``
uniform from ``rng``), which has the same ``M`` and hence the same objective, and at most
``k (k + 1) / 2 + 1`` fractional entries.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.optimize as sopt

from .._validation import (
    RngLike,
    as_generator,
    check_choice,
    check_int,
    check_magnitude,
    check_matrix,
    check_solver_options,
)
from ..certificates.capped_simplex import repair_capped_simplex
from ..certificates.v_optimal import VOptimalSolution, v_optimal_certificate
from ..errors import ValidationError
from ..moments import SketchedMoments, compute_moments
from ..programs.psd_sdp import lifted_moments
from ..programs.v_optimal import V_OPTIMAL_FORMS, VOptimalProgram
from ..results import Selection
from ..sampling import SKMM_SAMPLERS, skmm_sample
from ..sketch import SKETCH_KINDS, sketch_validated
from .run import SolverRunner, check_options_accepted, check_solver

__all__ = [
    "DESIGN_SOLUTION_MODES",
    "DESIGN_SOLVER_OPTIONS",
    "VOptimalDesign",
    "design_sketch",
    "resolve_sketch_dim",
    "select_v_optimal",
]

DESIGN_SOLUTION_MODES = ("interior", "vertex")
AUTO_SKETCH_DIM = 32  # the package's default sketch dimension (selection.DEFAULT_SKETCH_DIM)
# The QPs' Clarabel feasibility tolerance (1e-10) made Clarabel stop "optimal_inaccurate" on
# this SDP; at 1e-9 with gap tolerances 1e-12 it certified relative Frank-Wolfe gaps of 4e-8
# (N = 150, k = 8) in 16 interior-point iterations. ``solver_options`` override these.
DESIGN_SOLVER_OPTIONS = {"CLARABEL": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-9}}


def resolve_sketch_dim(sketch_dim: Any, n_features: int) -> int | None:
    """``"auto"`` -> ``min(32, r)`` with no sketch when ``r <= 32``; an int in ``[1, r]``; None.

    Raises
    ------
    ValidationError
        Anything else (the message names ``sketch_dim``).
    """
    if isinstance(sketch_dim, str) and sketch_dim == "auto":
        return AUTO_SKETCH_DIM if n_features > AUTO_SKETCH_DIM else None
    if isinstance(sketch_dim, str):
        raise ValidationError(
            f"sketch_dim must be an int in [1, {n_features}], None or 'auto', got {sketch_dim!r}"
        )
    if sketch_dim is None:
        return None
    return check_int(sketch_dim, "sketch_dim", 1, n_features)


def design_sketch(
    matrix: Any, sketch_dim: int | None, sketch: str, rng: np.random.Generator
) -> SketchedMoments:
    """The sketch ``G~`` of validated features and its moments; bad sketches name ``features``."""
    sketched = sketch_validated(matrix, sketch_dim, sketch, rng)
    if not np.all(np.isfinite(sketched)):
        raise ValidationError(
            "features must be finite: the sketch G @ Gamma has non-finite entries"
        )
    check_magnitude(sketched, "features", "the sketch G @ Gamma")
    moments = compute_moments(sketched)
    if moments.n_directions == 0:
        raise ValidationError("features must not be all zero: the sketch G @ Gamma has no variance")
    return moments


class VOptimalDesign:
    """The V-optimal program of one data set, solved for any budget n and certified.

    Parameters
    ----------
    moments : SketchedMoments
    form : {"schur", "tr_inv"}
        The CVXPY formulation (:class:`~skmm_convex.programs.v_optimal.VOptimalProgram`).
    solver : str
        CVXPY solver, ``"CLARABEL"`` by default (SCS also solves it, to lower accuracy).
    solver_options : dict, optional
        For ``solver``, over :data:`DESIGN_SOLVER_OPTIONS`.
    fallback : bool
        Retry with the other of CLARABEL/SCS when ``solver`` fails.
    """

    def __init__(
        self,
        moments: SketchedMoments,
        form: str = "schur",
        solver: str = "CLARABEL",
        solver_options: dict[str, Any] | None = None,
        fallback: bool = True,
    ) -> None:
        self.moments = moments
        self.form = check_choice(form, "form", V_OPTIMAL_FORMS)
        solver = check_solver(solver)
        options = check_solver_options(solver_options)
        check_options_accepted(solver, options)
        options = {**DESIGN_SOLVER_OPTIONS.get(solver, {}), **options}
        if not isinstance(fallback, bool | np.bool_):
            raise ValidationError(f"fallback must be True or False, got {fallback!r}")
        n_samples, k = moments.whitened.shape
        where = f"V-optimal program (N={n_samples}, k={k}, form={self.form!r})"
        self.runner = SolverRunner.with_fallback(solver, options, bool(fallback), where)
        self.program = VOptimalProgram(moments, self.form)

    def solve(self, n: int, solution: str = "interior", rng: RngLike = None) -> VOptimalSolution:
        """Solve for budget n and certify the answer.

        Parameters
        ----------
        n : int
            Budget, in ``[1, N]``.
        solution : {"interior", "vertex"}
            Which optimal point (module docstring).
        rng : int, Generator or None
            Draws the vertex LP's cost (``"vertex"`` only).

        Returns
        -------
        VOptimalSolution
        """
        n_samples = self.moments.whitened.shape[0]
        n = check_int(n, "n", 1, n_samples)
        check_choice(solution, "solution", DESIGN_SOLUTION_MODES)
        gen = as_generator(rng)
        began = time.perf_counter()
        self.program.set_parameters(n)
        solver, status, iterations = self.runner(self.program.problem)
        s = repair_capped_simplex(self.program.solution(), n)
        if solution == "vertex" and n < n_samples:
            s = self._vertex(s, n, gen)
        value, gap = v_optimal_certificate(self.moments, s, n)
        return VOptimalSolution(
            s, value, gap, n, solver, status, self.form, time.perf_counter() - began, iterations
        )

    def _vertex(self, s: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """A random vertex of ``{x in C : L x = L s}`` (same ``M``); s if the LP fails."""
        lifted, _, _ = lifted_moments(self.moments.whitened)
        n_samples = s.size
        equalities = np.vstack([lifted, np.ones((1, n_samples))])
        result = sopt.linprog(
            rng.random(n_samples),
            A_eq=equalities,
            b_eq=np.append(lifted @ s, 1.0),
            bounds=(0.0, 1.0 / n),
            method="highs",
        )
        if result.status != 0:
            return s
        return repair_capped_simplex(result.x, n)


def select_v_optimal(
    features: Any,
    n: int,
    *,
    rng: RngLike = None,
    sketch_dim: int | None | str = "auto",
    sketch: str = "gaussian",
    form: str = "schur",
    solver: str = "CLARABEL",
    solution: str = "interior",
    sampler: str = "stratified",
    solver_options: dict[str, Any] | None = None,
    fallback: bool = True,
) -> Selection:
    """V-optimal design, solved exactly: sketch, minimise ``tr(M(s)^-1)`` over C, sample n.

    Parameters
    ----------
    features : array_like or sparse matrix, shape (N, r)
    n : int
        Coreset size, in ``[1, N]``.
    rng : int, Generator or None
        Split into independent streams for the sketch, the vertex LP and the sampler.
    sketch_dim : int, None or "auto"
        As for ``method="skmm"`` (``"auto"``: 32, no sketch when ``r <= 32``).
    sketch : {"gaussian", "sparse-sign"}
    form : {"schur", "tr_inv"}
        CVXPY formulation (:class:`~skmm_convex.programs.v_optimal.VOptimalProgram`).
    solver : str
    solution : {"interior", "vertex"}
        Which optimal point to sample from (:mod:`skmm_convex.strategies.v_optimal`).
    sampler : {"stratified", "systematic", "authors", "top"}
        As for ``method="skmm"`` (:func:`~skmm_convex.sampling.skmm_sample`).
    solver_options : dict, optional
    fallback : bool

    Returns
    -------
    Selection
        ``weights = s`` and ``solution`` (a
        :class:`~skmm_convex.certificates.v_optimal.VOptimalSolution`).
    """
    matrix = check_matrix(features)
    n_samples, n_features = matrix.shape
    n = check_int(n, "n", 1, n_samples)
    sketch_dim = resolve_sketch_dim(sketch_dim, n_features)
    check_choice(sketch, "sketch", SKETCH_KINDS)
    check_choice(sampler, "sampler", SKMM_SAMPLERS)
    check_choice(solution, "solution", DESIGN_SOLUTION_MODES)
    sketch_rng, vertex_rng, sample_rng = as_generator(rng).spawn(3)
    moments = design_sketch(matrix, sketch_dim, sketch, sketch_rng)
    design = VOptimalDesign(moments, form, solver, solver_options, fallback)
    solved = design.solve(n, solution, vertex_rng)
    indices = skmm_sample(solved.s, n, sampler, moments, sample_rng)
    return Selection(indices, "v-optimal", weights=solved.s, solution=solved, sampler=sampler)
