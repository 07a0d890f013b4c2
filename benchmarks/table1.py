"""The Table-1 instance: exact SkMM end to end against the paper's projected Adam."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import skmm_convex as skmm
from skmm_convex.baselines.authors_adam import projected_adam
from skmm_convex.certificates.diagonal import reduced_objective
from skmm_convex.moment_matching import MomentMatching
from skmm_convex.moments import compute_moments
from skmm_convex.programs.diagonal_qp import direction_weights
from skmm_convex.sketch import sketch_features

from .common import progress, report, table, timed_interleaved

ADAM_STEPS = 10_000
# every time is the best of this many runs, all configurations and both Adams called in turn
# (timed_interleaved), against load spikes of the shared machine
REPEAT = 5


# the exact configurations timed: (label, strategy, QP solver); Clarabel is the default solver
EXACT = (
    ("full", "full", "CLARABEL"),
    ("working set", "working-set", "CLARABEL"),
    ("full, PIQP", "full", "PIQP"),
    ("working set, PIQP", "working-set", "PIQP"),
)


def _ours(features: np.ndarray, m: int, n: int, c_s: float, strategy: str, solver: str):
    def run():
        moments = compute_moments(sketch_features(features, m, "gaussian", 0))
        program = MomentMatching(moments, strategy=strategy, solver=solver)
        return program.solve(n, c_s, solution="vertex", rng=0)

    return run


def _adam(features, m, n, c_s, version, steps):
    def run():
        return projected_adam(
            sketch_features(features, m, "gaussian", 0),
            n,
            c_s,
            version=version,
            num_iter=steps,
            rng=0,
        )

    return run


def run(quick: bool, authors_steps: int) -> tuple[str, list[dict[str, Any]]]:
    """All (m, n, c_s) of the Table-1 benchmark; returns the Markdown body and the rows."""
    warnings.simplefilter("ignore")
    features = skmm.make_table1_gmm().features
    ms = (32,) if quick else (32, 40)
    cases = [(m, n, c_s) for m in ms for n in (48, 120) for c_s in (0.999, 0.9, 0.5)]
    sketched = {m: compute_moments(sketch_features(features, m, "gaussian", 0)) for m in ms}
    records = []
    for m, n, c_s in progress(cases, "table1"):
        moments = sketched[m]
        weights = direction_weights(moments, "paper")
        units = moments.eigenvalues[0] ** 2
        runs = {
            label: _ours(features, m, n, c_s, strategy, solver) for label, strategy, solver in EXACT
        }
        runs["efficient"] = _adam(features, m, n, c_s, "efficient", ADAM_STEPS)
        runs["authors"] = _adam(features, m, n, c_s, "authors", authors_steps)
        timings = timed_interleaved(runs, REPEAT)
        t_eff, eff = timings.pop("efficient")
        t_auth, auth = timings.pop("authors")
        exact = timings
        full = exact["full"][1]
        # the two Adam versions compute the same iterates (up to rounding): check
        same = np.max(
            np.abs(auth.history[:-1] - eff.history[:authors_steps])
            / np.maximum(eff.history[:authors_steps], 1e-300)
        )
        records.append(
            {
                "m": m,
                "n": n,
                "c_s": c_s,
                "t_exact": {label: seconds for label, (seconds, _) in exact.items()},
                "f_exact": {label: sol.objective for label, (_, sol) in exact.items()},
                "gap_exact": {label: sol.suboptimality_bound for label, (_, sol) in exact.items()},
                "t_eff": t_eff,
                "t_auth": t_auth * ADAM_STEPS / authors_steps,
                "authors_steps": authors_steps,
                "same_iterates": float(same),
                "f_full": full.objective,
                "f_adam": eff.objective,
                "f_adam_best_gamma": units * reduced_objective(moments, eff.s, c_s, weights),
                "adam_cap": eff.cap_violation,
                "degenerate": full.degenerate,
                "solved_by": full.solver,
                "stages_full": dict(full.timings),
            }
        )
        report(f"table1 m={m} n={n} c={c_s}: {records[-1]}")
    return _markdown(records), records


def _markdown(records: list[dict[str, Any]]) -> str:
    labels = [label for label, _, _ in EXACT]
    times = [
        [r["m"], r["n"], r["c_s"]]
        + [r["t_exact"][label] for label in labels]
        + [r["t_eff"], r["t_auth"], r["degenerate"], _solved_by(r["solved_by"])]
        for r in records
    ]
    speedups = [
        [r["m"], r["n"], r["c_s"]]
        + [f"{r['t_auth'] / r['t_exact'][label]:.0f}x" for label in labels]
        + [f"{r['t_eff'] / r['t_exact'][label]:.1f}x" for label in labels]
        for r in records
    ]
    objectives = [
        [
            r["m"],
            r["n"],
            r["c_s"],
            r["f_full"],
            _exact_spread(r),
            r["f_adam"],
            _ratio(r["f_adam"], r["f_full"]),
        ]
        for r in records
    ]
    steps = records[0]["authors_steps"]
    extrapolated = (
        f"The authors'-cost Adam ran {steps} steps and its time is scaled linearly to "
        f"{ADAM_STEPS} (its per-step cost does not depend on the iterate); "
        if steps < ADAM_STEPS
        else "Both Adam versions ran the full 10,000 steps; "
    )
    worst_same = max(r["same_iterates"] for r in records)
    cap = max(r["adam_cap"] for r in records)
    best_gamma = max(1 - r["f_adam_best_gamma"] / r["f_adam"] for r in records)
    never_worse = all(
        r["f_exact"][label] <= r["f_adam"] + r["gap_exact"][label]
        for r in records
        for label in labels
    )
    configurations = "; ".join(
        f"'{label}': `strategy='{strategy}', solver='{solver}'`"
        for label, strategy, solver in EXACT
    )
    notes = (
        f"\nTimes are the best of {REPEAT} runs, the six solves called in turn, end to end "
        "from G (2000 x 2400): sketch, "
        "eigen-decomposition and optimisation. The exact solves are `MomentMatching(moments, "
        f"strategy=..., solver=...).solve(n, c_s, solution='vertex')` ({configurations}). "
        "The exact degeneracy LP runs first and, when the optimum is 0, its vertex is the "
        'answer ("LP alone"); otherwise the QP and then the vertex LP over its optimal face. '
        "Objectives are the paper's, "
        "`sum_j ((A s)_j - gamma_j lam_j)^2`, in the data's units; for the exact solve "
        "`gamma` is optimal for `s`, for Adam it is Adam's own best iterate; re-optimising "
        f"`gamma` for Adam's `s` would lower Adam's objective by at most {100 * best_gamma:.2g}%, "
        "which changes no conclusion. "
        f"{extrapolated}its iterates agree with the efficient version to a relative "
        f"{worst_same:.1e} over those steps. Adam's heuristic projection kept max(s) * n at "
        f"most {cap:.3g} (<= 1: inside the cap). Every exact objective never worse than Adam's "
        f"(within that solve's certified gap): **{never_worse}**.\n"
    )
    base = ["m", "n", "c_S"]
    return (
        "## Times (s)\n\n"
        + table(
            base
            + [f"exact {label}" for label in labels]
            + ["Adam efficient", "Adam authors'", "degenerate", "solved by"],
            times,
        )
        + "\n## Speed-ups: Adam's time over the exact solve's\n\n"
        + table(
            base
            + [f"authors' / {label}" for label in labels]
            + [f"efficient / {label}" for label in labels],
            speedups,
        )
        + "\n## Objectives\n\n"
        + table(
            base
            + [
                "objective exact (full)",
                "largest difference between the exact solves / their summed gaps",
                "objective Adam",
                "Adam/exact objective",
            ],
            objectives,
        )
        + notes
    )


def _solved_by(solver: str) -> str:
    return "LP alone" if solver == "HIGHS" else "QP + vertex LP"


def _exact_spread(record: dict[str, Any]) -> str:
    """How far apart the exact solves' objectives are, in units of their certified gaps."""
    values, gaps = record["f_exact"], record["gap_exact"]
    worst = 0.0
    for a in values:
        for b in values:
            allowed = gaps[a] + gaps[b]
            difference = abs(values[a] - values[b])
            worst = max(worst, difference / allowed if allowed > 0 else float(difference > 0))
    return f"{worst:.2g}"


def _ratio(numerator: float, denominator: float) -> str:
    if denominator <= 1e-9 * max(1.0, numerator):
        return "inf (exact optimum 0)" if numerator > 1e-9 else "both 0"
    return f"{numerator / denominator:.3g}"
