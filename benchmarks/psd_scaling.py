"""Time and peak memory of the full-PSD program against the sketch dimension m (not a test).

Each (m, formulation, solver) runs in its own subprocess, so that its peak resident memory
(:func:`benchmarks.common.peak_rss_gb`, which includes the solver's native memory, unlike
``tracemalloc``) is its own; a subprocess over the time limit is killed and recorded.
The diagonal solve runs in the same sweep as the reference: timings on the shared 2-core machine
are noisy, so the table also gives each PSD time as a multiple of the diagonal's at the same m.

Data: the GMM Table-1 instance (``skmm_convex.make_table1_gmm()``), Gaussian sketch of
dimension m (rng 0), n = 48, c_s = 0.999 (the authors' setting).

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/psd_scaling.py [--sizes 8 16 32 64 128] [--limit 300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import format_cell, peak_rss_gb, progress, report, table

RESULTS = Path(__file__).parent / "results" / "psd_scaling.md"
CASES = (("diagonal", "CLARABEL"), ("psd", "CLARABEL"), ("psd", "SCS"))
BUDGET, C_S = 48, 0.999


def write_sketches(sizes: list[int], directory: Path) -> None:
    """Sketch the GMM data once per m (rng 0) and save ``G~`` for the workers."""
    import numpy as np

    import skmm_convex as skmm

    data = skmm.make_table1_gmm()
    for m in sizes:
        sketch = skmm.sketch_features(data.features, m, "gaussian", np.random.default_rng(0))
        np.save(directory / f"sketch_{m}.npy", sketch)


def worker(sketch_file: str, formulation: str, solver: str) -> dict:
    """Build and solve once; return timings, memory and the solution's certificates."""
    import resource
    import warnings

    import numpy as np

    import skmm_convex as skmm
    from skmm_convex.moment_matching import MomentMatching

    sketch = np.load(sketch_file)
    m = sketch.shape[1]
    moments = skmm.compute_moments(sketch)
    before = resource.getrusage(resource.RUSAGE_SELF)  # CPU time only (memory: VmHWM)
    baseline_mb, cpu_before = 1e3 * peak_rss_gb(), before.ru_utime + before.ru_stime
    start = time.perf_counter()
    program = MomentMatching(moments, formulation, solver=solver, fallback=False)
    build = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # each formulation's default mode: the diagonal's vertex (settled by the exact
        # degeneracy LP alone when the optimum is 0), the PSD program's interior point
        solution = program.solve(BUDGET, C_S, rng=np.random.default_rng(0))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = 1e3 * peak_rss_gb()
    # the QP or SDP over all N is built on first use: not at all when the LP settled the solve
    ran = "qp" in solution.timings or "sdp" in solution.timings
    main_solver_s = program.program.problem.solver_stats.solve_time if ran else float("nan")
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime - cpu_before,
        "m": m,
        "k": moments.n_directions,
        "formulation": formulation,
        "solver": solution.solver,
        "build_s": build,
        "solve_s": solution.solve_seconds,
        "main_solver_s": main_solver_s,
        "timings": dict(solution.timings),
        "iterations": solution.iterations,
        "status": solution.status,
        "degenerate": bool(solution.degenerate),
        "objective": solution.objective,
        "certified_c_s": solution.certified_c_s,
        "certified_c_s_loewner": solution.certified_c_s_loewner,
        "baseline_mb": baseline_mb,
        "peak_mb": peak_mb,
    }


def frobenius_worker(sketch_file: str, solver: str) -> dict:
    """Only the Frobenius SDP: build and one ``problem.solve`` (no degeneracy handling)."""
    import resource

    import numpy as np

    import skmm_convex as skmm
    from skmm_convex.programs.psd_sdp import PSDMomentMatchingSDP

    moments = skmm.compute_moments(np.load(sketch_file))
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    program = PSDMomentMatchingSDP(moments)
    program.set_parameters(BUDGET, C_S)
    program.problem.solve(solver=solver)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    stats = program.problem.solver_stats
    return {
        "m": moments.sketch.shape[1],
        "formulation": "psd (Frobenius SDP only)",
        "solver": solver,
        "wall_s": wall,
        "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        "compile_s": program.problem.compilation_time,
        "main_solver_s": stats.solve_time,
        "iterations": stats.num_iters,
        "status": program.problem.status,
        "peak_mb": 1e3 * peak_rss_gb(),
    }


def frobenius_table(results: list[dict], limit: float) -> str:
    """The Markdown table of the Frobenius-SDP-only runs."""
    headers = [
        "m",
        "solver",
        "build + solve (s)",
        "CPU (s)",
        "CVXPY compile (s)",
        "solver time (s)",
        "iterations",
        "status",
        "peak RSS (MB)",
    ]
    rows = []
    for r in results:
        if "wall_s" not in r:
            rows.append([r["m"], r["solver"], f"> {limit:.0f} (killed) or failed"] + [""] * 6)
            continue
        rows.append(
            [r["m"], r["solver"]]
            + [f"{r[key]:.2f}" for key in ("wall_s", "cpu_s", "compile_s", "main_solver_s")]
            + [r["iterations"], r["status"], f"{r['peak_mb']:.0f}"]
        )
    return table(headers, rows)


def run_case(m: int, formulation: str, solver: str, limit: float, directory: Path) -> dict:
    sketch_file = str(directory / f"sketch_{m}.npy")
    mode = "--frobenius-worker" if formulation == "frobenius" else "--worker"
    command = [sys.executable, __file__, mode, sketch_file, formulation, solver]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, env=env)
    except subprocess.TimeoutExpired:
        return {"m": m, "formulation": formulation, "solver": solver, "timeout": limit}
    if done.returncode != 0:
        return {
            "m": m,
            "formulation": formulation,
            "solver": solver,
            "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?",
        }
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.setdefault("wall_s", time.perf_counter() - start)
    return result


def results_table(results: list[dict], limit: float) -> str:
    """The Markdown table of the full runs (each CPU time also over the diagonal's at that m)."""
    reference = {
        r["m"]: r["cpu_s"] for r in results if r["formulation"] == "diagonal" and "solve_s" in r
    }
    headers = [
        "m",
        "formulation",
        "solver",
        "build + solve (s)",
        "CPU (s)",
        "x diagonal (CPU)",
        "SDP solver time (s)",
        "iterations",
        "peak RSS (MB)",
        "RSS before build (MB)",
        "degenerate",
        "certified c_S diag / Loewner",
    ]
    rows = []
    for r in results:
        head = [r["m"], r["formulation"], r["solver"]]
        if "timeout" in r:
            rows.append(head + [f"> {limit:.0f} (killed)"] + [""] * 8)
            continue
        if "error" in r:
            rows.append(head + [f"error: {r['error']}"] + [""] * 8)
            continue
        if "skipped" in r:
            rows.append(head + [f"not run ({r['skipped']})"] + [""] * 8)
            continue
        ratio = r["cpu_s"] / reference[r["m"]] if r["m"] in reference else float("nan")
        rows.append(
            head
            + [f"{r['build_s'] + r['solve_s']:.2f}", f"{r['cpu_s']:.2f}"]
            + [format_cell(ratio) if ratio != ratio else f"{ratio:.0f}"]  # nan: "-"
            + [format_cell(r["main_solver_s"]), r["iterations"]]
            + [f"{r['peak_mb']:.0f}", f"{r['baseline_mb']:.0f}", r["degenerate"]]
            + [f"{r['certified_c_s']:.4f} / {r['certified_c_s_loewner']:.4f}"]
        )
    return table(headers, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 32, 64, 128])
    parser.add_argument("--limit", type=float, default=300.0, help="seconds per subprocess")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--frobenius-only",
        metavar="SOLVER",
        help="time only the Frobenius SDP with this solver and append its table to --out",
    )
    parser.add_argument("--worker", nargs=3, metavar=("SKETCH", "FORMULATION", "SOLVER"))
    parser.add_argument("--frobenius-worker", nargs=3, metavar=("SKETCH", "_", "SOLVER"))
    args = parser.parse_args()
    if args.worker:
        sketch_file, formulation, solver = args.worker
        print(json.dumps(worker(sketch_file, formulation, solver)))
        return
    if args.frobenius_worker:
        sketch_file, _, solver = args.frobenius_worker
        print(json.dumps(frobenius_worker(sketch_file, solver)))
        return
    directory = Path(tempfile.mkdtemp(prefix="psd_scaling_"))
    write_sketches(args.sizes, directory)
    if args.frobenius_only:
        rows = []
        for m in progress(args.sizes, "psd_scaling (Frobenius SDP)"):
            rows.append(run_case(m, "frobenius", args.frobenius_only, args.limit, directory))
            report(json.dumps(rows[-1]))
        text = (
            "\n## The Frobenius SDP alone\n\n"
            f"Command: `PYTHONPATH=. python benchmarks/psd_scaling.py --frobenius-only "
            f"{args.frobenius_only} --sizes {' '.join(map(str, args.sizes))} --limit "
            f"{args.limit:.0f}`. Build `PSDMomentMatchingSDP` and call `problem.solve` once, "
            "without the degeneracy decision or the repair (so the LMI may be missed by the "
            "solver's tolerance); same data, n and c_s as above.\n\n"
            + frobenius_table(rows, args.limit)
            + "\n"
        )
        with args.out.open("a") as handle:
            handle.write(text)
        print(text)
        return
    results, exceeded = [], set()
    cases = [(m, formulation, solver) for m in args.sizes for formulation, solver in CASES]
    for m, formulation, solver in progress(cases, "psd_scaling"):
        if (formulation, solver) in exceeded:
            results.append(
                {
                    "m": m,
                    "formulation": formulation,
                    "solver": solver,
                    "skipped": "a smaller m exceeded the limit",
                }
            )
            continue
        result = run_case(m, formulation, solver, args.limit, directory)
        if "timeout" in result:
            exceeded.add((formulation, solver))
        report(json.dumps(result))
        results.append(result)
    text = (
        "# Full-PSD program: time and memory against m\n\n"
        f"Command: `PYTHONPATH=. python benchmarks/psd_scaling.py --sizes "
        f"{' '.join(map(str, args.sizes))} --limit {args.limit:.0f}`. Data: "
        "the Table-1 instance (`make_table1_gmm()`), Gaussian sketch of dimension m, "
        f"n = {BUDGET}, c_s = {C_S}. Each row is one subprocess: `MomentMatching(...)` "
        "then `.solve(n, c_s)` (which builds the CVXPY problem on first use; diagonal, vertex "
        "mode: the exact degeneracy LP, which alone settles a zero optimum, else the QP and "
        "the face LP for the vertex; psd: Frobenius SDP, plus the max-t SDP when its point "
        "neither meets the LMI nor has a Frank-Wolfe-proven positive optimum). 'SDP solver "
        "time' is the Frobenius SDP's own solver time (the QP's for the diagonal row, '-' when "
        "the LP settled it). Peak RSS is the "
        "subprocess's own high-water mark (`VmHWM`; "
        "interpreter, numpy, cvxpy, the N x m sketch and solver included); the next column is "
        "the peak after "
        "imports and the eigen-decomposition, before the problem was built. 'CPU' is the "
        "worker's user + system CPU time for build + solve (less sensitive to the load of the "
        "shared machine than the wall time; BLAS may use both cores).\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other jobs; "
        "timings are noisy; CPU time and its ratio to the diagonal solve of the same m are "
        "the steadier numbers.\n\n" + results_table(results, args.limit) + "\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
