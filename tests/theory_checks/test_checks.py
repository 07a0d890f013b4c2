"""Every registered check in quick mode: it runs, and its outcome is the expected one."""

import dataclasses
from functools import cache

import numpy as np
import pytest

from skmm_convex import make_gmm
from theory_checks import (
    CHECKS,
    IDENTITIES,
    CheckResult,
    check_coreset_moment_floor,
    check_lowdim_cs_bound,
    check_variance_bias_general_subspace,
    run_check,
)

EXPECTED_TO_FAIL = {"S5-general"}


@cache
def _quick(key, seed):
    """Each quick check runs once per seed in this module (results are frozen)."""
    return run_check(key, quick=True, seed=seed)


@pytest.mark.parametrize("key", list(CHECKS))
def test_quick_check(key, global_seed):
    result = _quick(key, global_seed)
    assert isinstance(result, CheckResult)
    assert result.key == key
    assert result.status in ("certain", "reconstructed", "ours")
    assert (result.kind == "identity") == (key in IDENTITIES)
    assert np.isfinite(result.bound) and np.isfinite(result.empirical)
    assert result.details["ratios"].size >= 1
    assert result.expected_to_hold == (key not in EXPECTED_TO_FAIL)
    if result.kind == "monte-carlo":
        assert result.draws >= 1 and 0 <= result.false_alarm < 0.1
    if result.expected_to_hold:
        assert result.holds, (result.verdict, result.ratio, result.details)
        assert result.verdict == ("identity holds" if key in IDENTITIES else "holds")
    else:
        assert not result.holds
        assert result.verdict == "fails as designed"
    assert result.as_expected


def test_identities_reject_a_bound_scale():
    with pytest.raises(ValueError, match="identity"):
        run_check("S11", quick=True, bound_scale=0.5)


def test_s7_quick_mode_has_power():
    """Quick mode's S7 catches a success rate of 0.8 with probability >= 0.9 (T = 30
    accepted 23 successes of 30)."""
    result = _quick("S7", 0)
    assert result.draws >= 200 and result.details["power_at_0_8"] >= 0.9
    assert result.details["critical_successes"] / result.draws > 0.8


def test_s10_tests_the_nearly_tight_small_m_setting():
    result = _quick("S10", 0)
    rows = result.details["table"]
    rbar = 8
    assert {(row["k"], row["m"]) for row in rows} >= {(rbar, 11 * rbar), (rbar, 2 * rbar)}
    hmt_small = [r for r in rows if r["m"] <= 2 * rbar and r["subspace"] == "Sigma^1/2 Gamma"]
    assert max(r["mean_ratio"] for r in hmt_small) > 0.8  # nearly tight, and tested


def test_counterexample_numbers():
    """ADV-D (a 2-d counterexample, worked by hand): RHS 502.05, inf_alpha E[ER] 4951.0,
    ratio 9.86."""
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
    assert res.holds and res.details["instances"] == ["GMM"]
    gen = np.random.default_rng(global_seed)
    res = check_lowdim_cs_bound(
        gen.standard_normal((400, 6)), n_values=(20,), n_subsets=3, n_draws=200
    )
    assert res.holds


@pytest.mark.slow
@pytest.mark.parametrize("key", list(CHECKS))
def test_full_check(key):
    result = run_check(key, quick=False, seed=0)
    assert result.as_expected, (result.verdict, result.ratio)
    assert result.verdict in ("holds", "identity holds", "fails as designed"), result.note
