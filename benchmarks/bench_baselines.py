"""Wall time of every baseline on the Table-1 instance (N=2000, r=2400), n = 1600.

Run: ``PYTHONPATH=. python benchmarks/bench_baselines.py``. Timings on a shared machine are
noisy, so the script also times, in the same run, the literal per-step loop of DeepCore's
herding (distances from the target to every row, recomputed each step) for a few steps and
reports the per-step ratio against the vectorised herding.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

import skmm_convex as skmm
from benchmarks.common import progress, report


def _literal_herding_steps(x: np.ndarray, steps: int) -> float:
    start = time.perf_counter()
    mu = x.mean(axis=0)
    selected = np.zeros(len(x), dtype=bool)
    for i in range(steps):
        target = (i + 1) * mu - x[selected].sum(axis=0)
        dist = np.linalg.norm(x[~selected] - target, axis=1)
        selected[np.flatnonzero(~selected)[np.argmax(dist)]] = True
    return time.perf_counter() - start


def main() -> None:
    data = skmm.make_table1_gmm()
    n = 1600
    with threadpool_limits(limits=1):
        timings = {}
        methods = ("uniform", "herding", "kcenter", "adaptive", "leverage", "ridge-leverage")
        for method in progress(methods, "baselines"):
            start = time.perf_counter()
            skmm.select(data.features, n, method, rng=0)
            timings[method] = time.perf_counter() - start
            report(f"{method:15s} n={n}: {timings[method]:6.2f} s")
        steps = 20
        literal = _literal_herding_steps(data.features, steps)
        per_step_literal = literal / steps
        per_step_ours = timings["herding"] / n
        print(
            f"literal DeepCore herding: {per_step_literal * 1e3:.1f} ms/step "
            f"(~{per_step_literal * n:.0f} s for n={n}); vectorised: "
            f"{per_step_ours * 1e3:.2f} ms/step incl. the Gram matrix; "
            f"ratio {per_step_literal / per_step_ours:.0f}x"
        )


if __name__ == "__main__":
    main()
