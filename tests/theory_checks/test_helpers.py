"""Helpers behind the checks, against independent computations."""

from math import comb

import numpy as np
import pytest

from theory_checks._common import binomial_lower_ok, binomial_upper_ok
from theory_checks.linalg import generalized_max_eig, spectrum_of
from theory_checks.tradeoff import subspace_terms
from theory_checks.variance import ols_variance


def _cdf(k, trials, p):
    return sum(comb(trials, i) * p**i * (1 - p) ** (trials - i) for i in range(k + 1))


def test_binomial_rules_match_exact_sums():
    trials, p, level = 200, 0.9, 0.01
    critical = min(k for k in range(trials + 1) if _cdf(k, trials, p) >= level)
    assert 165 <= critical <= 175  # the exact binomial critical value is about 170
    assert binomial_lower_ok(critical, trials, p, level)
    assert not binomial_lower_ok(critical - 1, trials, p, level)
    # upper test of P(failure) <= 0.1: reject when P(X >= f) < level
    worst = max(f for f in range(trials + 1) if 1 - _cdf(f - 1, trials, 0.1) >= level)
    assert binomial_upper_ok(worst, trials, 0.1, level)
    assert not binomial_upper_ok(worst + 1, trials, 0.1, level)


def test_generalized_max_eig(global_seed):
    gen = np.random.default_rng(global_seed)
    a = gen.standard_normal((5, 5))
    a = a @ a.T
    b = np.diag(gen.uniform(0.5, 2, 5))
    c = generalized_max_eig(a, b)
    assert np.linalg.eigvalsh(c * b - a)[0] == pytest.approx(0, abs=1e-9 * c)
    assert generalized_max_eig(a, np.diag([1.0, 1, 1, 1, 0])) == np.inf
    low = np.zeros((5, 5))
    low[:2, :2] = a[:2, :2]
    assert np.isfinite(generalized_max_eig(low, np.diag([1.0, 1, 0, 0, 0])))


def test_subspace_terms_against_pseudo_inverse(global_seed):
    gen = np.random.default_rng(global_seed)
    g = gen.standard_normal((50, 12)) * np.geomspace(4, 0.2, 12)
    s = np.sort(gen.choice(50, 8, replace=False))
    sigma, sigma_s = g.T @ g / 50, g[s].T @ g[s] / 8
    # a subspace inside Range(Sigma_S), not invariant
    q = np.linalg.qr(g[s].T @ gen.standard_normal((8, 3)))[0]
    p = q @ q.T
    var, perp = subspace_terms(g @ q, g[s] @ q, 50, 8, float(np.trace(sigma)))
    inner = p @ sigma_s @ p
    pinv = np.linalg.pinv((inner + inner.T) / 2, rcond=1e-10, hermitian=True)
    assert var == pytest.approx(np.trace(sigma @ pinv), rel=1e-9)
    assert perp == pytest.approx(np.trace(sigma @ (np.eye(12) - p)), rel=1e-9)


def test_ols_variance_heteroscedastic_formula(global_seed):
    gen = np.random.default_rng(global_seed)
    g = gen.standard_normal((40, 4))
    s = np.arange(10)
    variances = gen.uniform(0.2, 1.0, 10)
    pinv = np.linalg.pinv(g[s])
    cov = pinv @ np.diag(variances) @ pinv.T  # covariance of the least-squares fit
    expected = np.trace(g.T @ g / 40 @ cov)
    assert ols_variance(g, s, variances) == pytest.approx(expected, rel=1e-10)
    assert ols_variance(g, s, 1.0) == pytest.approx(np.trace(g.T @ g / 40 @ pinv @ pinv.T))


@pytest.mark.parametrize("shape", [(30, 50), (50, 30)])
def test_spectrum_of(shape, global_seed):
    g = np.random.default_rng(global_seed).standard_normal(shape)
    spec = spectrum_of(g)
    sigma = g.T @ g / shape[0]
    expected = np.sort(np.linalg.eigvalsh(sigma))[::-1][: spec.eigenvalues.size]
    np.testing.assert_allclose(spec.eigenvalues, expected, rtol=1e-9)
    np.testing.assert_allclose(spec.basis.T @ spec.basis, np.eye(spec.eigenvalues.size), atol=1e-10)
    np.testing.assert_allclose(sigma @ spec.basis, spec.basis * spec.eigenvalues, atol=1e-9)
