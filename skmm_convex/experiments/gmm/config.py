"""What ``reproduce gmm`` runs and what it measures: the rows of Table 1 and the result types.

Every method of the rows selects coresets of each size n from the Table-1 instance
(:data:`skmm_convex.datasets.TABLE1_GMM`: N=2000, r=2400, 8 clusters, std_max 0.04, data seed
0); each coreset is scored by the ridge protocol of :mod:`skmm_convex.evaluation.ridge`;
randomised methods are repeated over seeds 0..K-1.

Two sets of rows (:data:`PROTOCOLS`):

* ``"authors"`` (:data:`ROWS`, the default): the seed -> coreset map of the authors' code
  wherever it fixes one (k-center's first point, adaptive sampling's pivot draw; uniform and
  the leverage samplers already draw as they do), the T-leverage rank the evidence favours
  (8, the number of clusters) beside the other candidates (16, 32), both R-leverage alphas
  of their notebooks (1e3 as the default row, the one that fits the poster), and SkMM solved
  with the authors' optimiser;
* ``"package"`` (:data:`PACKAGE_ROWS`): every baseline as :func:`~skmm_convex.select`
  draws it by default (one ``default_rng(seed)`` stream, T-leverage rank 32).

:data:`POSTER_TABLE1` holds the poster's numbers the report sets ours beside.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ...baselines import DEFAULT_RANK, DEFAULT_RIDGE_ALPHA
from ...baselines.authors_adam import AUTHORS_LR, AUTHORS_STEPS
from ...datasets import TABLE1_GMM
from ...errors import ValidationError
from ...selection import DEFAULT_SKETCH_DIM

__all__ = [
    "PACKAGE_ROWS",
    "POSTER_SIZES",
    "POSTER_TABLE1",
    "PROTOCOLS",
    "QUICK_SIZES",
    "ROWS",
    "SIZES",
    "GMMConfig",
    "GMMResult",
    "Row",
    "Run",
    "protocol_config",
    "quick_config",
    "row_options",
]


@dataclass(frozen=True)
class Row:
    """One row of the table: a method and its options.

    ``solution`` and ``sampler`` are SkMM's (``solution="adam"``: the authors' projected Adam
    instead of the exact solve); ``options`` are keyword options of the baseline, as
    ``(name, value)`` pairs (see :func:`row_options`); ``poster`` names the poster's row it is
    compared with.
    """

    label: str
    method: str
    solution: str | None = None
    sampler: str | None = None
    options: tuple[tuple[str, object], ...] = ()
    poster: str | None = None

    @property
    def randomised(self) -> bool:
        """Whether the method draws at random (every method but herding)."""
        return self.method != "herding"


def _skmm_rows() -> tuple[Row, ...]:
    return (
        Row(
            "SkMM (default: vertex, stratified systematic)",
            "skmm",
            "vertex",
            "stratified",
            poster="SkMM",
        ),
        Row(
            "SkMM (vertex, systematic, random order)", "skmm", "vertex", "systematic", poster="SkMM"
        ),
        Row("SkMM (vertex, authors' sampler)", "skmm", "vertex", "authors", poster="SkMM"),
        Row("SkMM (vertex, top-n)", "skmm", "vertex", "top", poster="SkMM"),
        Row(
            "SkMM (faithful: interior, authors' sampler)",
            "skmm",
            "interior",
            "authors",
            poster="SkMM",
        ),
        Row("SkMM (interior, systematic)", "skmm", "interior", "systematic", poster="SkMM"),
    )


ROWS: tuple[Row, ...] = (
    Row("Herding", "herding", poster="Herding"),
    Row("Uniform", "uniform", poster="Uniform"),
    Row("K-center", "kcenter", options=(("seeding", "authors"),), poster="K-center"),
    Row("Adaptive", "adaptive", options=(("pivots", "authors"),), poster="Adaptive"),
    Row("T-leverage", "leverage", options=(("rank", "clusters"),), poster="T-leverage"),
    Row("T-leverage (rank 16)", "leverage", options=(("rank", 16),), poster="T-leverage"),
    Row("T-leverage (rank 32)", "leverage", options=(("rank", 32),), poster="T-leverage"),
    Row("R-leverage", "ridge-leverage", options=(("alpha", 1e3),), poster="R-leverage"),
    Row("R-leverage (alpha 1e4)", "ridge-leverage", options=(("alpha", 1e4),), poster="R-leverage"),
    *_skmm_rows(),
    Row(
        "SkMM (authors' optimiser: projected Adam, authors' sampler)",
        "skmm",
        "adam",
        "authors",
        poster="SkMM",
    ),
)
"""The default rows: the authors' seed -> coreset map and parameters (see the module)."""

PACKAGE_ROWS: tuple[Row, ...] = (
    Row("Herding", "herding", poster="Herding"),
    Row("Uniform", "uniform", poster="Uniform"),
    Row("K-center", "kcenter", poster="K-center"),
    Row("Adaptive", "adaptive", poster="Adaptive"),
    Row("T-leverage", "leverage", poster="T-leverage"),
    Row("R-leverage", "ridge-leverage", poster="R-leverage"),
    *_skmm_rows(),
)
"""Every baseline with :func:`~skmm_convex.select`'s own defaults (``--protocol package``)."""

PROTOCOLS: dict[str, tuple[Row, ...]] = {"authors": ROWS, "package": PACKAGE_ROWS}

# The poster's Table 1 (NeurIPS 2024 poster of arXiv 2407.06120): mean and std of L_D(theta_S)
# over its seeds, None for the deterministic Herding row
POSTER_SIZES = (48, 64, 80, 120, 400, 800, 1600)
_POSTER_ROWS = {
    "Herding": ([7.40e2, 7.40e2, 7.40e2, 7.40e2, 7.38e2, 1.17e2, 2.95e-3], None),
    "Uniform": (
        [1.14e-1, 1.01e-1, 3.44e-3, 3.13e-3, 2.99e-3, 2.96e-3, 2.95e-3],
        [2.71e-1, 2.75e-1, 0.29e-3, 0.14e-3, 0.03e-3, 0.01e-3, 0.00e-3],
    ),
    "K-center": (
        [1.23e-2, 9.53e-2, 1.12e-2, 2.73e-2, 5.93e-2, 1.18e-1, 1.13e0],
        [0.40e-2, 0.60e-2, 0.45e-2, 1.81e-2, 4.80e-2, 0.64e-1, 0.70e0],
    ),
    "Adaptive": (
        [3.81e-3, 3.79e-3, 4.83e-3, 4.03e-3, 3.40e-3, 7.34e-3, 3.19e-3],
        [0.65e-3, 1.37e-3, 1.90e-3, 1.35e-3, 0.67e-3, 3.97e-3, 0.16e-3],
    ),
    "T-leverage": (
        [0.99e-2, 3.63e-3, 3.30e-3, 3.24e-3, 2.98e-3, 2.96e-3, 2.95e-3],
        [1.65e-2, 0.49e-3, 0.30e-3, 0.14e-3, 0.01e-3, 0.01e-3, 0.00e-3],
    ),
    "R-leverage": (
        [4.08e-3, 3.48e-3, 3.25e-3, 3.09e-3, 3.00e-3, 2.97e-3, 2.95e-3],
        [1.58e-3, 0.43e-3, 0.31e-3, 0.06e-3, 0.02e-3, 0.01e-3, 0.00e-3],
    ),
    "SkMM": (
        [3.54e-3, 3.31e-3, 3.12e-3, 3.07e-3, 2.98e-3, 2.96e-3, 2.95e-3],
        [0.51e-3, 0.15e-3, 0.07e-3, 0.08e-3, 0.02e-3, 0.01e-3, 0.00e-3],
    ),
}
POSTER_TABLE1: dict[str, dict[int, tuple[float, float | None]]] = {
    name: {
        n: (mean, None if stds is None else stds[i])
        for i, (n, mean) in enumerate(zip(POSTER_SIZES, means, strict=True))
    }
    for name, (means, stds) in _POSTER_ROWS.items()
}
"""``POSTER_TABLE1[row][n] = (mean, std)``, as printed on the poster (std None: no spread)."""

SIZES = (48, 64, 80, 120, 200, 400, 800, 1600)
QUICK_SIZES = (48, 120)


@dataclass(frozen=True)
class GMMConfig:
    """What to run. Defaults: the paper's Table-1 instance and protocol, 8 seeds.

    ``rank`` and ``ridge_alpha`` are the leverage rows' values when a row does not set its
    own (:func:`row_options`); ``adam_lr`` and ``adam_steps`` are the authors' optimiser's
    (their shared notebook: 1e-5 and 1e4).
    """

    sizes: tuple[int, ...] = SIZES
    seeds: int = 8
    n_samples: int = int(TABLE1_GMM["n_samples"])
    n_features: int = int(TABLE1_GMM["n_features"])
    n_clusters: int = int(TABLE1_GMM["n_clusters"])
    std_max: float = float(TABLE1_GMM["std_max"])
    data_seed: int = int(TABLE1_GMM["rng"])
    sketch_dim: int = DEFAULT_SKETCH_DIM
    c_s: float = 0.999
    rank: int = DEFAULT_RANK
    ridge_alpha: float = DEFAULT_RIDGE_ALPHA
    rows: tuple[Row, ...] = ROWS
    adam_lr: float = AUTHORS_LR
    adam_steps: int = AUTHORS_STEPS


def quick_config(config: GMMConfig | None = None) -> GMMConfig:
    """The ``--quick`` variant: n in {48, 120} and 2 seeds (for CI and notebooks).

    Parameters
    ----------
    config : GMMConfig, optional
        The configuration to shorten (default :class:`GMMConfig`).

    Returns
    -------
    GMMConfig
    """
    return replace(config or GMMConfig(), sizes=QUICK_SIZES, seeds=2)


def protocol_config(protocol: str, config: GMMConfig | None = None) -> GMMConfig:
    """``config`` (default :class:`GMMConfig`) with the rows of ``protocol``.

    Parameters
    ----------
    protocol : {"authors", "package"}
        See :data:`PROTOCOLS`.
    config : GMMConfig, optional

    Returns
    -------
    GMMConfig
    """
    if protocol not in PROTOCOLS:
        valid = ", ".join(repr(name) for name in PROTOCOLS)
        raise ValidationError(f"protocol must be one of {valid}; got {protocol!r}")
    return replace(config or GMMConfig(), rows=PROTOCOLS[protocol])


def row_options(row: Row, config: GMMConfig) -> dict[str, object]:
    """The keyword options :func:`~skmm_convex.select` takes for ``row`` under ``config``.

    A baseline row's own options, with ``rank="clusters"`` read as ``config.n_clusters``;
    the leverage rows without their own value take ``config.rank`` or
    ``config.ridge_alpha``. SkMM rows: solution, sampler, sketch dimension and c_s (the
    ``"adam"`` solution has no :func:`~skmm_convex.select` equivalent).

    Parameters
    ----------
    row : Row
    config : GMMConfig

    Returns
    -------
    dict
    """
    if row.method == "skmm":
        return {
            "solution": row.solution,
            "sampler": row.sampler,
            "sketch_dim": config.sketch_dim,
            "c_s": config.c_s,
        }
    options = dict(row.options)
    if row.method == "leverage":
        options.setdefault("rank", config.rank)
        if options["rank"] == "clusters":
            options["rank"] = config.n_clusters
        options["rank"] = min(int(options["rank"]), config.n_samples, config.n_features)
    elif row.method == "ridge-leverage":
        options.setdefault("alpha", config.ridge_alpha)
    return options


@dataclass(frozen=True)
class Run:
    """One evaluated coreset (or, for SkMM, one coreset drawn from one solve).

    ``indices`` is the coreset in the order the evaluation saw it;
    ``cluster_counts[j]`` is the number of coreset points from cluster j. SkMM runs also carry
    the weights' diagnostics: ``support`` (points with ``s_i > 1e-9/n``), ``degenerate`` (the
    exact LP test of the core; None for the authors' optimiser), ``mass`` (``sum of s`` per
    cluster), ``certified_c_s`` and ``objective``, the moment-matching objective of ``s`` in
    the paper's units (for the exact solve, the optimum).
    """

    label: str
    seed: int | None
    n: int
    risk: float
    alpha: float
    cluster_counts: tuple[int, ...]
    support: int | None = None
    degenerate: bool | None = None
    mass: tuple[float, ...] | None = None
    certified_c_s: float | None = None
    objective: float | None = None
    indices: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class GMMResult:
    """Everything :func:`~skmm_convex.experiments.gmm.run.run_gmm` measured.

    ``seconds`` is the wall time; ``cpu_seconds`` the CPU time of all processes (the parent's
    preparation plus every task), a load-independent measure on a shared machine.
    """

    config: GMMConfig
    runs: tuple[Run, ...]
    full_data_risk: float
    cluster_sizes: tuple[int, ...]
    seconds: float
    cpu_seconds: float
    jobs: int = 1
