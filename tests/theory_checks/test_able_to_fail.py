"""Every check can fail: each is fed a broken input, or a bound patched through its public
``bound_scale`` parameter, and must then report a failing verdict (small instances, fast)."""

import numpy as np
import pytest

from skmm_convex import make_gmm
from theory_checks import (
    check_coreset_moment_floor,
    check_diagonal_relaxation,
    check_isotropic_bias_floor,
    check_low_intrinsic_dimension,
    check_lowdim_cs_bound,
    check_lowdim_variance,
    check_range_finder,
    check_sketch_subspace_identity,
    check_sketched_corollary,
    check_sketching,
    check_uniform_sample_complexity,
    check_variance_bias,
    check_variance_bias_general_subspace,
    gmm_b,
    gmm_instance,
    isotropic,
    lowdim_c,
)


@pytest.fixture(scope="module")
def lowdim():
    return lowdim_c(600, 6, 0)


@pytest.fixture(scope="module")
def small_gmm():
    return gmm_instance(300, 200, 3, 0.01, 0)


def _fails(result):
    assert result.verdict == "FAILS", (result.verdict, result.ratio, result.constant)
    assert not result.as_expected


def test_f0_with_replacement_breaks_the_identity():
    gen = np.random.default_rng(0)
    g = gen.standard_normal((30, 3))
    ok = check_coreset_moment_floor(g, n_values=(20,), n_subsets=1, sketch_dim=2, rng=0)
    assert ok.verdict == "identity holds"
    assert ok.details["with_replacement_min_lambda_rel"] < 0  # duplicates, reported
    g = np.random.default_rng(1).standard_normal((30, 10))
    broken = check_coreset_moment_floor(
        g, n_values=(20,), n_subsets=3, full_matrix_subsets=3, sketch_dim=4, replace=True, rng=0
    )
    assert broken.verdict == "IDENTITY FAILS" and not broken.as_expected


def test_f0_tests_the_low_dimensional_constant(lowdim):
    res = check_coreset_moment_floor(lowdim, n_values=(20, 60), n_subsets=1, rng=0)
    assert res.details["finite_constants_tested"]["low-dim"] == 2


def test_s1_fails_against_a_shifted_closed_form(lowdim):
    kwargs = dict(n_values=(30,), n_subsets=4, n_draws=1000, rng=0)
    assert check_lowdim_variance(lowdim, **kwargs).verdict == "holds"
    # 10% off: beyond the pooled resolution, so the equality test must reject it
    _fails(check_lowdim_variance(lowdim, bound_scale=0.9, **kwargs))
    _fails(check_lowdim_variance(lowdim, bound_scale=1.1, **kwargs))


def test_s2_tests_the_expected_risk(lowdim):
    kwargs = dict(n_values=(30,), n_subsets=3, n_draws=500, rng=0)
    res = check_lowdim_cs_bound(lowdim, **kwargs)
    assert res.verdict == "holds" and res.details["algebra_holds"]
    _fails(check_lowdim_cs_bound(lowdim, bound_scale=0.5 * min(res.details["ratios"]), **kwargs))


def test_s3_patched_sample_size_needs_a_constant_and_then_fails():
    inst = lowdim_c(3000, 5, 0)
    kwargs = dict(c_values=(2.0,), n_trials=100, grid_points=8, rng=0)
    # n_thm patched down to about 6 samples: every draw fails at n_thm, the search goes past
    # it (no ceiling) and the constant is measured, within the tolerance of 10
    patched = check_uniform_sample_complexity(inst, bound_scale=6 / 826, **kwargs)
    assert patched.details["table"][0]["fails_with"] == 100
    assert patched.details["table"][0]["n_delta"] > patched.details["table"][0]["n_thm"]
    assert patched.verdict == "holds with a constant"
    assert 1 < patched.constant <= patched.constant_tolerance == 10
    assert "tolerance 10" in patched.note
    _fails(check_uniform_sample_complexity(inst, bound_scale=1e-3, **kwargs))


def test_s4_fails_against_a_raised_floor():
    inst = isotropic(400, 80, 0)
    kwargs = dict(n_values=(20,), n_thetas=40, rng=0)
    assert check_isotropic_bias_floor(inst, **kwargs).holds
    _fails(check_isotropic_bias_floor(inst, bound_scale=1.3, **kwargs))


def test_s5_fails_against_a_lowered_bound(small_gmm):
    kwargs = dict(n_values=(20,), n_subsets=1, sigmas=(0.1, 1.0), rng=0)
    res = check_variance_bias(small_gmm, **kwargs)
    assert res.verdict == "holds"
    worst = res.details["worst_ratio_alpha_star"]
    _fails(check_variance_bias(small_gmm, bound_scale=worst / 2, **kwargs))


def test_s5_general_counterexample_stops_failing_past_its_ratio():
    res = check_variance_bias_general_subspace(bound_scale=20.0)
    assert res.verdict == "HOLDS, designed to fail" and not res.as_expected


def test_s6_constant_within_and_beyond_its_tolerance(small_gmm):
    kwargs = dict(n_values=(40,), n_subsets=2, sigmas=(0.1, 1.0), rng=0)
    res = check_low_intrinsic_dimension(small_gmm, **kwargs)
    assert res.verdict == "holds" and res.details["explicit_chain_holds"]
    within = check_low_intrinsic_dimension(small_gmm, bound_scale=res.constant / 1.5, **kwargs)
    assert within.verdict == "holds with a constant"
    assert within.constant == pytest.approx(1.5) and within.constant_tolerance == 2
    _fails(check_low_intrinsic_dimension(small_gmm, bound_scale=res.constant / 3, **kwargs))


def test_s6_not_applicable_when_no_coreset_meets_its_hypothesis(small_gmm):
    # coresets of 3 points cannot cover 3 clusters and a tail: condition (ii) fails
    res = check_low_intrinsic_dimension(small_gmm, n_values=(2,), n_subsets=2, rng=0)
    assert res.verdict == "not applicable" and not res.as_expected


def test_s7_fails_against_a_lowered_bound():
    inst = gmm_instance(300, 200, 2, 0.01, 0)
    kwargs = dict(n_values=(60,), n_gammas=30, sigmas=(1.0,), rng=0)
    res = check_sketching(inst, **kwargs)
    assert res.verdict == "holds"
    _fails(check_sketching(inst, bound_scale=0.5 * min(res.details["ratios"]), **kwargs))


def test_s8_constant_within_and_beyond_its_tolerance():
    inst = gmm_b(quick=True, seed=0)
    kwargs = dict(n_values=(300,), n_gammas=3, sigmas=(1.0,), rng=0)
    res = check_sketched_corollary(inst, **kwargs)
    assert res.verdict == "holds"
    within = check_sketched_corollary(inst, bound_scale=res.constant / 2, **kwargs)
    assert within.verdict == "holds with a constant" and within.constant_tolerance == 3
    _fails(check_sketched_corollary(inst, bound_scale=res.constant / 4, **kwargs))


def test_s9_a_sketch_that_does_not_commute_breaks_the_equality(small_gmm):
    gen = np.random.default_rng(0)
    axes = np.zeros((120, 4))
    axes[np.arange(120), gen.integers(0, 4, 120)] = gen.uniform(0.5, 2.0, 120)
    # generic rows: a coreset's Sigma~_S no longer commutes with Sigma~ (a rotation of the
    # axes would not do: it rotates both matrices alike)
    generic = gen.standard_normal((120, 4)) * np.array([3.0, 2.0, 1.0, 0.5])
    kwargs = dict(n_values=(30,), sketch_dim=8, n_uniform=1, rng=0)
    res = check_diagonal_relaxation(small_gmm, commuting_sketches=[axes], **kwargs)
    assert res.verdict == "identity holds"
    broken = check_diagonal_relaxation(small_gmm, commuting_sketches=[generic], **kwargs)
    assert broken.verdict == "IDENTITY FAILS"


def test_s10_fails_against_a_lowered_bound(small_gmm):
    kwargs = dict(settings=((3, 12), (3, 6)), n_gammas=10, rng=0)
    res = check_range_finder(small_gmm, **kwargs)
    assert res.verdict == "holds"
    assert {(row["k"], row["m"]) for row in res.details["table"]} == {(3, 12), (3, 6)}
    _fails(check_range_finder(small_gmm, bound_scale=0.5, **kwargs))


def test_s10_default_settings_include_small_m():
    inst = make_gmm(400, 300, 4, std_max=0.01, rng=0)
    res = check_range_finder(inst, n_gammas=4, rng=0)
    pairs = {(row["k"], row["m"]) for row in res.details["table"]}
    assert pairs == {(4, 44), (4, 8), (8, 16)}


def test_s11_singular_sketched_moment_breaks_the_identity():
    gen = np.random.default_rng(0)
    g = gen.standard_normal((200, 60))
    assert check_sketch_subspace_identity(g, n=40, sketch_dim=20, n_gammas=2).holds
    broken = check_sketch_subspace_identity(g, n=15, sketch_dim=20, n_gammas=2)
    assert broken.verdict == "IDENTITY FAILS"
