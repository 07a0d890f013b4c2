"""Where an exact solve spends its time: its stages, the face LPs, the QP rounds, other solvers.

``python -m benchmarks --only costs``: the stages of a solve as the solution reports them
(``MomentMatchingSolution.timings``), what the degeneracy LP costs when it is infeasible,
the vertex LP over all N against the one on the support of the optimal s, warm against cold LPs
in a sweep (with HiGHS's scaling on and off), the working set's rounds (CVXPY compile and
Clarabel time per round) and other CVXPY QP solvers on the same QP.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import cvxpy as cp
import numpy as np

import skmm_convex as skmm
from skmm_convex.certificates.diagonal import frank_wolfe_gap, reduced_objective
from skmm_convex.moment_matching import MomentMatching
from skmm_convex.programs.diagonal_qp import RestrictedQP, direction_weights
from skmm_convex.programs.face_lp import FACE_SLACK, FaceLP, face_vertex_near
from skmm_convex.strategies.run import DEFAULT_SOLVER_OPTIONS
from skmm_convex.strategies.sifting import SiftedFaceLP
from skmm_convex.strategies.working_set import (
    initial_working_set,
    seeded_working_set,
    solve_working_set,
)

from .common import dict_table, lp_seconds, progress, table1_family, timed

SWEEP = (48, 64, 80, 120, 200, 400, 800, 1600)
QP_TIME_LIMIT = 100.0  # seconds given to each other QP solver
# the named stages of MomentMatchingSolution.timings of a diagonal solve, in their order
STAGES = ("degeneracy_lp", "seed_lp", "qp", "vertex_lp")
STAGE_REPEAT = 3  # solves per row of solve_stages, the fastest kept


def _moments(n_features: int, m: int):
    """Sketched moments (rng 0) of the Table-1 instance, or of its family with r features."""
    data = table1_family(n_features=n_features)
    return skmm.compute_moments(skmm.sketch_features(data.features, m, "gaussian", 0))


def _seconds(function, *args, seed: int) -> float:
    start = time.perf_counter()
    function(*args, np.random.default_rng(seed))
    return time.perf_counter() - start


def lp_costs() -> list[dict[str, Any]]:
    """Binding c_S = 0.9, n = 120: the infeasible degeneracy LP and the two vertex LPs."""
    rows = []
    for n_features, m in ((2400, 32), (256, 128)):
        moments = _moments(n_features, m)
        b = moments.normalized_moments
        program = MomentMatching(moments)
        s = program.solve(120, 0.9, solution="interior", rng=0).s
        floor = np.full(b.shape[0], (1 - FACE_SLACK) / 0.9)
        lp = FaceLP(b)
        start = time.perf_counter()
        lp.vertex(floor, 120, np.random.default_rng(0))
        t_zero = time.perf_counter() - start
        zero_infeasible = lp.infeasible
        target = np.minimum(b @ s, 1 / 0.9) * (1 - FACE_SLACK)
        start = time.perf_counter()
        lp.vertex(target, 120, np.random.default_rng(1))
        t_warm = time.perf_counter() - start
        t_support = min(_seconds(face_vertex_near, b, s, 120, 0.9, seed=1) for _ in range(3))
        sifted = SiftedFaceLP(b)
        start = time.perf_counter()
        sifted.vertex(floor, 120, np.random.default_rng(0))
        t_sifted = time.perf_counter() - start
        rows.append(
            {
                "r": n_features,
                "m": m,
                "zero_lp_s": t_zero,
                "zero_lp_infeasible": zero_infeasible,
                "zero_lp_sifted_s": t_sifted,
                "sifted_infeasible": sifted.infeasible,
                "sifted_rounds": sifted.rounds,
                "vertex_lp_all_n_warm_s": t_warm,
                "vertex_lp_support_s": t_support,
                "support": int(np.sum(s > 1e-9 / 120)),
            }
        )
    return rows


def sweep_lps() -> list[dict[str, Any]]:
    """The 8 degeneracy LPs of a c_S = 0.999 sweep: cold (a model each) against one warm model."""
    b = _moments(2400, 32).normalized_moments
    floor = np.full(b.shape[0], (1 - FACE_SLACK) / 0.999)
    rows = []
    # FaceLP takes HiGHS options over face_lp.HIGHS_OPTIONS; SiftedFaceLP runs with those only
    for label, model in (
        ("default (scaled)", FaceLP),
        ("simplex_scale_strategy=0", lambda b: FaceLP(b, options={"simplex_scale_strategy": 0})),
        ("sifted (SiftedFaceLP, what a solve uses)", SiftedFaceLP),
    ):
        cold_its, warm_its = [], []

        def cold(its=cold_its, model=model):
            its.clear()
            out = []
            for n in SWEEP:
                lp = model(b)
                out.append(lp.vertex(floor, n, np.random.default_rng(3)))
                its.append(lp.iterations)
            return out

        def warm(its=warm_its, model=model):
            its.clear()
            lp = model(b)
            out = []
            for n in SWEEP:
                out.append(lp.vertex(floor, n, np.random.default_rng(3)))
                its.append(lp.iterations)
            return out

        t_cold, cold_x = timed(cold, repeat=3)
        t_warm, warm_x = timed(warm, repeat=3)
        rows.append(
            {
                "highs": label,
                "cold_s": t_cold,
                "warm_s": t_warm,
                "cold_iterations": int(sum(cold_its)),
                "warm_iterations": int(sum(warm_its)),
                "max_difference": float(
                    max(np.max(np.abs(a - c)) for a, c in zip(cold_x, warm_x, strict=True))
                ),
            }
        )
    return rows


def working_set_rounds() -> list[dict[str, Any]]:
    """Per round of the working set (N = 2000, m = 32 and 40, n = 120, c_S = 0.9 and 0.5),
    from both first sets: :func:`initial_working_set` (interior mode) and the support of the
    least-violation LP (vertex mode, :func:`seeded_working_set`), with Clarabel; and the
    vertex mode's rounds with PIQP."""
    rows = []
    runs = [
        ("CLARABEL", "initial_working_set"),
        ("CLARABEL", "least-violation LP"),
        ("PIQP", "least-violation LP"),
    ]
    for m in (32, 40):
        moments = _moments(2400, m)
        b, weights = moments.normalized_moments, direction_weights(moments, "paper")
        for c_s in (0.9, 0.5):
            for solver, first in runs:
                rounds = []

                def solve(problem: cp.Problem, rounds=rounds, solver=solver) -> tuple[str, ...]:
                    start = time.perf_counter()
                    problem.get_problem_data(solver)
                    compiled = time.perf_counter()
                    problem.solve(solver=solver, **DEFAULT_SOLVER_OPTIONS[solver])
                    iterations = problem.solver_stats.num_iters
                    rounds.append(
                        (
                            problem.size_metrics.num_scalar_variables,
                            compiled - start,
                            time.perf_counter() - compiled,
                            iterations,
                        )
                    )
                    return solver, problem.status, iterations

                rng = np.random.default_rng(0)
                seed_s = 0.0
                initial = initial_working_set(b, weights, 120, c_s, rng)
                if first != "initial_working_set":
                    start = time.perf_counter()
                    floor = np.full(b.shape[0], (1.0 - FACE_SLACK) / c_s)
                    seed = SiftedFaceLP(b).least_violation(floor, 120, weights**2)
                    initial = seeded_working_set(b, weights, seed, 120, c_s)
                    seed_s = time.perf_counter() - start
                solve_working_set(b, weights, 120, c_s, solve, rng=rng, initial=initial)
                for index, (size, compile_s, solve_s, iterations) in enumerate(rounds, 1):
                    rows.append(
                        {
                            "m": m,
                            "c_s": c_s,
                            "solver": solver,
                            "first set": first,
                            "seed_lp_s": seed_s if index == 1 else "",
                            "round": index,
                            "variables": size,
                            "compile_s": compile_s,
                            "solve_s": solve_s,
                            "iterations": iterations,
                            "ms_per_iteration": 1e3 * solve_s / max(iterations, 1),
                        }
                    )
    return rows


def qp_solvers() -> list[dict[str, Any]]:
    """The QP over all N = 2000 points (m = 32, n = 48, c_S = 0.9) with each CVXPY solver."""
    moments = _moments(2400, 32)
    b, weights = moments.normalized_moments, direction_weights(moments, "paper")
    configs = [
        ("CLARABEL", DEFAULT_SOLVER_OPTIONS["CLARABEL"]),
        ("CLARABEL", {**DEFAULT_SOLVER_OPTIONS["CLARABEL"], "equilibrate_enable": False}),
        ("HIGHS", {"time_limit": QP_TIME_LIMIT}),
        # HiGHS drops coefficients below small_matrix_value (default 1e-9); the paper
        # weighting's smallest w_j B_ji are far below it, so also try its lowest setting
        ("HIGHS", {"time_limit": QP_TIME_LIMIT, "small_matrix_value": 1e-12}),
        ("PIQP", DEFAULT_SOLVER_OPTIONS["PIQP"]),
        ("PIQP", {}),
        ("DAQP", {}),
    ]
    rows = []
    for solver, options in configs:
        label = solver + (" (no equilibration)" if "equilibrate_enable" in options else "")
        label += " (small_matrix_value 1e-12)" if "small_matrix_value" in options else ""
        label += " (its defaults)" if solver == "PIQP" and not options else ""
        if solver not in cp.installed_solvers():
            rows.append({"solver": label, "outcome": "not installed"})
            continue
        program = RestrictedQP(weights[:, None] * b, weights, 48, 0.9)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                program.problem.solve(solver=solver, **options)
        except cp.error.SolverError as exc:
            outcome = f"failed: {str(exc)[:60]}"
        else:
            outcome = str(program.problem.status)
        seconds = time.perf_counter() - start
        row = {"solver": label, "outcome": outcome, "seconds": seconds}
        if program.s.value is not None and outcome.startswith("optimal"):
            s = np.clip(program.s.value, 0.0, 1 / 48)
            s /= s.sum()
            row["iterations"] = program.problem.solver_stats.num_iters
            row["objective_scaled"] = reduced_objective(moments, s, 0.9, weights)
            row["frank_wolfe_gap_scaled"] = frank_wolfe_gap(moments, s, 48, 0.9, weights)
        rows.append(row)
    return rows


def solve_stages() -> list[dict[str, Any]]:
    """Where ``MomentMatching.solve`` (vertex mode) spends its time, from ``solution.timings``.

    The Table-1 instance, m = 32, n = 120, each c_S and strategy; per row the solve of least
    ``solve_seconds`` out of :data:`STAGE_REPEAT`, each by a fresh ``MomentMatching``.
    """
    moments = _moments(2400, 32)
    rows = []
    for strategy in ("full", "working-set"):
        for c_s in (0.999, 0.9, 0.5):
            solutions = [
                MomentMatching(moments, strategy=strategy).solve(120, c_s, solution="vertex", rng=0)
                for _ in range(STAGE_REPEAT)
            ]
            best = min(solutions, key=lambda solution: solution.solve_seconds)
            total = best.solve_seconds
            staged = sum(best.timings.get(stage, 0.0) for stage in STAGES)
            lps = lp_seconds(best.timings)
            row = {"strategy": strategy, "c_s": c_s, "solve_s": total}
            row.update({f"{stage}_s": best.timings.get(stage, "") for stage in STAGES})
            row["other_s"] = total - staged
            row["LP share"] = f"{100 * lps / total:.0f}%"
            row["QP rounds"] = "" if best.rounds is None else best.rounds
            row["certificates_s"] = best.timings.get("certificates", "")
            rows.append(row)
    return rows


MEASUREMENTS = {
    "solve_stages": solve_stages,
    "lp_costs": lp_costs,
    "sweep_lps": sweep_lps,
    "working_set_rounds": working_set_rounds,
    "qp_solvers": qp_solvers,
}


def run() -> tuple[str, dict[str, Any]]:
    """All five measurements; the Markdown body and the raw rows."""
    warnings.simplefilter("ignore")
    raw = {name: measure() for name, measure in progress(MEASUREMENTS.items(), "costs")}
    body = "## Stages of a solve (Table-1 instance, m = 32, n = 120, vertex mode)\n\n"
    body += dict_table(
        raw["solve_stages"],
        ["strategy", "c_s", "solve_s"]
        + [f"{stage}_s" for stage in STAGES]
        + ["other_s", "LP share", "QP rounds", "certificates_s"],
    )
    body += (
        "\nFrom `MomentMatchingSolution.timings` (wall seconds per stage) and `.rounds` "
        "(restricted QPs of the working set) of `MomentMatching(moments, strategy=...)"
        ".solve(120, c_s, solution='vertex', rng=0)`, the fastest of "
        f"{STAGE_REPEAT} fresh solves. `solve_s` is `solve_seconds`; `other_s` is the part of "
        "it outside the named stages (building the QP over all N on first use, the capped-"
        "simplex repair); a blank stage did not run. `degeneracy_lp`: the exact test of a zero "
        "optimum; `seed_lp`: the least-violation LP whose support seeds the working set; "
        "`qp`: CVXPY compile and solve (all rounds for the working set); `vertex_lp`: the "
        "vertex of the optimal face. `LP share`: the three LPs over `solve_s`, a ratio within "
        "one solve, steadier than the seconds on a shared machine. `certificates_s`: the "
        "certificates computed from s after the solve (not in `solve_s`).\n"
    )
    body += "\n## Face LPs at a binding c_S = 0.9 (N = 2000, n = 120)\n\n" + dict_table(
        raw["lp_costs"],
        [
            "r",
            "m",
            "zero_lp_s",
            "zero_lp_infeasible",
            "zero_lp_sifted_s",
            "sifted_infeasible",
            "sifted_rounds",
            "vertex_lp_all_n_warm_s",
            "vertex_lp_support_s",
            "support",
        ],
    )
    body += (
        "\n`zero_lp_s`: the degeneracy LP over all N (infeasible here), cold, and whether HiGHS "
        "proved it so. `zero_lp_sifted_s`: the same LP by sifting (`SiftedFaceLP`: restricted "
        "LPs, every point priced, emptiness proven by phase 1), cold, its verdict and rounds. "
        "`vertex_lp_all_n_warm_s`: the optimal-face LP over all N, warm after it. "
        "`vertex_lp_support_s`: the same face restricted to the support of the QP's s "
        "(what the solve uses), best of 3.\n"
    )
    body += "\n## The 8 degeneracy LPs of a c_S = 0.999 sweep (N = 2000, m = 32)\n\n" + dict_table(
        raw["sweep_lps"],
        ["highs", "cold_s", "warm_s", "cold_iterations", "warm_iterations", "max_difference"],
    )
    body += (
        "\nBest of 3; `max_difference` between the cold and the warm vertices. Cold: a new "
        "model per budget; warm: one model re-solved (for `SiftedFaceLP`, warm means starting "
        "from the previous duals; the iterations are those of its restricted LPs).\n"
    )
    body += "\n## Working-set rounds (N = 2000, r = 2400, n = 120)\n\n" + dict_table(
        raw["working_set_rounds"],
        [
            "m",
            "c_s",
            "solver",
            "first set",
            "seed_lp_s",
            "round",
            "variables",
            "compile_s",
            "solve_s",
            "iterations",
            "ms_per_iteration",
        ],
    )
    body += (
        "\n`initial_working_set`: the points of smallest gradient at the uniform weights plus "
        "random others (what interior mode starts from). `least-violation LP`: the support of "
        "the point of least weighted violation of `B s >= 1/c_S` over all N (a sifted LP, "
        "`seed_lp_s`) and the points of smallest gradient there (what vertex mode starts "
        "from). `compile_s`: CVXPY's canonicalisation for that solver; `solve_s`: the solve "
        "(the solver and the unpacking of its result), at the package's tolerances.\n"
    )
    body += "\n## The QP over all N = 2000 points (m = 32, n = 48, c_S = 0.9)\n\n" + dict_table(
        raw["qp_solvers"],
        ["solver", "outcome", "seconds", "iterations"]
        + ["objective_scaled", "frank_wolfe_gap_scaled"],
    )
    body += (
        f"\nOne cold solve each, canonicalisation included. HiGHS gets a {QP_TIME_LIMIT:g} s "
        "time limit. Clarabel and the first PIQP row use the package's tolerances "
        "(`strategies.run.DEFAULT_SOLVER_OPTIONS`, 1e-12 gaps). `frank_wolfe_gap_scaled` certifies "
        "`F(s) - F*` for the solver's s (clipped to the cap and renormalised) whatever the "
        "solver. DAQP is not a dependency; `pip install daqp` adds it to this table.\n"
    )
    return body, raw
