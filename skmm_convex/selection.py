"""``select``: the one entry point that picks n of N rows by any method."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import (
    RngLike,
    as_generator,
    check_choice,
    check_int,
    check_magnitude,
    check_matrix,
    check_positive_float,
)
from .baselines import BASELINES
from .errors import ValidationError
from .moment_matching import MomentMatching, check_config, default_solution_mode
from .moments import compute_moments
from .results import Selection
from .sampling import SKMM_SAMPLERS, skmm_sample
from .sketch import SKETCH_KINDS, SKETCH_PRECISIONS, non_finite_sketch_error, sketch_validated

__all__ = [
    "METHODS",
    "DEFAULT_SKETCH_DIM",
    "select",
    "select_skmm",
    "skmm_streams",
]

DEFAULT_SKETCH_DIM = 32


def skmm_streams(rng: RngLike) -> tuple[np.random.Generator, ...]:
    """The independent streams of :func:`select_skmm`: (sketch, face vertex, sampler).

    ``as_generator(rng).spawn(3)``; a fresh ``rng`` seed gives the same three streams every
    time, so an experiment that reuses a sketch across n reproduces ``select`` exactly.
    """
    return tuple(as_generator(rng).spawn(3))


def select_skmm(
    features: Any,
    n: int,
    *,
    rng: RngLike = None,
    sketch_dim: int | None | str = "auto",
    sketch: str = "gaussian",
    sketch_precision: str = "float64",
    c_s: float = 0.999,
    formulation: str = "diagonal",
    solver: str = "CLARABEL",
    solution: str | None = None,
    sampler: str = "stratified",
    weighting: str = "paper",
    solver_options: dict[str, Any] | None = None,
    fallback: bool = True,
    strategy: str = "auto",
) -> Selection:
    """Sketchy Moment Matching: sketch, match moments exactly, sample n indices.

    Parameters
    ----------
    features : array_like, sparse matrix or dask array, shape (N, r)
        Feature or per-example gradient matrix G (``np.memmap`` is streamed in row blocks,
        a ``dask.array`` sketched chunk by chunk on Dask's scheduler, sparse input is never
        densified).
    n : int
        Coreset size, in ``[1, N]``.
    rng : int, Generator or None
        Split into independent streams for the sketch, the face vertex and the sampler.
    sketch_dim : int, None or "auto"
        m, in ``[1, r]``; None means no sketch (``G~ = G``); "auto" means
        ``min(32, r)`` (32 = 4 x 8 clusters, the authors' GMM setting) with no sketch when
        ``r <= 32``.
    sketch : {"gaussian", "sparse-sign"}
        The Johnson-Lindenstrauss transform.
    sketch_precision : {"float64", "float32"}
        Arithmetic of the sketch products (``precision`` of
        :func:`~skmm_convex.sketch.sketch_features`, whose Notes give the rounding bound):
        float64 by default; float32 is faster but loses the contribution of columns many
        decades smaller than the largest. Ignored without a sketch.
    c_s : float
        Moment constant, ``gamma_j >= 1/c_s``; 0.999 as in the authors' notebooks. For
        ``c_s >= 1`` uniform weights are optimal (see the README, "Degeneracy").
    formulation : {"diagonal", "psd"}
        ``"diagonal"``: the paper's QP over the m diagonal moment conditions. ``"psd"``: the
        full Loewner condition ``G~' diag(s) G~ >= Sigma~ / c_s`` on the moment target with a
        Frobenius objective (an SDP; see :class:`~skmm_convex.programs.psd_sdp.PSDMomentMatchingSDP`
        and the README, "Full-PSD formulation"); practical up to m of a few dozen.
    solver : str
        CVXPY solver name, ``"CLARABEL"`` by default. ``"PIQP"`` (installed with the package)
        solved these QPs about twice as fast, to tighter certificates
        (``benchmarks/results/costs.md``).
    solution : {"vertex", "interior"} or None
        Which optimal point to sample from: a random vertex of the optimal face (sparse) or
        the interior-point solver's point (spread over all N). None (default) means
        ``"vertex"`` for the diagonal formulation and ``"interior"`` for ``"psd"``, which has
        no vertex mode (asking for it is a ValidationError).
    sampler : {"stratified", "systematic", "authors", "top"}
        How n indices are drawn from s (see :mod:`skmm_convex.sampling`). ``"stratified"``
        (default) is systematic pi-ps sampling (inclusion probabilities exactly ``n s_i``)
        swept stratum by stratum, each point's stratum being the whitened sketch direction
        it loads on most (:func:`~skmm_convex.sampling.dominant_direction`; no labels);
        ``"systematic"`` sweeps a random order. Same inclusion probabilities, different
        joint draw: a stratum with total inclusion probability M gets ``floor(M)`` or
        ``ceil(M)`` points. It is the default because on the paper's Table-1 data it keeps
        every cluster in the coreset where a random-order sweep can miss a small one (the
        documentation's Table-1 page compares the samplers, from ``skmm-convex reproduce
        gmm``).
    weighting : {"paper", "relative"}
        Objective weights per direction
        (:func:`~skmm_convex.programs.diagonal_qp.direction_weights`).
    solver_options : dict, optional
        Passed to CVXPY's ``solve`` for ``solver`` (not for a fallback).
    fallback : bool
        If ``solver`` fails, retry with the other of CLARABEL/SCS; ``solution.solver`` names
        the one that produced s (see :class:`~skmm_convex.moment_matching.MomentMatching`).
    strategy : {"auto", "full", "working-set"}
        How the diagonal QP is solved (:class:`~skmm_convex.moment_matching.MomentMatching`):
        over all N points, or exactly by column generation over small working sets, certified
        over all N; ``"auto"`` switches to working sets from 20,000 points. With ``c_s < 1``
        and n much smaller than N, ``"working-set"`` is the faster choice at any N. A
        degenerate vertex-mode solve by working sets returns a vertex of the same optimal
        face, but not the same vertex as the full program.

    Returns
    -------
    Selection
        With ``weights = s`` and ``solution`` (a :class:`MomentMatchingSolution`).

    Raises
    ------
    ValidationError
        Any bad argument (the message names it and the bad value), including features whose
        sketch has no variance or is too badly scaled for float64 second moments.
    SolverNotInstalledError
        ``solver`` is not an installed CVXPY solver.
    SolverError, InfeasibleProblemError
        Every solver tried failed.
    """
    matrix = check_matrix(features)
    n_samples, n_features = matrix.shape
    n = check_int(n, "n", 1, n_samples)
    if isinstance(sketch_dim, str) and sketch_dim == "auto":
        sketch_dim = DEFAULT_SKETCH_DIM if n_features > DEFAULT_SKETCH_DIM else None
    elif isinstance(sketch_dim, str):
        raise ValidationError(
            f"sketch_dim must be an int in [1, {n_features}], None or 'auto', got {sketch_dim!r}"
        )
    elif sketch_dim is not None:
        sketch_dim = check_int(sketch_dim, "sketch_dim", 1, n_features)
    check_choice(sketch, "sketch", SKETCH_KINDS)
    check_choice(sketch_precision, "sketch_precision", SKETCH_PRECISIONS)
    check_choice(sampler, "sampler", SKMM_SAMPLERS)
    config = check_config(formulation, weighting, solver, solver_options, fallback, strategy)
    solution = default_solution_mode(formulation, solution)
    c_s = check_positive_float(c_s, "c_s")

    sketch_rng, face_rng, sample_rng = skmm_streams(rng)
    sketched = sketch_validated(matrix, sketch_dim, sketch, sketch_rng, sketch_precision)
    if not np.all(np.isfinite(sketched)):  # dask input is checked here, in the same pass
        raise non_finite_sketch_error(sketch_precision if sketch_dim is not None else "float64")
    check_magnitude(sketched, "features", "the sketch G @ Gamma")
    moments = compute_moments(sketched)
    if moments.n_directions == 0:
        raise ValidationError(
            "features must not be all zero: the sketch G @ Gamma has no variance (all-zero "
            "features, or a sparse-sign sketch that cancels them; try sketch='gaussian')"
        )
    solution_ = MomentMatching.from_config(moments, config).solve(
        n, c_s, solution=solution, rng=face_rng
    )
    indices = skmm_sample(solution_.s, n, sampler, moments, sample_rng)
    return Selection(indices, "skmm", weights=solution_.s, solution=solution_, sampler=sampler)


METHODS: dict[str, Callable[..., Selection]] = {"skmm": select_skmm, **BASELINES}


def select(
    features: Any, n: int, method: str = "skmm", *, rng: RngLike = None, **options: Any
) -> Selection:
    """Select n of the N rows of ``features``.

    Parameters
    ----------
    features : array_like or sparse matrix, shape (N, r)
        Feature or per-example gradient matrix.
    n : int
        Coreset size, in ``[1, N]``.
    method : str
        One of :data:`METHODS`: ``"skmm"`` (default, see :func:`select_skmm` for its
        options) or a baseline.
    rng : int, Generator or None
        Same rng in, same indices out.
    **options
        Method-specific options; an option the method does not take is an error.

    Returns
    -------
    Selection
    """
    method = check_choice(method, "method", tuple(METHODS))
    chosen = METHODS[method]
    try:
        inspect.signature(chosen).bind(features, n, rng=rng, **options)
    except TypeError as exc:
        raise ValidationError(f"method {method!r} does not take these options: {exc}") from None
    return chosen(features, n, rng=rng, **options)
