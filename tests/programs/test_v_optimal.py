"""The V-optimal program: certified by its Frank-Wolfe gap, cross-checked by SCS and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.baselines.skmm_v2 import skmm_v2_order
from skmm_convex.certificates.capped_simplex import project_capped_simplex
from skmm_convex.certificates.v_optimal import (
    v_optimal_certificate,
    v_optimal_gradient,
    v_optimal_value,
)
from skmm_convex.errors import ValidationError
from skmm_convex.programs.v_optimal import VOptimalProgram
from skmm_convex.selection import DEFAULT_SKETCH_DIM, select
from skmm_convex.strategies.v_optimal import AUTO_SKETCH_DIM, VOptimalDesign


@pytest.fixture(scope="module")
def moments():
    data = skmm.make_gmm(150, 120, 4, std_max=0.04, rng=2)
    return skmm.compute_moments(skmm.sketch_features(data.features, 8, "gaussian", 1))


@pytest.fixture(scope="module")
def design(moments):
    return VOptimalDesign(moments)


def _subset_weights(size: int, subset) -> np.ndarray:
    s = np.zeros(size)
    s[list(subset)] = 1.0 / len(subset)
    return s


def test_value_and_gradient_from_definitions(moments, global_seed):
    z = moments.whitened
    rng = np.random.default_rng(global_seed)
    s = project_capped_simplex(rng.random(z.shape[0]), 10)
    inverse = np.linalg.inv(z.T @ (z * s[:, None]))
    assert np.isclose(v_optimal_value(moments, s), np.trace(inverse), rtol=1e-10)
    step = 1e-7
    direction = rng.standard_normal(z.shape[0])
    numeric = (
        v_optimal_value(moments, s + step * direction)
        - v_optimal_value(moments, s - step * direction)
    ) / (2 * step)
    assert np.isclose(v_optimal_gradient(moments, s) @ direction, numeric, rtol=1e-5)
    # at uniform weights M = Z'Z/N = I
    uniform = np.full(z.shape[0], 1.0 / z.shape[0])
    assert np.isclose(v_optimal_value(moments, uniform), moments.n_directions, rtol=1e-10)


def test_singular_moment_has_infinite_value(moments):
    s = np.zeros(moments.whitened.shape[0])
    s[:2] = 0.5  # two points cannot span k = 8 directions
    assert v_optimal_value(moments, s) == np.inf
    assert v_optimal_certificate(moments, s, 2) == (np.inf, np.inf)


@pytest.mark.parametrize("n", [12, 40])
def test_clarabel_reaches_the_optimum_and_scs_agrees(moments, design, n):
    sol = design.solve(n)
    assert sol.solver == "CLARABEL"
    assert sol.frank_wolfe_gap <= 1e-6 * sol.objective
    assert sol.s.min() >= 0 and sol.s.max() <= 1.0 / n + 1e-12
    assert np.isclose(sol.s.sum(), 1.0, atol=1e-12)
    second = VOptimalDesign(moments, solver="SCS", fallback=False).solve(n)
    assert second.solver == "SCS"
    # both within their own certificates of the same optimum
    assert abs(sol.objective - second.objective) <= sol.frank_wolfe_gap + second.frank_wolfe_gap
    assert sol.lower_bound <= second.objective and second.lower_bound <= sol.objective


def test_both_forms_agree_within_their_certificates(moments, design):
    schur = design.solve(20)
    tr_inv = VOptimalDesign(moments, form="tr_inv").solve(20)
    assert tr_inv.form == "tr_inv" and schur.form == "schur"
    assert abs(schur.objective - tr_inv.objective) <= schur.frank_wolfe_gap + tr_inv.frank_wolfe_gap


def test_program_is_dpp_and_resolves_through_its_parameter(moments, design):
    assert design.program.problem.is_dcp(dpp=True)
    first = design.solve(15)
    design.solve(30)
    again = design.solve(15)
    fresh = VOptimalDesign(moments).solve(15)
    tol = first.frank_wolfe_gap + fresh.frank_wolfe_gap
    assert abs(again.objective - fresh.objective) <= tol + again.frank_wolfe_gap
    assert design.program.cap.value == pytest.approx(1.0 / 15)


def test_full_budget_is_uniform(moments, design):
    n_rows = moments.whitened.shape[0]
    sol = design.solve(n_rows)
    np.testing.assert_allclose(sol.s, 1.0 / n_rows, rtol=0, atol=1e-15)
    assert np.isclose(sol.objective, moments.n_directions, rtol=1e-10)


def test_vertex_keeps_the_objective_and_is_sparse(moments, design):
    interior = design.solve(20)
    vertex = design.solve(20, solution="vertex", rng=3)
    k = moments.n_directions
    fractional = np.sum((vertex.s > 1e-12) & (vertex.s < 1 / 20 - 1e-12))
    assert fractional <= k * (k + 1) // 2 + 1
    assert abs(vertex.objective - interior.objective) <= (
        vertex.frank_wolfe_gap + interior.frank_wolfe_gap
    )
    assert fractional < np.sum(interior.s > 1e-12)


def test_brute_force_on_tiny_instances(global_seed):
    """Exhaustive subsets bound the relaxation from above; random points of C never beat it."""
    rng = np.random.default_rng(global_seed)
    features = rng.standard_normal((8, 3)) * np.array([3.0, 1.0, 0.2])
    tiny = skmm.compute_moments(features)
    tiny_design = VOptimalDesign(tiny)
    for n in (3, 4, 6):
        sol = tiny_design.solve(n)
        assert sol.frank_wolfe_gap <= 1e-7 * sol.objective
        best_subset = min(
            v_optimal_value(tiny, _subset_weights(8, subset))
            for subset in itertools.combinations(range(8), n)
        )
        rounding = 1e-12 * best_subset  # both sides are computed in float64
        assert sol.lower_bound <= best_subset + rounding
        points = (project_capped_simplex(x, n) for x in rng.exponential(size=(3000, 8)) ** 3)
        assert min(v_optimal_value(tiny, p) for p in points) >= sol.lower_bound - rounding


def test_never_above_the_greedy_coreset(moments, design, global_seed):
    rng = np.random.default_rng(global_seed)
    n_rows = moments.whitened.shape[0]
    for n, sampler in [(12, "greedy"), (24, "exp"), (24, "linear")]:
        order = skmm_v2_order(
            moments.sketch, moments.whitened, n, moments.sketch.shape[1], sampler=sampler, rng=rng
        )
        greedy = v_optimal_value(moments, _subset_weights(n_rows, order))
        sol = design.solve(n)
        assert sol.objective <= greedy + sol.frank_wolfe_gap


def test_select_v_optimal_reports_its_certified_solution(global_seed):
    data = skmm.make_gmm(200, 64, 4, std_max=0.04, rng=5)
    sel = select(data.features, 20, "v-optimal", rng=global_seed, sketch_dim=12)
    assert sel.method == "v-optimal" and sel.sampler == "stratified"
    assert sel.solution.n == 20 and sel.solution.frank_wolfe_gap <= 1e-6 * sel.solution.objective
    np.testing.assert_array_equal(sel.weights, sel.solution.s)
    again = select(data.features, 20, "v-optimal", rng=global_seed, sketch_dim=12)
    np.testing.assert_array_equal(sel.indices, again.indices)


def test_auto_sketch_dim_is_the_package_default():
    assert AUTO_SKETCH_DIM == DEFAULT_SKETCH_DIM


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"form": "dual"}, r"^form must be one of 'schur', 'tr_inv'"),
        ({"solution": "face"}, r"^solution must be one of 'interior', 'vertex'"),
        ({"sampler": "greedy"}, r"^sampler must be one of"),
        ({"sketch_dim": 0}, r"^sketch_dim must be an int in \[1, 64\]"),
        ({"sketch_dim": "big"}, r"^sketch_dim must be an int in \[1, 64\]"),
        ({"fallback": "yes"}, r"^fallback must be True or False"),
        ({"solver_options": {"bogus_option": 1}}, r"^solver_options .* were rejected"),
    ],
)
def test_bad_options_name_the_argument(options, pattern):
    data = skmm.make_gmm(60, 64, 3, rng=0)
    with pytest.raises(ValidationError, match=pattern):
        select(data.features, 10, "v-optimal", rng=0, **options)


def test_bad_form_for_the_program_itself(moments):
    with pytest.raises(ValueError, match="form must be one of"):
        VOptimalProgram(moments, "dual")


def test_cli_select_records_the_certificate(tmp_path):
    import json

    from skmm_convex.cli import main

    features = tmp_path / "g.npy"
    np.save(features, skmm.make_gmm(120, 40, 3, rng=0).features)
    out = tmp_path / "sel.npz"
    assert (
        main(["select", str(features), "--n", "12", "--method", "v-optimal", "--out", str(out)])
        == 0
    )
    saved = np.load(out)
    info = json.loads(str(saved["info"]))
    assert info["method"] == "v-optimal"
    assert info["frank_wolfe_gap"] <= 1e-6 * info["objective"]
    assert saved["weights"].shape == (120,) and np.isclose(saved["weights"].sum(), 1.0)
