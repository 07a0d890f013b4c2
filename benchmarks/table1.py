"""The Table-1 instance: exact SkMM end to end against the paper's projected Adam."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import skmm_convex as skmm
from skmm_convex.certificates import reduced_objective
from skmm_convex.moments import compute_moments
from skmm_convex.problems import direction_weights
from skmm_convex.sketch import sketch_features
from skmm_convex.solve import MomentMatching

from .common import markdown_table, timed
from .reference_adam import projected_adam

ADAM_STEPS = 10_000
# every time is the best of this many runs (both sides), against load spikes of the shared machine
REPEAT = 3


def _ours(features: np.ndarray, m: int, n: int, c_s: float, strategy: str) -> tuple[float, Any]:
    def run():
        moments = compute_moments(sketch_features(features, m, "gaussian", 0))
        return MomentMatching(moments, strategy=strategy).solve(n, c_s, solution="vertex", rng=0)

    return timed(run, REPEAT)


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

    return timed(run, REPEAT)


def run(quick: bool, authors_steps: int) -> tuple[str, list[dict[str, Any]]]:
    """All (m, n, c_s) of the Table-1 benchmark; returns the Markdown body and the rows."""
    warnings.simplefilter("ignore")
    data = skmm.make_gmm(2000, 2400, 8, std_max=0.04, rng=0)
    features = data.features
    ms = (32,) if quick else (32, 40)
    records = []
    for m in ms:
        moments = compute_moments(sketch_features(features, m, "gaussian", 0))
        weights = direction_weights(moments, "paper")
        units = moments.eigenvalues[0] ** 2
        for n in (48, 120):
            for c_s in (0.999, 0.9, 0.5):
                t_full, full = _ours(features, m, n, c_s, "full")
                t_ws, ws = _ours(features, m, n, c_s, "working-set")
                t_eff, eff = _adam(features, m, n, c_s, "efficient", ADAM_STEPS)
                t_auth, auth = _adam(features, m, n, c_s, "authors", authors_steps)
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
                        "t_full": t_full,
                        "t_ws": t_ws,
                        "t_eff": t_eff,
                        "t_auth": t_auth * ADAM_STEPS / authors_steps,
                        "authors_steps": authors_steps,
                        "same_iterates": float(same),
                        "f_full": full.objective,
                        "f_ws": ws.objective,
                        "gap_full": full.suboptimality_bound,
                        "f_adam": eff.objective,
                        "f_adam_best_gamma": units
                        * reduced_objective(moments, eff.s, c_s, weights),
                        "adam_cap": eff.cap_violation,
                        "degenerate": full.degenerate,
                        "solved_by": full.solver,
                    }
                )
                print(f"table1 m={m} n={n} c={c_s}: {records[-1]}", flush=True)
    return _markdown(records), records


def _markdown(records: list[dict[str, Any]]) -> str:
    headers = [
        "m",
        "n",
        "c_S",
        "exact full (s)",
        "exact working-set (s)",
        "Adam efficient (s)",
        "Adam authors' (s)",
        "authors'/full",
        "authors'/working-set",
        "efficient/full",
        "efficient/working-set",
        "objective exact",
        "objective Adam",
        "Adam/exact objective",
        "degenerate",
        "solved by",
    ]
    rows = []
    for r in records:
        rows.append(
            [
                r["m"],
                r["n"],
                r["c_s"],
                r["t_full"],
                r["t_ws"],
                r["t_eff"],
                r["t_auth"],
                f"{r['t_auth'] / r['t_full']:.0f}x",
                f"{r['t_auth'] / r['t_ws']:.0f}x",
                f"{r['t_eff'] / r['t_full']:.1f}x",
                f"{r['t_eff'] / r['t_ws']:.1f}x",
                r["f_full"],
                r["f_adam"],
                _ratio(r["f_adam"], r["f_full"]),
                r["degenerate"],
                "LP alone" if r["solved_by"] == "HIGHS" else "QP + vertex LP",
            ]
        )
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
    never_worse = all(r["f_full"] <= r["f_adam"] + r["gap_full"] for r in records)
    notes = (
        f"\nTimes are the best of {REPEAT} runs, end to end from G (2000 x 2400): sketch, "
        "eigen-decomposition and "
        "optimisation. The exact solve is `solution='vertex'`: the exact degeneracy LP runs "
        'first and, when the optimum is 0, its vertex is the answer ("LP alone"); otherwise '
        "the QP and then the vertex LP over its optimal face. Objectives are the paper's, "
        "`sum_j ((A s)_j - gamma_j lam_j)^2`, in the data's units; for the exact solve "
        "`gamma` is optimal for `s`, for Adam it is Adam's own best iterate; re-optimising `gamma` "
        f"for Adam's `s` would lower Adam's objective by at most {100 * best_gamma:.2g}%, "
        "which changes no conclusion. "
        f"{extrapolated}its iterates agree with the efficient version to a relative "
        f"{worst_same:.1e} over those steps. Adam's heuristic projection kept max(s) * n at "
        f"most {cap:.3g} (<= 1: inside the cap). Exact objective never worse than Adam's "
        f"(within the exact solve's certified gap): **{never_worse}**.\n"
    )
    return markdown_table(headers, rows) + notes


def _ratio(numerator: float, denominator: float) -> str:
    if denominator <= 1e-9 * max(1.0, numerator):
        return "inf (exact optimum 0)" if numerator > 1e-9 else "both 0"
    return f"{numerator / denominator:.3g}"
