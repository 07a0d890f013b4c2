"""The warm HiGHS model of the face LPs, and the vertex mode that settles degeneracy by LP."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.moment_matching import MomentMatching
from skmm_convex.programs.face_lp import FACE_SLACK, FaceLP, face_vertex
from skmm_convex.strategies.sifting import SiftedFaceLP


def _floor(moments, c_s):
    return np.full(moments.n_directions, (1.0 - FACE_SLACK) / c_s)


def test_warm_lp_returns_the_cold_vertex_through_a_sweep(table1_moments):
    """A sequence on one model (feasible, infeasible, other budgets, other rngs) gives the same
    vertex or the same verdict as a fresh LP each time: the warm start changes the path only.
    The sequence includes infeasible-then-feasible steps, where warm starts were seen to fail
    numerically and must fall back to a cold solve."""
    b = table1_moments.normalized_moments
    lp = FaceLP(b)
    steps = [(n, c, seed) for seed in (1, 4) for n in (48, 120, 400) for c in (0.999, 0.5)]
    steps += [(n, 0.999, 0) for n in (1600, 800, 64)]
    for n, c_s, seed in steps:
        warm = lp.vertex(_floor(table1_moments, c_s), n, np.random.default_rng(seed))
        cold = face_vertex(b, _floor(table1_moments, c_s), n, np.random.default_rng(seed))
        assert (warm is None) == (cold is None), (n, c_s, seed)
        if cold is not None:
            np.testing.assert_allclose(warm, cold, rtol=0, atol=1e-9 / n)
        # a binding target below the floor: the optimal-face LP of a non-degenerate solve
        target = np.minimum(b @ np.full(b.shape[1], 1 / b.shape[1]), 1 / c_s) * 0.999
        warm = lp.vertex(target, n, np.random.default_rng(seed))
        cold = face_vertex(b, target, n, np.random.default_rng(seed))
        np.testing.assert_allclose(warm, cold, rtol=0, atol=1e-9 / n)


@pytest.mark.parametrize("strategy", ["full", "working-set"])
def test_degenerate_vertex_solve_is_settled_by_the_lp(table1_moments, strategy):
    """Vertex mode, optimum 0: the LP's vertex is returned without a QP, and it certifies
    itself: every moment meets the floor, the support is that of a vertex, the gap is ~0."""
    program = MomentMatching(table1_moments, strategy=strategy)
    with pytest.warns(skmm.DegenerateProblemWarning, match="optimum is 0"):
        solution = program.solve(120, 0.999, rng=3)
    assert solution.solver == "HIGHS" and solution.degenerate
    assert solution.solution_mode == "vertex" and solution.iterations > 0
    b = table1_moments.normalized_moments
    assert np.all(b @ solution.s >= (1 - 2 * FACE_SLACK) / 0.999)
    assert solution.support_size <= 120 + table1_moments.n_directions
    # the floor is slackened by FACE_SLACK per direction, so the gap is of order k FACE_SLACK
    k = table1_moments.n_directions
    assert solution.suboptimality_bound <= k * FACE_SLACK * table1_moments.eigenvalues[0] ** 2
    if strategy == "full":  # the vertex the rng picks over all N points, as a cold LP finds it
        cold = face_vertex(b, _floor(table1_moments, 0.999), 120, np.random.default_rng(3))
        np.testing.assert_allclose(solution.s, cold, rtol=0, atol=1e-12)


def test_binding_solve_uses_the_qp_and_skips_no_certificate(table1_moments):
    program = MomentMatching(table1_moments)
    solution = program.solve(48, 0.5, rng=0)
    assert solution.solver == "CLARABEL" and not solution.degenerate
    assert solution.solution_mode == "vertex"
    interior = program.solve(48, 0.5, solution="interior", rng=0)
    assert not interior.degenerate  # decided by the QP's objective and gap, without the LP
    scale = table1_moments.eigenvalues[0] ** 2
    assert solution.objective <= interior.objective + 1e-8 * scale


def test_misspelt_solver_option_is_rejected_before_any_solve(table1_moments):
    """A degenerate vertex solve never reaches the QP solver: its options are checked up front."""
    with pytest.raises(skmm.ValidationError, match=r"solver_options \{'tol_gapp': 1\}"):
        MomentMatching(table1_moments, solver_options={"tol_gapp": 1})
    MomentMatching(table1_moments, solver_options={"max_iter": 1})  # valid, if hopeless


def test_highs_licence_banner_stays_off_stdout():
    """highspy prints a banner to the C-level stdout on its first construction in a process;
    it would corrupt output piped from the CLI, so the first FaceLP silences it."""
    code = (
        "import numpy as np\n"
        "from skmm_convex.programs.face_lp import FaceLP\n"
        "lp = FaceLP(np.array([[1.0, 2.0, 3.0]]))\n"
        "print(lp.vertex(np.array([1.5]), 2, np.random.default_rng(0)).round(3).tolist())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "HiGHS" not in done.stdout + done.stderr
    assert done.stdout.strip().startswith("[")  # the vertex is still printed


def test_a_binding_sweep_skips_the_proven_infeasible_lp(table1_moments, monkeypatch):
    """Binding at (48, 0.5) proves binding at every larger n and smaller c_s: the re-solves
    skip the degeneracy LP, and (the memo drawing the same costs) return exactly the weights
    of fresh programs."""
    calls = []
    original = SiftedFaceLP.vertex

    def counted(self, target, n, rng):
        calls.append(self.n_samples)
        return original(self, target, n, rng)

    monkeypatch.setattr(SiftedFaceLP, "vertex", counted)
    program = MomentMatching(table1_moments)
    budgets = [(48, 0.5), (120, 0.5), (400, 0.4)]
    swept = [program.solve(n, c_s, rng=5) for n, c_s in budgets]
    full_size = table1_moments.normalized_moments.shape[1]
    # the first solve runs the LP over all N (sifted); later ones only the small vertex LPs
    assert calls.count(full_size) == 1
    for (n, c_s), solution in zip(budgets, swept, strict=True):
        assert not solution.degenerate and solution.solver == "CLARABEL"
        fresh = MomentMatching(table1_moments).solve(n, c_s, rng=5)
        # the same vertex: same support; the fractional weights solve the same tight rows,
        # whose targets come from the QP (re-solved here, compiled afresh there: ~1e-9 apart)
        np.testing.assert_array_equal(solution.s > 0, fresh.s > 0)
        np.testing.assert_allclose(solution.s, fresh.s, rtol=0, atol=1e-7 / n)
    # a larger c_s is not covered by the memo: the LP runs again (and finds the optimum 0)
    before = calls.count(full_size)
    with pytest.warns(skmm.DegenerateProblemWarning, match="optimum is 0"):
        assert program.solve(48, 0.999, rng=5).degenerate
    assert calls.count(full_size) == before + 1


def _same_vertex(sifted, full):
    """Bitwise equal after polishing (both are the LP's unique optimum), or both None."""
    return (sifted is None and full is None) or (
        sifted is not None and full is not None and np.array_equal(sifted, full)
    )


@pytest.mark.parametrize("c_s", [0.999, 0.9])
def test_sifting_returns_the_vertex_of_the_lp_over_all_points(table1_moments, c_s):
    """Fresh sifted LPs against the LP over all N points: the same vertex bit for bit when
    feasible (c_s = 0.999), the same verdict when not (c_s = 0.9: the artificials stay in use
    and the full LP proves it empty), over several budgets and cost draws."""
    b = table1_moments.normalized_moments
    floor = _floor(table1_moments, c_s)
    for n in (48, 120, 1600):
        for seed in (0, 7):
            sifted = SiftedFaceLP(b)
            vertex = sifted.vertex(floor, n, np.random.default_rng(seed))
            full_lp = FaceLP(b)
            full = full_lp.vertex(floor, n, np.random.default_rng(seed))
            assert _same_vertex(vertex, full), (n, seed)
            # settled without the LP over all N (no fallback model built)
            assert sifted._full is None and sifted.rounds >= 1
            # HiGHS over all N can fail without a verdict (seen at n = 120, seed 0)
            assert sifted.infeasible >= full_lp.infeasible
            if sifted.infeasible:
                assert _least_total_violation(b, floor, n) > 1e-6


def _least_total_violation(b, target, n):
    """``min 1'e`` over ``{B s + e >= target, 0 <= s <= 1/n, sum(s) = 1, e >= 0}``, by
    scipy's interior-point HiGHS over all N points (another algorithm than the simplex)."""
    from scipy.optimize import linprog

    k, size = b.shape
    cost = np.concatenate([np.zeros(size), np.ones(k)])
    result = linprog(
        cost,
        A_ub=-np.hstack([b, np.eye(k)]),
        b_ub=-target,
        A_eq=np.concatenate([np.ones(size), np.zeros(k)])[None, :],
        b_eq=[1.0],
        bounds=[(0, 1 / n)] * size + [(0, None)] * k,
        method="highs-ipm",
    )
    assert result.status == 0
    return result.fun


def test_a_sifted_sweep_returns_the_fresh_vertices(table1_moments):
    """One SiftedFaceLP re-solved through budgets up and down, costs repeated and changed, a
    binding floor in between (fallback to the full LP) and a below-floor target (the optimal
    face of a non-degenerate solve): every answer equals a fresh LP over all N points."""
    b = table1_moments.normalized_moments
    below = np.minimum(b @ np.full(b.shape[1], 1 / b.shape[1]), 1 / 0.9) * 0.999
    steps = [(_floor(table1_moments, 0.999), n, 3) for n in (48, 400, 1600, 64)]
    steps += [(_floor(table1_moments, 0.5), 120, 3), (_floor(table1_moments, 0.999), 120, 3)]
    steps += [(below, 200, 1), (_floor(table1_moments, 0.999), 80, 2)]
    lp = SiftedFaceLP(b)
    for target, n, seed in steps:
        sifted = lp.vertex(target, n, np.random.default_rng(seed))
        full = FaceLP(b).vertex(target, n, np.random.default_rng(seed))
        assert _same_vertex(sifted, full), (n, seed)


def test_sifting_defers_to_the_lp_over_all_points_when_phase_one_is_too_close(
    table1_moments, monkeypatch
):
    """A least violation below the margin proves nothing: the full LP (FaceLP, same cost)
    then decides (forced here by an infinite margin)."""
    from skmm_convex.strategies import sifting as sifted_face

    monkeypatch.setattr(sifted_face, "_EMPTY_MARGIN", np.inf)
    b = table1_moments.normalized_moments
    lp = SiftedFaceLP(b)
    assert lp.vertex(_floor(table1_moments, 0.5), 48, np.random.default_rng(2)) is None
    assert lp.infeasible and lp._full is not None and lp._full.infeasible
    # a feasible floor afterwards is still settled by sifting, with the fresh LP's vertex
    vertex = lp.vertex(_floor(table1_moments, 0.999), 48, np.random.default_rng(2))
    full = FaceLP(b).vertex(_floor(table1_moments, 0.999), 48, np.random.default_rng(2))
    assert _same_vertex(vertex, full)


def test_sifting_on_small_random_instances_matches_the_full_lp():
    """Small instances (N = 300, k = 3: a first guess frees 32 weights) at every kind of
    budget, n = 1 and n = N included, with floors from easy to impossible: the same vertex
    or the same None as the LP over all N."""
    rng = np.random.default_rng(11)
    for trial in range(4):
        b = rng.gamma(1.0, size=(3, 300))
        b /= b.mean(axis=1, keepdims=True)  # B (1/N) = 1, as for normalised moments
        for n in (1, 2, 7, 60, 299, 300):
            for level in (0.5, 0.95, 1.0, 1.02, 3.0):
                target = np.full(3, level)
                sifted = SiftedFaceLP(b).vertex(target, n, np.random.default_rng(trial))
                full = FaceLP(b).vertex(target, n, np.random.default_rng(trial))
                assert _same_vertex(sifted, full), (trial, n, level)


def test_least_violation_matches_an_interior_point_lp_and_proves_emptiness():
    """The sifted least weighted violation against the same LP over all N by Clarabel (an
    interior-point method): the same optimal value, a feasible point that attains it, and an
    emptiness verdict that agrees with the exact vertex LP's."""
    import cvxpy as cp

    rng = np.random.default_rng(5)
    for trial in range(3):
        b = rng.gamma(1.0, size=(4, 250))
        b /= b.mean(axis=1, keepdims=True)
        costs = 10.0 ** rng.uniform(-6, 0, size=4)  # spread like the paper weighting's w^2
        for n in (3, 40, 200):
            for level in (0.95, 1.05, 2.0):
                target = np.full(4, level)
                lp = SiftedFaceLP(b)
                s = lp.least_violation(target, n, costs)
                x, e = cp.Variable(250), cp.Variable(4)
                reference = cp.Problem(
                    cp.Minimize(costs @ e),
                    [e >= 0, b @ x + e >= target, x >= 0, x <= 1 / n, cp.sum(x) == 1],
                )
                reference.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12)
                assert s is not None
                assert s.min() >= 0 and s.max() <= (1 + 1e-9) / n
                assert s.sum() == pytest.approx(1.0, abs=1e-9)
                attained = costs @ np.maximum(target - b @ s, 0.0)
                scale = costs.sum() * level
                assert attained == pytest.approx(lp.violation, abs=1e-9 * scale)
                assert lp.violation == pytest.approx(reference.value, abs=1e-8 * scale)
                empty = FaceLP(b).vertex(target, n, np.random.default_rng(0)) is None
                if lp.proves_empty(costs):
                    assert empty, (trial, n, level)
                if not empty:
                    assert not lp.proves_empty(costs)
