"""One measurement in a fresh process (``python -m benchmarks.worker TASK_JSON``).

Prints one JSON line: the measured times and counts plus ``peak_rss_gb``, the process's peak
resident memory (:func:`benchmarks.common.peak_rss_gb`), which includes generating the data
unless said otherwise. Stage times come from the solution's own ``timings``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from typing import Any

import numpy as np

import skmm_convex as skmm
from skmm_convex.moment_matching import MomentMatching
from skmm_convex.moments import compute_moments
from skmm_convex.sketch import sketch_features

from .common import lp_seconds, peak_rss_gb, table1_family, timed


def _moments(task: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    data = table1_family(n_samples=task["N"], n_features=task["r"], rng=task.get("seed", 0))
    features = data.features
    del data
    start = time.perf_counter()
    sketched = sketch_features(features, task["m"], "gaussian", 1)
    middle = time.perf_counter()
    moments = compute_moments(sketched)
    end = time.perf_counter()
    return moments, {"sketch_s": middle - start, "moments_s": end - middle}


def scaling(task: dict[str, Any]) -> dict[str, Any]:
    """Build, compile and solve once (vertex mode) with the given strategy."""
    moments, out = _moments(task)
    start = time.perf_counter()
    program = MomentMatching(moments, strategy=task["strategy"])
    if program.program is not None:
        program.program.set_parameters(task["n"], task["c_s"])
        program.program.problem.get_problem_data(program.solver)
    out["compile_s"] = time.perf_counter() - start
    solution = program.solve(task["n"], task["c_s"], solution="vertex", rng=2)
    out["solve_s"] = solution.solve_seconds
    out["lp_s"] = lp_seconds(solution.timings)
    out["timings"] = dict(solution.timings)
    out["rounds"] = solution.rounds
    if program.program is not None and "qp" in solution.timings:
        out["qp_solver_s"] = float(program.program.problem.solver_stats.solve_time or np.nan)
    out["iterations"] = solution.iterations
    out["objective"] = solution.objective
    out["gap"] = solution.suboptimality_bound
    out["degenerate"] = bool(solution.degenerate)
    out["support"] = solution.support_size
    out["message"] = solution.message
    return out


def sweep(task: dict[str, Any]) -> dict[str, Any]:
    """8 budgets through the Parameters of one program against 8 fresh builds and solves."""
    moments, out = _moments(task)
    ns, c_s, mode, strategy = task["ns"], task["c_s"], task["mode"], task["strategy"]
    solver = task.get("solver", "CLARABEL")

    def reuse():
        program = MomentMatching(moments, strategy=strategy, solver=solver)
        return [program.solve(n, c_s, solution=mode, rng=3) for n in ns]

    def fresh_solves():
        return [
            MomentMatching(moments, strategy=strategy, solver=solver).solve(
                n, c_s, solution=mode, rng=3
            )
            for n in ns
        ]

    out["reuse_s"], reused = timed(reuse, task.get("repeat", 1))
    out["fresh_s"], fresh = timed(fresh_solves, task.get("repeat", 1))
    pairs = list(zip(reused, fresh, strict=True))
    out["max_objective_diff"] = float(
        max(abs(a.objective - b.objective) / max(1.0, abs(b.objective)) for a, b in pairs)
    )
    # same rng, same LP cost: a warm re-solve must return the fresh solve's vertex
    out["max_weight_diff"] = float(
        max(np.max(np.abs(a.s - b.s)) * n for (a, b), n in zip(pairs, ns, strict=True))
    )
    return out


def sketch_memmap(task: dict[str, Any]) -> dict[str, Any]:
    """Sketch a memory-mapped .npy file; peak memory of this process only (no data made)."""
    features = np.load(task["path"], mmap_mode="r")
    start = time.perf_counter()
    sketched = sketch_features(features, task["m"], task["kind"], 0)
    return {
        "seconds": time.perf_counter() - start,
        "file_gb": features.size * features.itemsize / 1e9,
        "out_gb": sketched.nbytes / 1e9,
    }


def select_memmap(task: dict[str, Any]) -> dict[str, Any]:
    """``select`` end to end on a memory-mapped .npy file (peak memory without the data)."""
    features = np.load(task["path"], mmap_mode="r")
    start = time.perf_counter()
    selection = skmm.select(
        features, task["n"], rng=0, sketch_dim=task["m"], c_s=task["c_s"], solution="vertex"
    )
    solution = selection.solution
    return {
        "seconds": time.perf_counter() - start,
        "solve_s": solution.solve_seconds,
        "iterations": solution.iterations,
        "objective": solution.objective,
        "gap": solution.suboptimality_bound,
        "degenerate": bool(solution.degenerate),
        "support": solution.support_size,
    }


def make_npy(task: dict[str, Any]) -> dict[str, Any]:
    """Write GMM features (float32) to a .npy file for the out-of-core runs."""
    data = table1_family(n_samples=task["N"], n_features=task["r"])
    np.save(task["path"], data.features.astype(np.float32))
    return {}


TASKS = {
    "make_npy": make_npy,
    "scaling": scaling,
    "sweep": sweep,
    "sketch_memmap": sketch_memmap,
    "select_memmap": select_memmap,
}


def main() -> None:
    task = json.loads(sys.argv[1])
    warnings.simplefilter("ignore")
    result = TASKS[task["task"]](task)
    result["peak_rss_gb"] = peak_rss_gb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
