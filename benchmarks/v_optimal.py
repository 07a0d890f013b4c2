"""The V-optimal program: its two CVXPY forms, and the three design objectives on Table 1.

Usage (from the repository root)::

    PYTHONPATH=. python -m benchmarks.v_optimal [--quick]

Writes ``benchmarks/results/v_optimal.md`` (``--quick``: smaller instances, stdout only).

Part 1 times ``form="schur"`` against ``form="tr_inv"`` (build, first solve including
CVXPY's canonicalisation, the solver's own time, a re-solve at another n through the
Parameter). Part 2 solves the three programs (the diagonal moment-matching QP of SkMM, the
V-optimal program, the E-optimal program of the smallest Loewner c_S) on one sketch of the
Table-1 instance and reports, per n, each weight vector's ``tr(M(s)^-1)`` (the relaxed
variance term), the V-optimal Frank-Wolfe gap, solve seconds, and the ridge risk of coresets
drawn from the weights (stratified sampler, sampling seeds 0..7), beside uniform sampling and
the authors' greedy SkMMv2 (``select(..., "skmm-v2", rng=seed)``, its own sketch per seed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import skmm_convex as skmm
from skmm_convex._tables import markdown_table
from skmm_convex.certificates.v_optimal import v_optimal_value
from skmm_convex.evaluation.ridge import coreset_risk
from skmm_convex.sampling import skmm_sample
from skmm_convex.strategies.v_optimal import VOptimalDesign

RESULTS = Path(__file__).parent / "results" / "v_optimal.md"
SEEDS = range(8)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_forms(sizes: tuple[int, ...], sketch_dim: int) -> list[list[str]]:
    """Build / first solve / solver time / re-solve of each form on GMM instances."""
    rows = []
    for n_samples in sizes:
        data = skmm.make_gmm(n_samples, 400, 8, std_max=0.04, rng=0)
        sketch = skmm.sketch_features(data.features, sketch_dim, "gaussian", 0)
        moments = skmm.compute_moments(sketch)
        for form in ("schur", "tr_inv"):
            began = time.perf_counter()
            design = VOptimalDesign(moments, form=form)
            build = time.perf_counter() - began
            began = time.perf_counter()
            first = design.solve(48)
            first_wall = time.perf_counter() - began
            solver_time = design.program.problem.solver_stats.solve_time
            began = time.perf_counter()
            design.solve(96)
            resolve = time.perf_counter() - began
            rows.append(
                [
                    str(n_samples),
                    str(moments.n_directions),
                    form,
                    f"{build:.2f}",
                    f"{first_wall:.2f}",
                    f"{solver_time:.2f}",
                    f"{first_wall - solver_time:.2f}",
                    f"{resolve:.2f}",
                    f"{first.objective:.8f}",
                    f"{first.relative_gap:.1e}",
                ]
            )
            log(" | ".join(rows[-1]))
    return rows


def _coreset_weights(size: int, indices: np.ndarray) -> np.ndarray:
    s = np.zeros(size)
    s[indices] = 1.0 / len(indices)
    return s


def _risk_cell(risks: list[float], misses: int) -> str:
    return f"{np.mean(risks):.3e} ± {np.std(risks):.1e} ({misses}/{len(risks)})"


def three_programs(sizes: tuple[int, ...]) -> tuple[list[list[str]], list[list[str]]]:
    """Objectives and risks of SkMM, V-optimal, E-optimal, SkMMv2 and uniform on Table 1."""
    data = skmm.make_table1_gmm()
    n_samples = data.features.shape[0]
    moments = skmm.compute_moments(skmm.sketch_features(data.features, 32, "gaussian", 0))
    sizes_per_cluster = np.bincount(data.cluster_ids)
    small = np.flatnonzero(sizes_per_cluster < n_samples / (2 * sizes_per_cluster.size))
    matching = skmm.MomentMatching(moments)
    design = VOptimalDesign(moments)
    objective_rows, risk_rows = [], []
    for n in sizes:
        weights, seconds = {}, {}
        began = time.perf_counter()
        weights["SkMM (diagonal QP)"] = matching.solve(n, 0.999, rng=np.random.default_rng(0)).s
        seconds["SkMM (diagonal QP)"] = time.perf_counter() - began
        v_opt = design.solve(n)
        weights["V-optimal"], seconds["V-optimal"] = v_opt.s, v_opt.solve_seconds
        e_opt = skmm.smallest_certifiable_c_s(moments, n, "loewner")
        weights["E-optimal"], seconds["E-optimal"] = e_opt.s, e_opt.solve_seconds
        for label, s in weights.items():
            objective_rows.append(
                [
                    str(n),
                    label,
                    f"{v_optimal_value(moments, s):.6f}",
                    f"{v_opt.frank_wolfe_gap:.1e}" if label == "V-optimal" else "",
                    str(int(np.sum(s > 1e-9 / n))),
                    f"{seconds[label]:.1f}",
                ]
            )
            log(" | ".join(objective_rows[-1]))
        coresets: dict[str, list[np.ndarray]] = {label: [] for label in weights}
        coresets["SkMMv2 (greedy)"], coresets["uniform"] = [], []
        for seed in SEEDS:
            for label, s in weights.items():
                rng = np.random.default_rng(seed)
                coresets[label].append(skmm_sample(s, n, "stratified", moments, rng))
            for label, method in (("SkMMv2 (greedy)", "skmm-v2"), ("uniform", "uniform")):
                coresets[label].append(skmm.select(data.features, n, method, rng=seed).indices)
        for label, chosen in coresets.items():
            risks = [coreset_risk(data.features, data.labels, idx) for idx in chosen]
            misses = sum(
                bool(np.any(np.bincount(data.cluster_ids[idx], minlength=8)[small] == 0))
                for idx in chosen
            )
            relaxed = np.mean(
                [v_optimal_value(moments, _coreset_weights(n_samples, idx)) for idx in chosen]
            )
            risk_rows.append([str(n), label, f"{relaxed:.4g}", _risk_cell(risks, misses)])
            log(" | ".join(risk_rows[-1]))
    return objective_rows, risk_rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instances, no file written")
    args = parser.parse_args(argv)
    form_rows = time_forms((150,) if args.quick else (300, 600), 8 if args.quick else 16)
    objective_rows, risk_rows = three_programs((48,) if args.quick else (48, 120, 400))
    lines = [
        "# The V-optimal program: forms and the three design objectives",
        "",
        "Written by `PYTHONPATH=. python -m benchmarks.v_optimal`.",
        "",
        "## CVXPY forms (Clarabel)",
        "",
        "`make_gmm(N, 400, 8, std_max=0.04, rng=0)`, Gaussian sketch (rng 0), n = 48, then a "
        "re-solve at n = 96 through the Parameter. Seconds are wall-clock; 'CVXPY' is the first "
        "solve's wall time minus the solver's own.",
        "",
        markdown_table(
            [
                "N",
                "k",
                "form",
                "build s",
                "first solve s",
                "solver s",
                "CVXPY s",
                "re-solve s",
                "tr(M^-1)",
                "relative FW gap",
            ],
            form_rows,
        ),
        "## The three programs on the Table-1 instance",
        "",
        "`make_table1_gmm()`, one Gaussian sketch m = 32 (rng 0) shared by the three programs. "
        "`tr(M(s)^-1)` of each program's weights (k = 32 at uniform weights); the SkMM QP at "
        "c_S = 0.999, vertex solution; E-optimal = the smallest Loewner c_S program.",
        "",
        markdown_table(
            ["n", "program", "tr(M(s)^-1)", "FW gap", "support", "solve s"], objective_rows
        ),
        "Coresets over sampling seeds 0..7 (the three programs: stratified sampler from their "
        "weights; SkMMv2 and uniform: `select(..., rng=seed)`). `tr(M^-1)` at 1/n on the "
        "coreset (mean over seeds; on the shared sketch); risk = the paper's ridge protocol, "
        "mean ± std (seeds whose coreset misses a small cluster).",
        "",
        markdown_table(["n", "method", "tr(M^-1) of coreset", "risk (misses)"], risk_rows),
    ]
    text = "\n".join(lines)
    if args.quick:
        print(text)
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
