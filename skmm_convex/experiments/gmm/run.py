"""The work of ``reproduce gmm``: every row of Table 1 at every n and seed, in worker processes.

A row's coreset for seed k is the one ``select(features, n, method, rng=k, **options)``
returns, with the options of :func:`~.config.row_options` (the row of the authors' optimiser,
which ``select`` does not offer, runs ``skmm_convex.baselines.projected_adam`` on the exact
rows' sketch and draws as their notebook does). The expensive parts are shared (Gram matrix,
leverage scores, one sketch and one compiled QP per seed reused across n), the greedy methods
are run once to the largest n and cut to prefixes (their picks do not depend on n), and the
random streams are spawned exactly
as :func:`~skmm_convex.selection.select` spawns them.

The parent prepares a :class:`Workspace` once; the pool's initializer hands it to each worker
(inherited through ``fork`` where available) and ties the worker's life to the parent's, so no
worker outlives the command however the command ends.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from ..._validation import as_generator, check_int
from ...baselines import (
    RowGeometry,
    adaptive_order,
    authors_first_center,
    herding_order,
    kcenter_order,
    projected_adam,
    ridge_leverage_scores,
    sample_by_scores,
    select_uniform,
    truncated_leverage_scores,
)
from ...datasets import make_gmm
from ...errors import ValidationError
from ...evaluation.ridge import fit_coreset, full_data_risk
from ...moment_matching import MomentMatching
from ...moments import compute_moments
from ...sampling import skmm_sample
from ...selection import skmm_streams
from ...sketch import sketch_features
from .config import GMMConfig, GMMResult, Row, Run, row_options

__all__ = ["Workspace", "run_gmm"]

Task = tuple[str, tuple]


class Workspace:
    """The data and the shared precomputations of one configuration, and its units of work.

    Parameters
    ----------
    config : GMMConfig

    Notes
    -----
    Built once in the parent (data, row geometry for the greedy methods, leverage scores);
    :meth:`run` executes one task of :meth:`tasks` and is what each worker calls.
    """

    def __init__(self, config: GMMConfig) -> None:
        self.config = config
        self.data = make_gmm(
            config.n_samples,
            config.n_features,
            config.n_clusters,
            std_max=config.std_max,
            rng=config.data_seed,
        )
        methods = {row.method for row in config.rows}
        self.geometry = None
        if methods & {"herding", "kcenter", "adaptive"}:
            self.geometry = RowGeometry(self.data.features)
        self.scores: dict[str, np.ndarray] = {}  # per row label
        for row in config.rows:
            options = row_options(row, config)
            if row.method == "leverage":
                scores = truncated_leverage_scores(self.data.features, options["rank"])
            elif row.method == "ridge-leverage":
                scores = ridge_leverage_scores(self.data.features, options["alpha"])
            else:
                continue
            self.scores[row.label] = scores

    def tasks(self) -> list[Task]:
        """Independent units of work ``(kind, args)``, the slowest first (load balancing)."""
        config = self.config
        skmm_rows = tuple(row for row in config.rows if row.method == "skmm")
        tasks: list[Task] = []
        seeds = range(config.seeds)
        if skmm_rows:
            tasks += [("skmm", (skmm_rows, seed)) for seed in seeds]
        for row in config.rows:
            if row.method == "herding":
                tasks.append(("greedy", (row, None)))
            elif row.method in ("kcenter", "adaptive"):
                tasks += [("greedy", (row, seed)) for seed in seeds]
            elif row.method != "skmm":
                tasks += [("sampled", (row, seed)) for seed in seeds]
        return tasks

    def run(self, kind: str, args: tuple) -> tuple[list[Run], float]:
        """Run one task; returns its runs and the CPU seconds it took."""
        work = {"greedy": self._greedy, "sampled": self._sampled, "skmm": self._skmm}[kind]
        start = time.process_time()
        runs = work(*args)
        return runs, time.process_time() - start

    def _evaluate(self, label: str, seed: int | None, n: int, indices: np.ndarray, **extra):
        data = self.data
        fit = fit_coreset(data.features, data.labels, indices)
        counts = np.bincount(data.cluster_ids[indices], minlength=len(data.centers))
        counts_ = tuple(int(c) for c in counts)
        return Run(label, seed, n, fit.risk, fit.alpha, counts_, indices=indices, **extra)

    def _greedy(self, row: Row, seed: int | None) -> list[Run]:
        config, geometry = self.config, self.geometry
        n_max = max(config.sizes)
        if row.method == "herding":
            order = herding_order(geometry, n_max)
        elif row.method == "kcenter":
            if row_options(row, config).get("seeding") == "authors":
                first = authors_first_center(seed, geometry.n_samples)
            else:
                first = int(as_generator(seed).integers(geometry.n_samples))
            order = kcenter_order(geometry, n_max, first)
        else:  # adaptive: pivot order is kept, the DeepCore methods return sorted masks
            pivots = row_options(row, config).get("pivots", "inverse-cdf")
            order = adaptive_order(geometry, n_max, as_generator(seed), pivots)
            return [self._evaluate(row.label, seed, n, order[:n]) for n in config.sizes]
        return [self._evaluate(row.label, seed, n, np.sort(order[:n])) for n in config.sizes]

    def _sampled(self, row: Row, seed: int) -> list[Run]:
        features = self.data.features
        runs = []
        for n in self.config.sizes:
            if row.method == "uniform":
                indices = select_uniform(features, n, rng=seed).indices
            else:
                indices = sample_by_scores(self.scores[row.label], n, as_generator(seed))
            runs.append(self._evaluate(row.label, seed, n, indices))
        return runs

    def _skmm(self, rows: tuple[Row, ...], seed: int) -> list[Run]:
        config, data = self.config, self.data
        sketch_rng, _, _ = skmm_streams(seed)
        sketch = sketch_features(data.features, config.sketch_dim, "gaussian", sketch_rng)
        moments = compute_moments(sketch)
        program = MomentMatching(moments, "diagonal")  # compiled once, re-solved for every n
        runs = []
        for n in config.sizes:
            for mode in dict.fromkeys(row.solution for row in rows):
                if mode == "adam":
                    runs += self._authors_adam(rows, seed, n, sketch)
                    continue
                _, face_rng, _ = skmm_streams(seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    solution = program.solve(n, config.c_s, solution=mode, rng=face_rng)
                extra = {
                    "support": solution.support_size,
                    "degenerate": bool(solution.degenerate),
                    "mass": self._mass(solution.s),
                    "certified_c_s": float(solution.certified_c_s),
                    "objective": float(solution.objective),
                }
                for row in (row for row in rows if row.solution == mode):
                    _, _, sample_rng = skmm_streams(seed)
                    indices = skmm_sample(solution.s, n, row.sampler, moments, sample_rng)
                    # the sampler returns sorted indices; present them to the unshuffled 2-fold
                    # split in a random order, as the authors' rng.choice draw order would be
                    shuffled = np.random.default_rng([seed, n]).permutation(indices)
                    runs.append(self._evaluate(row.label, seed, n, shuffled, **extra))
        return runs

    def _mass(self, s: np.ndarray) -> tuple[float, ...]:
        data = self.data
        mass = np.bincount(data.cluster_ids, weights=s, minlength=len(data.centers))
        return tuple(float(m) for m in mass)

    def _authors_adam(self, rows: tuple[Row, ...], seed: int, n: int, sketch) -> list[Run]:
        """SkMM as the authors ran it: projected Adam, then ``rng.choice`` in draw order.

        Same sketch as the exact rows of this seed; Adam's initial point from
        ``default_rng(seed)``; the coreset ``default_rng(seed).choice(N, n, p=s / sum(s),
        replace=False)`` (the authors fix that seed to 7 or 1 in their notebooks), in draw
        order.
        """
        config = self.config
        result = projected_adam(
            sketch, n, config.c_s, num_iter=config.adam_steps, lr=config.adam_lr, rng=seed
        )
        s = result.s
        extra = {
            "support": int(np.count_nonzero(s > 1e-9 / n)),
            "mass": self._mass(s),
            "objective": float(result.objective),
        }
        runs = []
        for row in (row for row in rows if row.solution == "adam"):
            indices = np.random.default_rng(seed).choice(s.size, n, replace=False, p=s / s.sum())
            runs.append(self._evaluate(row.label, seed, n, indices, **extra))
        return runs


# --- worker processes ------------------------------------------------------------------------

# The one piece of per-process state: set once in each worker by the pool's initializer,
# never in the parent.
_WORKER: dict[str, Any] = {}


def _end_with_parent(parent: int) -> None:
    """Make this process end when process ``parent`` ends, whatever ends it (SIGKILL too)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    else:  # elsewhere: poll for re-parenting

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent ended before the request above took effect
        os._exit(1)


def _start_worker(workspace: Workspace, parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent alone reports it and ends the pool.
    # SIGTERM and SIGHUP end a worker at once (not through handlers inherited by fork).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    _end_with_parent(parent)
    _WORKER["limits"] = threadpool_limits(limits=1)  # one BLAS thread per worker
    _WORKER["workspace"] = workspace


def _run_in_worker(kind: str, args: tuple) -> tuple[list[Run], float]:
    return _WORKER["workspace"].run(kind, args)


def _check_config(config: GMMConfig) -> None:
    check_int(config.seeds, "seeds", 1)
    if not config.sizes:
        raise ValidationError("sizes must hold at least one coreset size")
    for n in config.sizes:
        check_int(n, "n (in sizes)", 4, config.n_samples)  # 2-fold CV needs 2 rows per fold
    if not config.rows:
        raise ValidationError("rows must hold at least one method")


def run_gmm(config: GMMConfig | None = None, *, jobs: int = 1, progress: bool = False) -> GMMResult:
    """Run the Table-1 experiment.

    Parameters
    ----------
    config : GMMConfig, optional
        Defaults to the paper's instance, all n and 8 seeds.
    jobs : int
        Worker processes of a :class:`~concurrent.futures.ProcessPoolExecutor` (``fork``
        start method where available); 1 runs in this process. Every process uses one BLAS
        thread: the protocol's many small LSQR products are memory-bound, and several BLAS
        threads per process only contend for the cores. A worker ends with this process.
    progress : bool
        Show a progress bar (tasks done) on stderr, when stderr is a terminal.

    Returns
    -------
    GMMResult
    """
    config = config or GMMConfig()
    _check_config(config)
    jobs = check_int(jobs, "jobs", 1)
    start, cpu_start = time.perf_counter(), time.process_time()
    with threadpool_limits(limits=1):
        workspace = Workspace(config)
        data = workspace.data
        floor = full_data_risk(data.features, data.labels)
    tasks = workspace.tasks()
    runs: list[Run] = []
    cpu = time.process_time() - cpu_start
    bar = tqdm(
        total=len(tasks),
        desc="gmm",
        unit="task",
        file=sys.stderr,
        disable=None if progress else True,
    )
    with bar:
        if jobs <= 1:
            with threadpool_limits(limits=1):
                for kind, args in tasks:
                    task_runs, task_cpu = workspace.run(kind, args)
                    runs, cpu = runs + task_runs, cpu + task_cpu
                    bar.update()
        else:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            before = set(multiprocessing.active_children())
            pool = ProcessPoolExecutor(
                jobs,
                mp_context=context,
                initializer=_start_worker,
                initargs=(workspace, os.getpid()),
            )
            try:
                futures = [pool.submit(_run_in_worker, kind, args) for kind, args in tasks]
                for future in as_completed(futures):
                    task_runs, task_cpu = future.result()
                    runs, cpu = runs + task_runs, cpu + task_cpu
                    bar.update()
            except BaseException:  # an error, Ctrl-C or SIGTERM: end the workers now
                for worker in set(multiprocessing.active_children()) - before:
                    worker.terminate()
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    order = {row.label: i for i, row in enumerate(config.rows)}
    runs.sort(key=lambda run: (order[run.label], run.n, -1 if run.seed is None else run.seed))
    return GMMResult(
        config=config,
        runs=tuple(runs),
        full_data_risk=floor,
        cluster_sizes=tuple(int(c) for c in data.cluster_sizes),
        seconds=time.perf_counter() - start,
        cpu_seconds=cpu,
        jobs=jobs,
    )
