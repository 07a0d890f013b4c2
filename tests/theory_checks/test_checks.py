"""Every registered check in quick mode: it runs, and its outcome is the expected one."""

import dataclasses

import numpy as np
import pytest

from skmm_convex import make_gmm
from theory_checks import (
    CHECKS,
    CheckResult,
    check_coreset_moment_floor,
    check_lowdim_cs_bound,
    check_variance_bias_general_subspace,
    run_check,
)

EXPECTED_TO_FAIL = {"S5-general"}


@pytest.mark.parametrize("key", list(CHECKS))
def test_quick_check(key, global_seed):
    result = run_check(key, quick=True, seed=global_seed)
    assert isinstance(result, CheckResult)
    assert result.key == key
    assert result.status in ("certain", "reconstructed", "ours")
    assert np.isfinite(result.bound) and np.isfinite(result.empirical)
    assert result.details["ratios"].size >= 1
    assert result.expected_to_hold == (key not in EXPECTED_TO_FAIL)
    if result.expected_to_hold:
        assert result.holds, (result.verdict, result.ratio, result.details)
    else:
        assert not result.holds
        assert result.verdict == "fails (by design)"
    assert result.as_expected


def test_counterexample_numbers():
    """ADV-D (theory.md S5, Finding 2): RHS 502.05, inf_alpha E[ER] 4951.0, ratio 9.86."""
    result = check_variance_bias_general_subspace()
    assert result.bound == pytest.approx(502.05, rel=1e-4)
    assert result.empirical == pytest.approx(4951.0, rel=1e-4)
    assert result.ratio == pytest.approx(9.86, abs=0.01)
    assert result.details["ratio_span_e1"] == pytest.approx(0.495, abs=1e-3)


def test_results_are_frozen():
    result = check_variance_bias_general_subspace()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.holds = True  # type: ignore[misc]


def test_checks_accept_gmm_data_and_bare_matrices(global_seed):
    data = make_gmm(300, 360, 4, std_max=0.01, rng=global_seed)
    res = check_coreset_moment_floor(data, n_values=(20, 60), n_subsets=1, rng=global_seed)
    assert res.holds and res.details["rbar"] == 4
    gen = np.random.default_rng(global_seed)
    res = check_lowdim_cs_bound(gen.standard_normal((400, 6)), n_values=(20,), n_subsets=3)
    assert res.holds


def test_f0_flags_duplicates():
    """With replacement, duplicates can break Sigma >= (n/N) Sigma_S (reported, not tested)."""
    gen = np.random.default_rng(0)
    g = gen.standard_normal((30, 3))
    res = check_coreset_moment_floor(g, n_values=(20,), n_subsets=1, sketch_dim=2, rng=0)
    assert res.holds
    assert res.details["with_replacement_min_lambda_rel"] < 0


@pytest.mark.slow
@pytest.mark.parametrize("key", list(CHECKS))
def test_full_check(key):
    result = run_check(key, quick=False, seed=0)
    assert result.as_expected, (result.verdict, result.ratio)
