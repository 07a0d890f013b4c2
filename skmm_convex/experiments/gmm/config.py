"""What ``reproduce gmm`` runs and what it measures: the rows of Table 1 and the result types.

Every method of :data:`ROWS` selects coresets of each size n from the Table-1 instance
(:data:`skmm_convex.datasets.TABLE1_GMM`: N=2000, r=2400, 8 clusters, std_max 0.04, data seed
0); each coreset is scored by the ridge protocol of :mod:`skmm_convex.evaluation.ridge`;
randomised methods are repeated over seeds 0..K-1.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ...baselines import DEFAULT_RANK, DEFAULT_RIDGE_ALPHA
from ...datasets import TABLE1_GMM
from ...selection import DEFAULT_SKETCH_DIM

__all__ = [
    "QUICK_SIZES",
    "ROWS",
    "SIZES",
    "GMMConfig",
    "GMMResult",
    "Row",
    "Run",
    "quick_config",
]


@dataclass(frozen=True)
class Row:
    """One row of the table: a method and its options."""

    label: str
    method: str
    solution: str | None = None
    sampler: str | None = None

    @property
    def randomised(self) -> bool:
        """Whether the method draws at random (every method but herding)."""
        return self.method != "herding"


ROWS: tuple[Row, ...] = (
    Row("Herding", "herding"),
    Row("Uniform", "uniform"),
    Row("K-center", "kcenter"),
    Row("Adaptive", "adaptive"),
    Row("T-leverage", "leverage"),
    Row("R-leverage", "ridge-leverage"),
    Row("SkMM (default: vertex, stratified systematic)", "skmm", "vertex", "stratified"),
    Row("SkMM (vertex, systematic, random order)", "skmm", "vertex", "systematic"),
    Row("SkMM (vertex, authors' sampler)", "skmm", "vertex", "authors"),
    Row("SkMM (vertex, top-n)", "skmm", "vertex", "top"),
    Row("SkMM (faithful: interior, authors' sampler)", "skmm", "interior", "authors"),
    Row("SkMM (interior, systematic)", "skmm", "interior", "systematic"),
)

SIZES = (48, 64, 80, 120, 200, 400, 800, 1600)
QUICK_SIZES = (48, 120)


@dataclass(frozen=True)
class GMMConfig:
    """What to run. Defaults: the paper's Table-1 instance and protocol, 8 seeds."""

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


@dataclass(frozen=True)
class Run:
    """One evaluated coreset (or, for SkMM, one coreset drawn from one solve).

    ``indices`` is the coreset in the order the evaluation saw it;
    ``cluster_counts[j]`` is the number of coreset points from cluster j. SkMM runs also carry
    the weights' diagnostics: ``support`` (points with ``s_i > 1e-9/n``), ``degenerate`` (the
    exact LP test of the core), ``mass`` (``sum of s`` per cluster) and ``certified_c_s``.
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
