"""The closed-form ridge risk of the paper (arXiv 2407.06120) against a dense formula and Monte
Carlo."""

import numpy as np
import pytest

from theory_checks import CoresetRidge, monte_carlo_ridge_risk


def _problem(seed, n_samples=60, n_features=25, n=12):
    gen = np.random.default_rng(seed)
    g = gen.standard_normal((n_samples, n_features)) * np.geomspace(3, 0.1, n_features)
    s = np.sort(gen.choice(n_samples, n, replace=False))
    return g, s, gen.standard_normal(n_features), gen


def _dense_risk(g, s, theta, sigma2, alpha):
    """alpha^2 ||(S_S + aI)^-1 theta||_Sigma^2 + sigma^2/n tr(Sigma R S_S R), dense."""
    n_samples, r = g.shape
    sigma = g.T @ g / n_samples
    sigma_s = g[s].T @ g[s] / s.size
    resolvent = np.linalg.inv(sigma_s + alpha * np.eye(r))
    shift = resolvent @ theta
    bias = alpha**2 * shift @ sigma @ shift
    return bias + sigma2 / s.size * np.trace(sigma @ resolvent @ sigma_s @ resolvent)


def test_closed_form_matches_dense_formula(global_seed):
    g, s, theta, _ = _problem(global_seed)
    ridge = CoresetRidge(g, s)
    alphas = np.array([1e-3, 0.1, 1.0, 30.0])
    expected = [_dense_risk(g, s, theta, 0.7, a) for a in alphas]
    np.testing.assert_allclose(ridge.risk(theta, 0.7, alphas), expected, rtol=1e-9)


def test_limits(global_seed):
    g, s, theta, _ = _problem(global_seed)
    ridge = CoresetRidge(g, s)
    bias0, var0 = ridge.limit_zero(theta, 0.7)
    np.testing.assert_allclose(ridge.risk(theta, 0.7, np.array([1e-9]))[0], bias0 + var0, rtol=1e-5)
    np.testing.assert_allclose(
        ridge.risk(theta, 0.7, np.array([1e12]))[0], ridge.limit_infinity(theta), rtol=1e-6
    )
    best = ridge.minimize(theta, 0.7)
    grid = ridge.risk(theta, 0.7, np.geomspace(1e-8, 1e8, 2000))
    assert best.risk <= grid.min() * (1 + 1e-9)
    assert best.risk <= min(bias0 + var0, ridge.limit_infinity(theta))


@pytest.mark.parametrize("alpha", [0.05, 1.0])
def test_closed_form_matches_monte_carlo_ridge(global_seed, alpha):
    """High dimension (r > n): ridge risk over label noise within 4 standard errors."""
    g, s, theta, gen = _problem(global_seed)
    ridge = CoresetRidge(g, s)
    closed = ridge.risk(theta, 0.5**2, np.array([alpha]))[0]
    mean, se = monte_carlo_ridge_risk(g, s, theta, 0.5, alpha, 4000, gen)
    assert abs(mean - closed) <= 4 * se, (mean, closed, se)


def test_closed_form_matches_monte_carlo_ols(global_seed):
    """Low dimension (n > r), alpha -> 0: OLS risk = (sigma^2/n) tr(Sigma Sigma_S^-1)."""
    g, _, theta, gen = _problem(global_seed)
    s = np.sort(gen.choice(g.shape[0], 40, replace=False))
    ridge = CoresetRidge(g, s)
    bias0, var0 = ridge.limit_zero(theta, 1.0)
    assert bias0 <= 1e-20 * (theta @ theta)
    mean, se = monte_carlo_ridge_risk(g, s, theta, 1.0, 0.0, 4000, gen)
    assert abs(mean - var0) <= 4 * se, (mean, var0, se)
