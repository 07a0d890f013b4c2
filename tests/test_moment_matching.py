"""The moment-matching QP: certified optimality, a second solver, brute force, degeneracy."""

import itertools
import warnings

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.certificates.diagonal import frank_wolfe_gap, reduced_objective
from skmm_convex.moment_matching import MomentMatching


def quiet_solve(program, n, c_s, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skmm.DegenerateProblemWarning)
        return program.solve(n, c_s, **kwargs)


def scaled(solution, program):
    """The solver's objective ||w (B s - gamma)||^2 (the paper's divided by lam_1^2)."""
    return solution.objective / solution.eigenvalues[0] ** 2


@pytest.fixture(scope="module")
def spiked():
    """A small binding instance: 5 directions of very different variance, N = 60."""
    rng = np.random.default_rng(0)
    g = rng.standard_normal((60, 5)) * np.array([3.0, 2.0, 1.0, 0.5, 0.1])
    return skmm.compute_moments(g)


def test_objective_formula_matches_the_papers(spiked):
    """CVXPY's objective value = paper's objective / lam_1^2 at any feasible (s, gamma)."""
    program = MomentMatching(spiked)
    rng = np.random.default_rng(1)
    s = rng.dirichlet(np.ones(60))
    gamma = 1 / 0.8 + rng.random(5)
    program.program.s.value, program.program.gamma.value = s, gamma
    lam, v, g = spiked.eigenvalues, spiked.eigenvectors, spiked.sketch
    paper = sum(
        (v[:, j] @ g.T @ np.diag(s) @ g @ v[:, j] - gamma[j] * lam[j]) ** 2 for j in range(5)
    )
    assert program.program.problem.objective.value == pytest.approx(paper / lam[0] ** 2, rel=1e-9)
    assert program.program.problem.is_dcp(dpp=True)


@pytest.mark.parametrize("solver", ["CLARABEL", "PIQP"])
@pytest.mark.parametrize("c_s", [0.1, 0.3])
def test_kkt_conditions_hold_at_the_interior_solution(spiked, c_s, solver):
    """Stationarity, complementary slackness and dual feasibility from CVXPY's duals."""
    program = MomentMatching(spiked, solver=solver, fallback=False)
    solution = quiet_solve(program, 10, c_s, solution="interior")
    assert solution.solver == solver
    assert solution.status == "optimal" and solution.objective > 0
    qp = program.program
    s, gamma = qp.s.value, qp.gamma.value
    lower, upper, total, floor = (c.dual_value for c in qp.constraints)
    w, b = qp.weights, spiked.normalized_moments
    residual = w * (b @ s - gamma)
    grad_s = 2 * (w[:, None] * b).T @ residual
    grad_gamma = -2 * w * residual
    scale = max(1.0, np.abs(grad_s).max())
    assert np.abs(grad_s - lower + upper + total).max() <= 1e-6 * scale
    assert np.abs(grad_gamma - floor).max() <= 1e-6 * scale
    assert min(lower.min(), upper.min(), floor.min()) >= -1e-8 * scale
    assert np.abs(lower * s).max() <= 1e-8 * scale
    assert np.abs(upper * (s - 1 / 10)).max() <= 1e-8 * scale
    assert np.abs(floor * (gamma - 1 / c_s)).max() <= 1e-8 * scale
    # and the solver-independent certificate agrees: the Frank-Wolfe gap bounds F(s) - F*
    assert solution.suboptimality_bound <= 1e-6 * solution.objective


SECOND_SOLVERS = {
    "SCS": {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200_000},
    "OSQP": {"eps_abs": 1e-11, "eps_rel": 1e-11, "max_iter": 400_000, "polishing": True},
    "PIQP": None,  # its DEFAULT_SOLVER_OPTIONS: the options users get with solver="PIQP"
}


def assert_second_solver_agrees(moments, solver, cases):
    for n, c_s in cases:
        ours = quiet_solve(MomentMatching(moments), n, c_s, solution="interior")
        other = quiet_solve(
            MomentMatching(
                moments, solver=solver, solver_options=SECOND_SOLVERS[solver], fallback=False
            ),
            n,
            c_s,
            solution="interior",
        )
        assert other.solver == solver
        # stated tolerance: 1e-6 relative to the objective (paper units)
        assert other.objective == pytest.approx(ours.objective, rel=1e-6, abs=1e-9)


def test_scs_reaches_the_same_optimum(table1_moments):
    assert_second_solver_agrees(table1_moments, "SCS", [(48, 0.5), (400, 0.5), (120, 0.9)])


def test_piqp_reaches_the_same_optimum(table1_moments, spiked):
    assert_second_solver_agrees(table1_moments, "PIQP", [(48, 0.5), (400, 0.5), (120, 0.9)])
    assert_second_solver_agrees(spiked, "PIQP", [(10, 0.1), (10, 0.3), (30, 0.5)])


@pytest.mark.slow
def test_osqp_reaches_the_same_optimum(spiked):
    assert_second_solver_agrees(spiked, "OSQP", [(10, 0.1), (10, 0.3), (30, 0.5)])


def brute_force_optimum(b, w, n, c_s):
    """min ||w (B s - gamma)||^2 over the capped simplex by enumerating every active set.

    Each s_i is at 0, at the cap 1/n or free; each gamma_j at its floor 1/c_s or free (a free
    gamma_j zeroes its residual). The optimal set is a polytope, and at its vertices the
    equality-constrained least-squares problem of the active set has a unique solution, which
    is the optimum; every other feasible active-set solution is a feasible point. So the
    minimum over the feasible active-set solutions is the global optimum.
    """
    k, n_samples = b.shape
    cap, floor, best = 1.0 / n, 1.0 / c_s, np.inf
    for pattern in itertools.product((0, 1, 2), repeat=n_samples):  # 0: zero, 1: cap, 2: free
        pattern = np.array(pattern)
        free, capped = pattern == 2, pattern == 1
        remaining = 1.0 - cap * capped.sum()
        if remaining < -1e-12 or (not free.any() and abs(remaining) > 1e-12):
            continue
        for tight in itertools.product((True, False), repeat=k):  # gamma_j at the floor?
            rows = np.array(tight)
            base = b[rows][:, capped].sum(axis=1) * cap - floor
            a = w[rows, None] * b[rows][:, free]
            # minimise ||a x + w base||^2 s.t. sum(x) = remaining, via the KKT system
            q = free.sum()
            kkt = np.zeros((q + 1, q + 1))
            kkt[:q, :q] = 2 * a.T @ a
            kkt[:q, q] = kkt[q, :q] = 1.0
            rhs = np.concatenate([-2 * a.T @ (w[rows] * base), [remaining]])
            x = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:q] if q else np.zeros(0)
            s = np.where(capped, cap, 0.0)
            s[free] = x
            if s.min() < -1e-9 or s.max() > cap + 1e-9 or abs(s.sum() - 1) > 1e-9:
                continue
            moments = b @ s
            if np.any(moments[~rows] < floor - 1e-9):
                continue
            best = min(best, float(np.sum((w * np.minimum(moments - floor, 0)) ** 2)))
    return best


@pytest.mark.parametrize("n, c_s", [(2, 0.25), (3, 0.5), (3, 0.9), (2, 1.2)])
def test_tiny_instances_match_brute_force(n, c_s, global_seed):
    rng = np.random.default_rng(global_seed + n)
    g = rng.standard_normal((6, 3)) * np.array([2.0, 1.0, 0.3])
    moments = skmm.compute_moments(g)
    program = MomentMatching(moments)
    expected = brute_force_optimum(moments.normalized_moments, program.program.weights, n, c_s)
    for mode in ("interior", "vertex"):
        solution = quiet_solve(program, n, c_s, solution=mode, rng=0)
        assert scaled(solution, program) == pytest.approx(expected, rel=1e-6, abs=1e-10)


def test_uniform_weights_are_optimal_when_c_s_at_least_one(table1_moments):
    moments = table1_moments
    program = MomentMatching(moments)
    n_samples = moments.whitened.shape[0]
    uniform = np.full(n_samples, 1 / n_samples)
    for c_s in (1.0, 1.5):
        weights = program.program.weights
        # B @ (1/N) = 1 up to rounding, so the hinge is at most a few eps
        assert reduced_objective(moments, uniform, c_s, weights) <= 1e-28
        with pytest.warns(skmm.DegenerateProblemWarning, match="uniform weights"):
            solution = program.solve(400, c_s, solution="interior")
        assert solution.degenerate
        assert scaled(solution, program) <= 1e-10


def test_degeneracy_on_the_table1_instance(table1_moments):
    """Even c_s = 0.999 leaves the optimum at 0 on the Table-1 data (m = 32); the
    program bites only when c_s is small enough, and must when c_s < n/N (fact (i))."""
    moments = table1_moments
    program = MomentMatching(moments)
    for n in (48, 120, 400, 1600):
        assert quiet_solve(program, n, 0.999).degenerate
        binding = program.solve(n, 0.5)
        assert not binding.degenerate and binding.objective > 0
    # c_s < n/N = 0.8 is provably infeasible for the moment condition: B s <= N/n
    below = program.solve(1600, 0.75)
    assert not below.degenerate and below.certified_c_s > 0.75


@pytest.mark.parametrize("n, c_s", [(48, 0.999), (48, 0.5), (400, 0.9)])
def test_vertex_is_as_optimal_as_interior_and_sparse(table1_moments, n, c_s):
    moments = table1_moments
    program = MomentMatching(moments)
    interior = quiet_solve(program, n, c_s, solution="interior")
    vertex = quiet_solve(program, n, c_s, solution="vertex", rng=3)
    assert vertex.solution_mode == "vertex"
    scale = moments.eigenvalues[0] ** 2
    assert vertex.objective <= interior.objective + 1e-8 * scale
    s = vertex.s
    assert s.min() >= 0 and s.max() <= 1 / n + 1e-12 and s.sum() == pytest.approx(1, abs=1e-9)
    assert vertex.support_size <= n + moments.n_directions
    if vertex.degenerate:
        # a whole face is optimal: the interior point spreads, the vertex does not
        assert interior.support_size > 2 * vertex.support_size
        assert vertex.certified_c_s <= c_s * (1 + 1e-8)


def test_certified_constants(spiked):
    from scipy.linalg import eigh

    rng = np.random.default_rng(5)
    s = rng.dirichlet(np.ones(60))
    g = spiked.sketch
    sigma = g.T @ g / 60
    weighted = g.T @ (s[:, None] * g)
    # smallest c with Sigma~ <= c G~' diag(s) G~ = largest generalised eigenvalue
    expected = eigh(sigma, weighted, eigvals_only=True)[-1]
    assert skmm.certified_c_s(spiked, s, "loewner") == pytest.approx(expected, rel=1e-8)
    diag = max(
        spiked.eigenvalues[j] / (spiked.eigenvectors[:, j] @ weighted @ spiked.eigenvectors[:, j])
        for j in range(5)
    )
    assert skmm.certified_c_s(spiked, s, "diagonal") == pytest.approx(diag, rel=1e-8)
    assert skmm.certified_c_s(spiked, s, "loewner") >= skmm.certified_c_s(spiked, s, "diagonal")


def capped_simplex_points(n_samples, n, count, rng):
    """Points of {0 <= s <= 1/n, sum s = 1} by construction: convex combinations of its vertices.

    A vertex puts 1/n on n of the points; mixing a few with Dirichlet weights reaches every
    region of the polytope, from near-vertices (one weight near 1) to well-spread points.
    """
    points = []
    for _ in range(count):
        n_vertices = rng.integers(1, 6)
        mix = rng.dirichlet(np.full(n_vertices, rng.choice([0.2, 1.0, 5.0])))
        s = np.zeros(n_samples)
        for weight in mix:
            s[rng.choice(n_samples, n, replace=False)] += weight / n
        points.append(s)
    return points


def test_frank_wolfe_gap_bounds_the_suboptimality(spiked):
    n, c_s = 10, 0.2
    program = MomentMatching(spiked)
    solution = quiet_solve(program, n, c_s, solution="interior")
    optimum = scaled(solution, program)
    w = program.program.weights
    rng = np.random.default_rng(2)
    points = capped_simplex_points(60, n, 20, rng)
    # and points on the segments towards the optimum, where the bound is nearly tight
    steps = rng.choice([1e-3, 0.1, 0.5], len(points))
    near = [(1 - t) * solution.s + t * p for t, p in zip(steps, points, strict=True)]
    for s in points + near:
        assert s.min() >= 0 and s.max() <= 1 / n * (1 + 1e-9) and s.sum() == pytest.approx(1)
        gap = frank_wolfe_gap(spiked, s, n, c_s, w)
        assert reduced_objective(spiked, s, c_s, w) - optimum <= gap + 1e-12
    # the draws are informative: away from the optimum, where the bound has work to do
    assert min(reduced_objective(spiked, s, c_s, w) - optimum for s in points) > 0
