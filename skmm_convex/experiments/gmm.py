"""``skmm-convex reproduce gmm``: the paper's Table 1 on the synthetic GMM regression data.

Every method of :data:`ROWS` selects coresets of each size n from the Table-1 instance
(N=2000, r=2400, 8 clusters, std_max 0.04, data seed 0); each coreset is scored by the ridge
protocol of :mod:`skmm_convex.evaluate`; randomised methods are repeated over seeds 0..K-1.

A row's coreset for seed k is the one ``select(features, n, method, rng=k, **options)``
returns: the expensive parts are shared (Gram matrix, leverage scores, one sketch and one
compiled QP per seed reused across n), the greedy methods are run once to the largest n and
cut to prefixes (their picks do not depend on n), and the random streams are spawned exactly
as :func:`select` spawns them.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .._validation import as_generator, check_int
from ..baselines import (
    DEFAULT_RANK,
    DEFAULT_RIDGE_ALPHA,
    RowGeometry,
    adaptive_order,
    herding_order,
    kcenter_order,
    ridge_leverage_scores,
    sample_by_scores,
    select_uniform,
    truncated_leverage_scores,
)
from ..datasets import make_gmm
from ..errors import ValidationError
from ..evaluate import fit_coreset, full_data_risk
from ..moment_matching import MomentMatching
from ..moments import compute_moments
from ..sampling import skmm_sample
from ..selection import DEFAULT_SKETCH_DIM, skmm_streams
from ..sketch import sketch_features

__all__ = [
    "ROWS",
    "GMMConfig",
    "GMMResult",
    "Row",
    "Run",
    "add_arguments",
    "quick_config",
    "run_from_args",
    "run_gmm",
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
    n_samples: int = 2000
    n_features: int = 2400
    n_clusters: int = 8
    std_max: float = 0.04
    data_seed: int = 0
    sketch_dim: int = DEFAULT_SKETCH_DIM
    c_s: float = 0.999
    rank: int = DEFAULT_RANK
    ridge_alpha: float = DEFAULT_RIDGE_ALPHA
    rows: tuple[Row, ...] = ROWS


def quick_config(config: GMMConfig | None = None) -> GMMConfig:
    """The ``--quick`` variant: n in {48, 120} and 2 seeds (for CI and notebooks)."""
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
    """Everything :func:`run_gmm` measured.

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


# --- the work, shared by the parent and the worker processes ------------------------------

_STATE: dict[str, Any] = {}


def _install_state(state: dict[str, Any]) -> None:
    _STATE.clear()
    _STATE.update(state)
    _STATE["limits"] = threadpool_limits(limits=1)  # one BLAS thread per worker


def _evaluate(label: str, seed: int | None, n: int, indices: np.ndarray, **extra: Any) -> Run:
    data = _STATE["data"]
    fit = fit_coreset(data.features, data.labels, indices)
    counts = np.bincount(data.cluster_ids[indices], minlength=len(data.centers))
    counts_ = tuple(int(c) for c in counts)
    return Run(label, seed, n, fit.risk, fit.alpha, counts_, indices=indices, **extra)


def _greedy_task(row: Row, seed: int | None) -> list[Run]:
    config, geometry = _STATE["config"], _STATE["geometry"]
    n_max = max(config.sizes)
    if row.method == "herding":
        order = herding_order(geometry, n_max)
    elif row.method == "kcenter":
        first = int(as_generator(seed).integers(geometry.n_samples))
        order = kcenter_order(geometry, n_max, first)
    else:  # adaptive: pivot order is kept, the DeepCore methods return sorted masks
        order = adaptive_order(geometry, n_max, as_generator(seed))
        return [_evaluate(row.label, seed, n, order[:n]) for n in config.sizes]
    return [_evaluate(row.label, seed, n, np.sort(order[:n])) for n in config.sizes]


def _sampled_task(row: Row, seed: int) -> list[Run]:
    config, data = _STATE["config"], _STATE["data"]
    runs = []
    for n in config.sizes:
        if row.method == "uniform":
            indices = select_uniform(data.features, n, rng=seed).indices
        else:
            indices = sample_by_scores(_STATE["scores"][row.method], n, as_generator(seed))
        runs.append(_evaluate(row.label, seed, n, indices))
    return runs


def _skmm_task(rows: tuple[Row, ...], seed: int) -> list[Run]:
    config, data = _STATE["config"], _STATE["data"]
    sketch_rng, _, _ = skmm_streams(seed)
    moments = compute_moments(
        sketch_features(data.features, config.sketch_dim, "gaussian", sketch_rng)
    )
    program = MomentMatching(moments, "diagonal")  # compiled once, re-solved for every n
    runs = []
    for n in config.sizes:
        for mode in dict.fromkeys(row.solution for row in rows):
            _, face_rng, _ = skmm_streams(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                solution = program.solve(n, config.c_s, solution=mode, rng=face_rng)
            mass = np.bincount(data.cluster_ids, weights=solution.s, minlength=len(data.centers))
            extra = {
                "support": solution.support_size,
                "degenerate": bool(solution.degenerate),
                "mass": tuple(float(m) for m in mass),
                "certified_c_s": float(solution.certified_c_s),
            }
            for row in (row for row in rows if row.solution == mode):
                _, _, sample_rng = skmm_streams(seed)
                indices = skmm_sample(solution.s, n, row.sampler, moments, sample_rng)
                # the sampler returns sorted indices; present them to the unshuffled 2-fold
                # split in a random order, as the authors' rng.choice draw order would be
                shuffled = np.random.default_rng([seed, n]).permutation(indices)
                runs.append(_evaluate(row.label, seed, n, shuffled, **extra))
    return runs


def _timed(task: Callable[..., list[Run]], *args: Any) -> tuple[list[Run], float]:
    start = time.process_time()
    runs = task(*args)
    return runs, time.process_time() - start


def _tasks(config: GMMConfig) -> list[tuple[Callable[..., list[Run]], tuple]]:
    """Independent units of work, the slowest first (for load balancing)."""
    skmm_rows = tuple(row for row in config.rows if row.method == "skmm")
    tasks: list[tuple[Callable[..., list[Run]], tuple]] = []
    seeds = range(config.seeds)
    if skmm_rows:
        tasks += [(_skmm_task, (skmm_rows, seed)) for seed in seeds]
    for row in config.rows:
        if row.method == "herding":
            tasks.append((_greedy_task, (row, None)))
        elif row.method in ("kcenter", "adaptive"):
            tasks += [(_greedy_task, (row, seed)) for seed in seeds]
        elif row.method != "skmm":
            tasks += [(_sampled_task, (row, seed)) for seed in seeds]
    return tasks


def _prepare(config: GMMConfig) -> dict[str, Any]:
    data = make_gmm(
        config.n_samples,
        config.n_features,
        config.n_clusters,
        std_max=config.std_max,
        rng=config.data_seed,
    )
    methods = {row.method for row in config.rows}
    state: dict[str, Any] = {"config": config, "data": data, "scores": {}}
    if methods & {"herding", "kcenter", "adaptive"}:
        state["geometry"] = RowGeometry(data.features)
    cap = min(data.features.shape)
    if "leverage" in methods:
        rank = min(config.rank, cap)
        state["scores"]["leverage"] = truncated_leverage_scores(data.features, rank)
    if "ridge-leverage" in methods:
        scores = ridge_leverage_scores(data.features, config.ridge_alpha)
        state["scores"]["ridge-leverage"] = scores
    return state


def _check_config(config: GMMConfig) -> None:
    check_int(config.seeds, "seeds", 1)
    if not config.sizes:
        raise ValidationError("sizes must hold at least one coreset size")
    for n in config.sizes:
        check_int(n, "n (in sizes)", 4, config.n_samples)  # 2-fold CV needs 2 rows per fold
    if not config.rows:
        raise ValidationError("rows must hold at least one method")


def run_gmm(
    config: GMMConfig | None = None,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> GMMResult:
    """Run the Table-1 experiment.

    Parameters
    ----------
    config : GMMConfig, optional
        Defaults to the paper's instance, all n and 8 seeds.
    jobs : int
        Worker processes (``fork`` start method where available); 1 runs in this process.
        Every process uses one BLAS thread: the protocol's many small LSQR products are
        memory-bound, and several BLAS threads per process only contend for the cores.
    progress : callable, optional
        Called as ``progress(done, total)`` after each unit of work.

    Returns
    -------
    GMMResult
    """
    config = config or GMMConfig()
    _check_config(config)
    jobs = check_int(jobs, "jobs", 1)
    start, cpu_start = time.perf_counter(), time.process_time()
    tasks = _tasks(config)
    runs: list[Run] = []
    if progress is not None:
        progress(0, len(tasks))
    with threadpool_limits(limits=1):
        state = _prepare(config)
        floor = full_data_risk(state["data"].features, state["data"].labels)
    cpu = time.process_time() - cpu_start
    if jobs <= 1:
        previous = dict(_STATE)
        _install_state(state)
        try:
            for done, (task, args) in enumerate(tasks, 1):
                task_runs, task_cpu = _timed(task, *args)
                runs, cpu = runs + task_runs, cpu + task_cpu
                if progress is not None:
                    progress(done, len(tasks))
        finally:
            _STATE["limits"].restore_original_limits()
            _STATE.clear()
            _STATE.update(previous)
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_install_state, initargs=(state,)
        ) as pool:
            futures = [pool.submit(_timed, task, *args) for task, args in tasks]
            for done, future in enumerate(as_completed(futures), 1):
                task_runs, task_cpu = future.result()
                runs, cpu = runs + task_runs, cpu + task_cpu
                if progress is not None:
                    progress(done, len(tasks))
    order = {row.label: i for i, row in enumerate(config.rows)}
    runs.sort(key=lambda run: (order[run.label], run.n, -1 if run.seed is None else run.seed))
    return GMMResult(
        config=config,
        runs=tuple(runs),
        full_data_risk=floor,
        cluster_sizes=tuple(int(c) for c in state["data"].cluster_sizes),
        seconds=time.perf_counter() - start,
        cpu_seconds=cpu,
        jobs=jobs,
    )


# --- command line --------------------------------------------------------------------------


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints, got {text!r}") from None
    if not sizes or sizes[0] < 4:
        raise argparse.ArgumentTypeError(f"every n must be an int >= 4, got {text!r}")
    return sizes


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``skmm-convex reproduce gmm``."""
    parser.add_argument(
        "--quick", action="store_true", help=f"n in {set(QUICK_SIZES)} and 2 seeds (CI)"
    )
    parser.add_argument("--out", default="results/gmm", help="output folder (results/gmm)")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument(
        "--seeds", type=_positive, default=None, help="seeds 0..K-1 per randomised method (8)"
    )
    parser.add_argument("--sizes", type=_sizes, default=None, help="comma-separated n values")
    parser.add_argument(
        "--jobs", type=_positive, default=2, help="worker processes (default 2, one per core)"
    )


def _progress_printer(stream: Any = None) -> Callable[[int, int], None]:
    stream = stream or sys.stderr
    start = time.perf_counter()
    tty = hasattr(stream, "isatty") and stream.isatty()

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        line = (
            f"gmm [{'#' * filled}{'.' * (width - filled)}] {done}/{total} tasks, "
            f"{time.perf_counter() - start:.0f} s"
        )
        stream.write(("\r" + line + ("\n" if done == total else "")) if tty else line + "\n")
        stream.flush()

    return show


def run_from_args(args: argparse.Namespace) -> int:
    """Run from parsed command-line arguments; write the outputs; print the table."""
    from .gmm_report import check_outputs, format_table, write_outputs

    config = quick_config() if args.quick else GMMConfig()
    if args.seeds is not None:
        config = replace(config, seeds=args.seeds)
    if args.sizes is not None:
        config = replace(config, sizes=args.sizes)
    out = Path(args.out)
    check_outputs(out, args.force)  # fail before the work, not after it
    result = run_gmm(config, jobs=args.jobs, progress=_progress_printer())
    out.mkdir(parents=True, exist_ok=True)
    paths = write_outputs(result, out, force=args.force)
    print(format_table(result))
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0
