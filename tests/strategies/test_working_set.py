"""The working-set strategy returns the full QP's optimum, certified over all N points."""

import warnings

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.certificates.diagonal import frank_wolfe_gap, reduced_objective
from skmm_convex.errors import DegenerateProblemWarning, ValidationError
from skmm_convex.moment_matching import WORKING_SET_MIN_SAMPLES, MomentMatching
from skmm_convex.moments import compute_moments
from skmm_convex.programs.diagonal_qp import direction_weights
from skmm_convex.sketch import sketch_features
from skmm_convex.strategies.working_set import GAP_ABS, GAP_REL, solve_working_set


@pytest.fixture(scope="module")
def moments():
    data = skmm.make_gmm(900, 300, 6, std_max=0.04, rng=3)
    return compute_moments(sketch_features(data.features, 20, "gaussian", 5))


def _solve(moments, strategy, n, c_s, solution):
    """Solve, tolerating the degeneracy warning (the tests below check ``degenerate``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        return MomentMatching(moments, strategy=strategy).solve(n, c_s, solution=solution, rng=7)


def _check_feasible_and_certified(moments, solution, n, c_s):
    """s on the capped simplex, and its Frank-Wolfe gap over all N points within tolerance."""
    s = solution.s
    assert np.all(s >= 0) and np.all(s <= 1 / n * (1 + 1e-9))
    assert s.sum() == pytest.approx(1.0, abs=1e-7)
    weights = direction_weights(moments, "paper")
    value = reduced_objective(moments, s, c_s, weights)
    gap = frank_wolfe_gap(moments, s, n, c_s, weights)
    assert gap <= 2 * (GAP_ABS + GAP_REL * value)
    return value


# (n, c_s) on this instance: the optimum is 0 (a whole face is optimal) or positive. The
# pairs (24, 0.85) / (24, 0.8) and (60, 0.9) / (60, 0.85) sit on either side of the boundary.
DEGENERATE_CASES = [(24, 1.0), (24, 0.85), (60, 1.0), (60, 0.9)]
BINDING_CASES = [(24, 0.8), (24, 0.5), (60, 0.85), (60, 0.5)]


@pytest.mark.parametrize("n, c_s", DEGENERATE_CASES)
def test_working_set_finds_the_zero_face_where_the_full_qp_does(moments, n, c_s):
    """Optimum 0: both strategies say so, and the working set's s attains 0 over all N."""
    solutions = {}
    for strategy in ("full", "working-set"):
        with pytest.warns(DegenerateProblemWarning):
            program = MomentMatching(moments, strategy=strategy)
            solutions[strategy] = program.solve(n, c_s, solution="interior", rng=7)
    full, ws = solutions["full"], solutions["working-set"]
    assert full.degenerate and ws.degenerate
    value = _check_feasible_and_certified(moments, ws, n, c_s)
    # the returned s is optimal: its objective, recomputed over all N points, is 0 within
    # the bound the solution reports, and s meets the moment condition for c_s
    units = moments.eigenvalues[0] ** 2
    assert value * units <= ws.suboptimality_bound
    assert ws.objective <= ws.suboptimality_bound
    assert full.objective <= full.suboptimality_bound
    assert ws.certified_c_s <= c_s * (1 + 1e-8)


@pytest.mark.parametrize("n, c_s", BINDING_CASES)
def test_working_set_matches_the_binding_full_qp(moments, n, c_s):
    """Optimum > 0: the working set's optimum is the full QP's within their certificates."""
    full = _solve(moments, "full", n, c_s, "interior")
    ws = _solve(moments, "working-set", n, c_s, "interior")
    assert not full.degenerate and not ws.degenerate
    value = _check_feasible_and_certified(moments, ws, n, c_s)
    units = moments.eigenvalues[0] ** 2
    assert ws.objective > 0 and full.objective > 0
    # both objectives are within their own certified gaps of the common optimum
    assert abs(ws.objective - full.objective) <= ws.suboptimality_bound + full.suboptimality_bound
    assert abs(ws.objective - full.objective) <= 1e-6 * units * max(1.0, value)
    # a binding c_s is one the optimum cannot certify; both certify the same larger constant
    assert ws.certified_c_s > c_s
    assert ws.certified_c_s == pytest.approx(full.certified_c_s, rel=1e-4)


@pytest.mark.parametrize("c_s", [0.999, 0.9, 0.5])
def test_working_set_with_piqp_matches_the_full_qp_with_clarabel(moments, c_s):
    """A second interior-point solver in the rounds: the same certified optimum."""
    n = 24
    full = _solve(moments, "full", n, c_s, "vertex")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        program = MomentMatching(moments, strategy="working-set", solver="PIQP", fallback=False)
        ws = program.solve(n, c_s, solution="vertex", rng=7)
    assert ws.solver in ("PIQP", "HIGHS")  # HIGHS: the degeneracy LP settled it, no QP ran
    assert ws.degenerate == full.degenerate
    assert abs(ws.objective - full.objective) <= ws.suboptimality_bound + full.suboptimality_bound
    value = reduced_objective(moments, ws.s, c_s, direction_weights(moments, "paper"))
    assert ws.suboptimality_bound <= 2 * (GAP_ABS + GAP_REL * value) * moments.eigenvalues[0] ** 2


@pytest.mark.parametrize("m", [4, 16])
def test_piqp_and_clarabel_agree_within_their_certificates(m):
    """Two interior-point solvers, both strategies, both modes, degenerate and binding c_s."""
    data = skmm.make_gmm(300, 64, 5, std_max=0.09, rng=m)
    moments = compute_moments(sketch_features(data.features, m, "gaussian", 1))
    for n in (10, 48):
        for c_s in (0.5, 0.9, 1.5):
            for solution in ("interior", "vertex"):
                reference = _solve(moments, "full", n, c_s, solution)
                for strategy in ("full", "working-set"):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DegenerateProblemWarning)
                        program = MomentMatching(
                            moments, strategy=strategy, solver="PIQP", fallback=False
                        )
                        other = program.solve(n, c_s, solution=solution, rng=7)
                    gaps = reference.suboptimality_bound + other.suboptimality_bound
                    assert abs(other.objective - reference.objective) <= gaps * (1 + 1e-9)
                    assert other.degenerate == reference.degenerate


@pytest.mark.parametrize("c_s", [0.999, 0.9, 0.5])
def test_working_set_vertex_mode(moments, c_s):
    n = 24
    full = _solve(moments, "full", n, c_s, "vertex")
    ws = _solve(moments, "working-set", n, c_s, "vertex")
    assert ws.solution_mode == "vertex"
    assert ws.degenerate == full.degenerate
    assert ws.support_size <= n + moments.n_directions
    assert np.all(ws.s <= 1 / n * (1 + 1e-9)) and ws.s.sum() == pytest.approx(1.0, abs=1e-7)
    assert abs(ws.objective - full.objective) <= ws.suboptimality_bound + full.suboptimality_bound


def test_column_generation_adds_points_and_converges(moments):
    b = moments.normalized_moments
    weights = direction_weights(moments, "paper")

    def solve(problem):
        problem.solve(solver="CLARABEL")
        return "CLARABEL", problem.status, problem.solver_stats.num_iters

    result = solve_working_set(b, weights, 24, 0.9, solve, rng=np.random.default_rng(0), batch=4)
    assert result.converged and result.rounds > 1
    assert result.working_set.size < b.shape[1]
    s_full = np.zeros(b.shape[1])
    s_full[result.working_set] = result.s[result.working_set]
    assert np.array_equal(s_full, result.s)  # zero outside the working set


def test_same_rng_same_solution(moments):
    a = _solve(moments, "working-set", 24, 0.9, "vertex")
    b = _solve(moments, "working-set", 24, 0.9, "vertex")
    assert np.array_equal(a.s, b.s)


def test_strategy_validation_and_auto(moments):
    with pytest.raises(ValidationError, match="strategy must be one of"):
        MomentMatching(moments, strategy="fast")
    assert moments.whitened.shape[0] < WORKING_SET_MIN_SAMPLES
    assert MomentMatching(moments).strategy == "full"


@pytest.mark.parametrize("c_s", [0.9, 0.5])
def test_pruned_and_growing_working_sets_reach_the_same_optimum(moments, c_s):
    """Pruning unused columns changes the path, not the certified optimum, and keeps W small."""
    b = moments.normalized_moments
    weights = direction_weights(moments, "paper")

    def solve(problem):
        problem.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-10)
        return "CLARABEL", problem.status, problem.solver_stats.num_iters

    runs = {
        prune: solve_working_set(
            b, weights, 24, c_s, solve, rng=np.random.default_rng(1), batch=8, prune=prune
        )
        for prune in (True, False)
    }
    for result in runs.values():
        assert result.converged
        assert result.gap <= GAP_ABS + GAP_REL * result.objective
        outside = np.ones(b.shape[1], dtype=bool)
        outside[result.working_set] = False
        assert not np.any(result.s[outside])
    pruned, grown = runs[True], runs[False]
    assert abs(pruned.objective - grown.objective) <= pruned.gap + grown.gap
    assert pruned.rounds > 1  # the instance exercises the pruning
    assert pruned.working_set.size < grown.working_set.size


def test_degeneracy_falls_back_to_the_sifted_lp_over_all_points(moments, monkeypatch):
    """When the zero-face LP is empty on the working set, the LP over all N decides."""
    import skmm_convex.strategies.working_set as working_set_strategy
    from skmm_convex.programs.face_lp import FACE_SLACK
    from skmm_convex.strategies.sifting import SiftedFaceLP

    def empty_on_a_subset(b, target, n, rng):  # as if no zero-face point were in W
        assert b.shape[1] < moments.whitened.shape[0]
        return None

    calls = []
    original = SiftedFaceLP.vertex

    def counted(self, target, n, rng):
        vertex = original(self, target, n, rng)
        calls.append(vertex)
        return vertex

    monkeypatch.setattr(working_set_strategy, "face_vertex", empty_on_a_subset)
    monkeypatch.setattr(SiftedFaceLP, "vertex", counted)
    solution = _solve(moments, "working-set", 24, 1.0, "interior")
    assert len(calls) == 1 and calls[0] is not None
    assert solution.degenerate
    b = moments.normalized_moments
    # the LP's floor is (1 - FACE_SLACK) / c_s, met to the polish's 1e-12 (relative)
    floor = (1.0 - FACE_SLACK) * (1.0 - 1e-12)
    assert np.all(b @ calls[0] >= floor) and calls[0].sum() == pytest.approx(1.0)
    assert np.count_nonzero(calls[0]) <= 24 + moments.n_directions + 1
