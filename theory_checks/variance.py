"""S1 and S2: the low-dimensional variance identity and its c_S bound (theory.md S1, S2)."""

from __future__ import annotations

import numpy as np

from skmm_convex._validation import as_generator

from ._common import FLOAT_RTOL, as_instances, uniform_coreset
from .linalg import generalized_max_eig
from .result import CheckResult
from .ridge import monte_carlo_ridge_risk

__all__ = ["check_lowdim_variance", "check_lowdim_cs_bound", "ols_variance"]


def ols_variance(features: np.ndarray, indices: np.ndarray, noise_var=1.0) -> float:
    """``E_z[ER(theta_S)]`` of least squares on the rows S, in closed form.

    Notes
    -----
    Homoscedastic (scalar ``noise_var = sigma^2``): ``(sigma^2/n) tr(Sigma Sigma_S^{-1})``
    (poster, "V-optimality"). Heteroscedastic (one variance per coreset row, ``D``):
    ``tr(Sigma (G_S'G_S)^{-1} G_S' D G_S (G_S'G_S)^{-1})``. Computed with ``solve``.
    """
    g_s = features[indices]
    gram = g_s.T @ g_s
    sigma = features.T @ features / features.shape[0]
    if np.ndim(noise_var) == 0:
        return float(noise_var) * float(np.trace(np.linalg.solve(gram, sigma)))
    middle = g_s.T @ (np.asarray(noise_var)[:, None] * g_s)
    # tr(Sigma A^{-1} M A^{-1}) = tr((A^{-1} Sigma)(A^{-1} M)) with A = G_S'G_S
    return float(np.trace(np.linalg.solve(gram, sigma) @ np.linalg.solve(gram, middle)))


def check_lowdim_variance(
    problems,
    *,
    n_values=(40, 100, 400),
    n_subsets: int = 20,
    n_draws: int = 2000,
    sigma: float = 1.0,
    rng=0,
) -> CheckResult:
    """S1: ``E_z[ER(theta_S)] = (sigma^2/n) tr(Sigma Sigma_S^{-1})`` for OLS, rank(G_S) = r.

    Parameters
    ----------
    problems : Instance, GMMData, ndarray (N, r) or a sequence of them
        Low-dimensional designs (r <= min n_values).
    n_values : sequence of int
    n_subsets : int
        Uniform coresets per size.
    n_draws : int
        Monte Carlo draws of ``z ~ N(0, sigma^2 I)`` per coreset.
    sigma : float
    rng : int or Generator

    Notes
    -----
    The closed form is confirmed by Monte Carlo within 4 standard errors for every coreset
    (homoscedastic: equality). A heteroscedastic run (row variances ``sigma^2 U(0.2, 1)``) must
    stay below the homoscedastic bound + 4 SE, and its own closed form within 4 SE.
    """
    gen = as_generator(rng)
    rows = []
    for inst in as_instances(problems):
        for n in n_values:
            for _ in range(n_subsets):
                s = uniform_coreset(inst.n_samples, n, gen)
                closed = sigma**2 * ols_variance(inst.features, s)
                mean, se = monte_carlo_ridge_risk(
                    inst.features, s, inst.theta, sigma, 0.0, n_draws, gen
                )
                rows.append((inst.name, n, "homoscedastic", closed, mean, se, closed))
            s = uniform_coreset(inst.n_samples, n, gen)
            stds = sigma * np.sqrt(gen.uniform(0.2, 1.0, n))
            hetero = ols_variance(inst.features, s, stds**2)
            bound = sigma**2 * ols_variance(inst.features, s)
            mean, se = monte_carlo_ridge_risk(inst.features, s, inst.theta, stds, 0.0, n_draws, gen)
            rows.append((inst.name, n, "heteroscedastic", bound, mean, se, hetero))
    z_equal = np.array([(mean - exact) / se for (*_, mean, se, exact) in rows])
    z_bound = np.array([(mean - bound) / se for (_, _, _, bound, mean, se, _) in rows])
    ratios = np.array([mean / bound for (_, _, _, bound, mean, _, _) in rows])
    homo = np.array([row[2] == "homoscedastic" for row in rows])
    worst = int(np.flatnonzero(homo)[np.argmax(np.abs(z_equal[homo]))])
    holds = bool(np.all(np.abs(z_equal) <= 4) and np.all(z_bound <= 4))
    return CheckResult(
        key="S1",
        statement="low dimension (rank G_S = r <= n), OLS: E[ER(theta_S)] <= "
        "(sigma^2/n) tr(Sigma Sigma_S^{-1}), with equality for E zz' = sigma^2 I",
        status="certain",
        tag="[P; I for equality]",
        sense="<=",
        bound=rows[worst][3],
        empirical=rows[worst][4],
        uncertainty=rows[worst][5],
        allowance="Monte Carlo within 4 SE of the closed form (each coreset)",
        holds=holds,
        details=dict(
            ratios=ratios,
            ratio_label="MC mean / (sigma^2/n) tr(Sigma Sigma_S^-1)",
            max_abs_z=float(np.max(np.abs(z_equal))),
            max_z_vs_bound=float(np.max(z_bound)),
            heteroscedastic_ratio_range=(float(ratios[~homo].min()), float(ratios[~homo].max())),
            n_draws=n_draws,
            configurations=[f"{name} n={n} {kind}" for (name, n, kind, *_) in rows],
            worst=rows[worst][:3],
        ),
    )


def check_lowdim_cs_bound(
    problems, *, n_values=(40, 100, 400), n_subsets: int = 20, rng=0
) -> CheckResult:
    """S2: ``Sigma <= c_S Sigma_S`` gives ``(sigma^2/n) tr(Sigma Sigma_S^{-1}) <= c_S sigma^2 r/n``.

    Notes
    -----
    ``c_S = c*(Sigma, Sigma_S) = lambda_max(Sigma_S^{-1/2} Sigma Sigma_S^{-1/2})``, the smallest
    feasible constant; ``tr(Sigma Sigma_S^{-1}) <= c_S tr(I_r)`` exactly. Also checks
    ``c_S >= n/N`` (F0). The ratio reported is ``tr(Sigma Sigma_S^{-1}) / (c_S r)``; with S1
    this bounds the expected risk.
    """
    gen = as_generator(rng)
    rows = []
    for inst in as_instances(problems):
        g = inst.features
        n_samples, r = g.shape
        sigma = g.T @ g / n_samples
        for n in n_values:
            for _ in range(n_subsets):
                s = uniform_coreset(n_samples, n, gen)
                sigma_s = g[s].T @ g[s] / n
                c_s = generalized_max_eig(sigma, sigma_s)
                lhs = float(np.trace(np.linalg.solve(sigma_s, sigma)))
                rows.append((inst.name, n, lhs, c_s * r, c_s, n / n_samples))
    ratios = np.array([lhs / rhs for (_, _, lhs, rhs, _, _) in rows])
    floor_ok = all(c >= f * (1 - 1e-10) for (*_, c, f) in rows)
    worst = int(np.argmax(ratios))
    return CheckResult(
        key="S2",
        statement="if Sigma <= c_S Sigma_S (c_S >= n/N) then E[ER(theta_S)] <= c_S sigma^2 r / n",
        status="certain",
        tag="[P]",
        sense="<=",
        bound=rows[worst][3],
        empirical=rows[worst][2],
        uncertainty=0.0,
        allowance=f"exact: ratio <= 1 + {FLOAT_RTOL:g}; c_S >= n/N",
        holds=bool(np.all(ratios <= 1 + FLOAT_RTOL) and floor_ok),
        details=dict(
            ratios=ratios,
            ratio_label="tr(Sigma Sigma_S^-1) / (c_S r)",
            min_slack=float(1 / ratios.max()),
            max_slack=float(1 / ratios.min()),
            c_s_range=(min(row[4] for row in rows), max(row[4] for row in rows)),
            configurations=[f"{name} n={n}" for (name, n, *_) in rows],
        ),
    )
