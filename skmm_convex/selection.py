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
from .errors import ClassBudgetWarning, ValidationError, warn_user  # the last two: per-class block
from .moment_matching import MomentMatching, check_config, default_solution_mode
from .moments import compute_moments
from .results import Selection
from .sampling import SKMM_SAMPLERS, skmm_sample
from .sketch import SKETCH_KINDS, SKETCH_PRECISIONS, non_finite_sketch_error, sketch_validated
from .strategies.v_optimal import select_v_optimal

__all__ = [
    "METHODS",
    "PAPER_METHODS",
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
        ``c_s >= 1`` uniform weights are optimal (the documentation's "The method" page).
    formulation : {"diagonal", "psd"}
        ``"diagonal"``: the paper's QP over the m diagonal moment conditions. ``"psd"``: the
        full Loewner condition ``G~' diag(s) G~ >= Sigma~ / c_s`` on the moment target with a
        Frobenius objective (an SDP, :class:`~skmm_convex.programs.psd_sdp.PSDMomentMatchingSDP`;
        the documentation's "The full-PSD formulation" page says up to which m it is
        practical).
    solver : str
        CVXPY solver name, ``"CLARABEL"`` by default. ``"PIQP"`` (installed with the package)
        solves these QPs faster and to tighter certificates (``benchmarks/results/costs.md``).
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


# the methods of the paper's Table 1: what the experiments run unless told otherwise
PAPER_METHODS = ("skmm", "uniform", "herding", "kcenter", "adaptive", "leverage", "ridge-leverage")
METHODS: dict[str, Callable[..., Selection]] = {
    "skmm": select_skmm,
    "v-optimal": select_v_optimal,
    **BASELINES,
}


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
        options), ``"v-optimal"``
        (:func:`~skmm_convex.strategies.v_optimal.select_v_optimal`) or a baseline
        (``"skmm-v2"``: :func:`~skmm_convex.baselines.skmm_v2.select_skmm_v2`).
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


# --- class-balanced selection: the budget split among classes and select within each class ---

BUDGET_SPLITS = ("proportional", "equal")

__all__ += ["BUDGET_SPLITS", "ClassBudgetWarning", "check_labels", "class_budgets"]
__all__ += ["select_per_class"]


def check_labels(labels: Any, n_samples: int, name: str = "labels") -> np.ndarray:
    """Check one label per row and return the labels as an array.

    Parameters
    ----------
    labels : array_like, shape (N,)
    n_samples : int
        The number of rows N the labels must match.
    name : str
        The argument's name in the error message.

    Returns
    -------
    ndarray, shape (N,)

    Raises
    ------
    ValidationError
        When ``labels`` is not 1-d with ``n_samples`` entries, or holds NaN or infinite values.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n_samples:
        raise ValidationError(
            f"{name} must be 1-d with {n_samples} entries (one per row), got shape {labels.shape}"
        )
    if labels.dtype.kind in "fc" and not np.all(np.isfinite(labels)):
        first = int(np.flatnonzero(~np.isfinite(labels))[0])
        raise ValidationError(
            f"{name} contains NaN or infinite values (first at [{first}]: {labels[first]})"
        )
    return labels


def _split(total: int, sizes: np.ndarray, split: str) -> np.ndarray:
    """Divide ``total`` among classes of the given sizes (no capping)."""
    if split == "equal":
        budgets = np.full(sizes.size, total // sizes.size)
        quotas = np.zeros(sizes.size)
        extra = total - budgets.sum()
        order = np.lexsort((np.arange(sizes.size), -sizes))  # largest classes first
    else:
        quotas = total * sizes / sizes.sum()
        budgets = np.floor(quotas).astype(int)
        extra = total - budgets.sum()
        order = np.lexsort((np.arange(sizes.size), -(quotas - budgets)))  # largest remainders
    budgets[order[:extra]] += 1
    return budgets


def class_budgets(labels: Any, n: int, split: str = "proportional") -> dict[Any, int]:
    """Per-class budgets that add up to n, each at most the class size.

    Parameters
    ----------
    labels : array_like, shape (N,)
    n : int
        Total budget, in ``[1, N]``.
    split : {"proportional", "equal"}
        ``"proportional"``: ``n N_c / N`` rounded by largest remainders; ``"equal"``:
        ``n // C`` each, the remainder to the largest classes.

    Returns
    -------
    dict
        Class label -> budget ``n_c`` with ``0 <= n_c <= N_c`` and ``sum n_c = n``.

    Warns
    -----
    ClassBudgetWarning
        When a class has fewer examples than its budget: it gets all of them and its
        shortfall is split among the other classes by the same rule (repeated until no class
        is short), so the total stays n.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValidationError(f"labels must be a non-empty 1-d array, got shape {labels.shape}")
    n = check_int(n, "n", 1, labels.size)
    check_choice(split, "split", BUDGET_SPLITS)
    classes, sizes = np.unique(labels, return_counts=True)
    budgets = _split(n, sizes, split)
    asked = budgets.copy()  # the budget each class had when it was found short
    capped = np.zeros(classes.size, dtype=bool)
    while np.any(budgets > sizes):
        short = budgets > sizes
        asked[short] = budgets[short]
        capped |= short
        budgets[capped] = sizes[capped]
        budgets[~capped] = _split(n - sizes[capped].sum(), sizes[~capped], split)
    if capped.any():
        short = ", ".join(
            f"class {classes[k].item()!r} has {sizes[k]} < budget {asked[k]}"
            for k in np.flatnonzero(capped)
        )
        final = dict(zip(classes.tolist(), budgets.tolist(), strict=True))
        warn_user(
            f"class-balanced selection ({split!r} split, n={n}): {short}; each such class "
            "contributes all its examples and the other classes take up the difference "
            f"(budgets now {final})",
            ClassBudgetWarning,
        )
    return {label: int(b) for label, b in zip(classes.tolist(), budgets, strict=True)}


def select_per_class(
    features: Any,
    labels: Any,
    n: int,
    method: str = "skmm",
    *,
    split: str = "proportional",
    rng: RngLike = None,
    **options: Any,
) -> Selection:
    """Class-balanced selection: run ``method`` within each class on its own budget.

    Parameters
    ----------
    features : array_like, shape (N, r)
    labels : array_like, shape (N,)
    n : int
        Total coreset size.
    method : str
        Any key of :data:`METHODS`.
    split : {"proportional", "equal"}
        How n is divided among classes (:func:`class_budgets`).
    rng : int, Generator or None
        Split into one independent stream per class.
    **options
        Passed to the method in every class.

    Returns
    -------
    Selection
        ``indices`` (n,) sorted; ``weights`` (N,) where the method has weights: class c's
        weights scaled by ``n_c / n``, so they lie on the capped simplex of budget n.

    Notes
    -----
    The per-class variant of the authors' ``cov_ntk_perclass`` (which used ``n // C`` each);
    a class whose budget equals its size is taken whole without calling the method.
    """
    matrix = check_matrix(features)
    labels = check_labels(labels, matrix.shape[0])
    check_choice(method, "method", tuple(METHODS))
    budgets = class_budgets(labels, n, split)
    streams = as_generator(rng).spawn(len(budgets))
    chosen, weights = [], np.zeros(matrix.shape[0])
    has_weights = True
    for (label, budget), stream in zip(budgets.items(), streams, strict=True):
        rows = np.flatnonzero(labels == label)
        if budget == 0:
            continue
        if budget == rows.size:
            chosen.append(rows)
            weights[rows] = 1.0 / n
            continue
        sub = select(matrix[rows], budget, method, rng=stream, **options)
        chosen.append(rows[sub.indices])
        if sub.weights is None:
            has_weights = False
        else:
            weights[rows] = sub.weights * budget / n
    indices = np.sort(np.concatenate(chosen))
    return Selection(indices, method, weights=weights if has_weights else None)
