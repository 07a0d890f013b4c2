"""S5: the variance-bias bound of main result I, and its counterexample for general subspaces."""

from __future__ import annotations

import numpy as np

from skmm_convex._validation import as_generator

from ._common import FLOAT_RTOL, as_instance, check_bound_scale, uniform_coreset
from .instances import adversarial_d
from .result import CheckResult
from .ridge import CoresetRidge

__all__ = ["check_variance_bias", "check_variance_bias_general_subspace", "subspace_terms"]


def subspace_terms(
    g_q: np.ndarray, g_s_q: np.ndarray, n_samples: int, n: int, trace: float
) -> tuple[float, float]:
    """``tr(Sigma (P Sigma_S P)^+)`` and ``tr(Sigma P^perp)`` for a subspace with basis Q.

    Parameters
    ----------
    g_q : ndarray, shape (N, k)
        ``G Q`` for an orthonormal basis Q (r x k) of the subspace.
    g_s_q : ndarray, shape (n, k)
        ``G_S Q``.
    n_samples, n : int
        N and n.
    trace : float
        ``tr(Sigma)``.

    Notes
    -----
    ``tr(Sigma (P Sigma_S P)^+) = tr((Q'Sigma_S Q)^{-1} Q'Sigma Q)`` and
    ``tr(Sigma P^perp) = tr(Sigma) - tr(Q'Sigma Q)``; ``Q'Sigma_S Q`` is
    invertible when the subspace lies in ``Range(Sigma_S)``.
    """
    inner = g_q.T @ g_q / n_samples
    inner_s = g_s_q.T @ g_s_q / n
    return float(np.trace(np.linalg.solve(inner_s, inner))), trace - float(np.trace(inner))


def _bound(sigma2, n, var_trace, perp_trace, theta_sq):
    return sigma2 / n * var_trace + 2 * perp_trace * theta_sq


def _thetas(inst, gen):
    r = inst.n_features
    iso = gen.standard_normal(r) / np.sqrt(r)
    return {"latent": inst.theta, "isotropic": iso, "mix": inst.theta + iso}


def check_variance_bias(
    problem,
    *,
    n_values=(48, 100, 200, 400),
    n_subsets: int = 5,
    sigmas=(0.01, 0.1, 1.0, 10.0),
    sketch_dim: int | None = None,
    bound_scale: float = 1.0,
    rng=0,
) -> CheckResult:
    """S5 on eigen-subspaces: there is alpha > 0 with
    ``E[ER] <= (sigma^2/n) tr(Sigma (P Sigma_S P)^+) + 2 tr(Sigma P^perp) ||theta_*||^2``.

    Parameters
    ----------
    problem : Instance, GMMData or ndarray (N, r)
        A high-dimensional design (``r > n``); theta_* is varied over the instance's truth, an
        isotropic ``N(0, I_r)/sqrt(r)`` draw and their sum.
    n_values, n_subsets, sigmas :
        Coreset sizes, uniform coresets per size, noise levels.
    sketch_dim : int, optional
        m of the report-only subspace ``Range(Sigma_S Gamma)``; default ``11 r_bar``.
    bound_scale : float
        Factor on the right-hand side (1: the statement; a negative control uses a factor
        the closed forms violate).

    Notes
    -----
    Script-S = top-k eigenspace of Sigma_S for k in {r_bar, ceil(1.1 r_bar), 2 r_bar, 30,
    rank}. Both sides are closed forms (the ridge risk of :class:`CoresetRidge`), so the pass
    rule is
    ``LHS <= RHS (1 + 1e-8)`` for LHS at the explicit ``alpha* = sigma^2 / (8 n
    ||P theta_*||^2)`` (Finding 1, proved for Sigma_S-invariant subspaces) and for LHS =
    inf over alpha. ``details["sketched_subspace_ratio"]`` reports (not tested) the worst
    ratio for the non-invariant ``Range(Sigma_S Gamma)``.
    """
    scale = check_bound_scale(bound_scale)
    inst = as_instance(problem)
    gen = as_generator(rng)
    n_samples = inst.n_samples
    rbar = inst.rbar
    trace = inst.spectrum.trace
    m = 11 * rbar if sketch_dim is None else int(sketch_dim)
    thetas = _thetas(inst, gen)
    rows, sketched = [], []
    for n in n_values:
        for _ in range(n_subsets):
            s = uniform_coreset(n_samples, n, gen)
            ridge = CoresetRidge(inst.features, s)
            ks = sorted(
                {
                    k
                    for k in (rbar, int(np.ceil(1.1 * rbar)), 2 * rbar, 30, ridge.rank)
                    if k <= ridge.rank
                }
            )
            g_s_w = inst.features[s] @ ridge.basis
            terms = {
                k: subspace_terms(ridge.projected[:, :k], g_s_w[:, :k], n_samples, n, trace)
                for k in ks
            }
            sk_terms = None
            if m < ridge.rank:
                coords = np.linalg.qr(ridge.d2[:, None] * gen.standard_normal((ridge.rank, m)))[0]
                sk_terms = subspace_terms(
                    ridge.projected @ coords, g_s_w @ coords, n_samples, n, trace
                )
            for t_name, theta in thetas.items():
                theta_sq = float(theta @ theta)
                a = ridge.basis.T @ theta
                for sigma in sigmas:
                    sigma2 = sigma**2
                    best = ridge.minimize(theta, sigma2).risk
                    for k in ks:
                        rhs = scale * _bound(sigma2, n, *terms[k], theta_sq)
                        proj_sq = float(a[:k] @ a[:k])
                        if proj_sq > 0:
                            alpha_star = sigma2 / (8 * n * proj_sq)
                            at_star = float(ridge.risk(theta, sigma2, np.array([alpha_star]))[0])
                        else:
                            at_star = ridge.limit_infinity(theta)
                        rows.append((n, t_name, sigma, k, rhs, at_star, best))
                    if sk_terms is not None:
                        sketched.append(best / _bound(sigma2, n, *sk_terms, theta_sq))
    ratio_star = np.array([row[5] / row[4] for row in rows])
    ratio_inf = np.array([row[6] / row[4] for row in rows])
    worst = int(np.argmax(ratio_star))
    holds = bool(np.all(ratio_star <= 1 + FLOAT_RTOL) and np.all(ratio_inf <= 1 + FLOAT_RTOL))
    return CheckResult(
        key="S5",
        statement="for Script-S a span of eigenvectors of Sigma_S, some alpha > 0 gives "
        "E[ER] <= (sigma^2/n) tr(Sigma (P Sigma_S P)^+) + 2 tr(Sigma P^perp) ||theta_*||^2",
        status="reconstructed",
        tag="[P form; hypotheses R]",
        sense="<=",
        bound=rows[worst][4],
        empirical=rows[worst][5],
        uncertainty=0.0,
        allowance=f"closed forms: ratio <= 1 + {FLOAT_RTOL:g} at alpha* and at inf_alpha",
        holds=holds,
        kind="deterministic",
        details=dict(
            bound_scale=scale,
            ratios=ratio_star,
            ratio_label="E[ER] at alpha* / RHS",
            worst_ratio_alpha_star=float(ratio_star.max()),
            worst_ratio_inf_alpha=float(ratio_inf.max()),
            sketched_subspace_ratio=float(max(sketched)) if sketched else None,
            sketch_dim=m,
            rbar=rbar,
            n_configurations=len(rows),
            worst=dict(
                n=rows[worst][0], theta=rows[worst][1], sigma=rows[worst][2], k=rows[worst][3]
            ),
        ),
    )


def check_variance_bias_general_subspace(
    eps: float = 1e-6, bound_scale: float = 1.0
) -> CheckResult:
    """S5 for a general (non-invariant) subspace: the ADV-D counterexample, failing by design.

    Notes
    -----
    ADV-D (our construction): ``S = {0, 1}``, ``Sigma_S = diag(1, eps)``,
    ``Sigma = 0.05 Sigma_S + u u'``, ``theta_* = (0, 100)``, ``sigma^2 = 2``. For
    ``Script-S = span(u)`` the RHS is about 502 while ``inf_alpha E[ER]`` is about 4951
    (ratio ~ 9.86): the poster form is false for general subspaces. ``span(e_1)`` (invariant)
    gives ratio ~ 0.495 and is reported in ``details``. ``bound_scale`` multiplies the
    right-hand side; with a factor above the ratio the counterexample stops failing, and the
    verdict says so ("HOLDS, designed to fail").
    """
    scale = check_bound_scale(bound_scale)
    inst = adversarial_d(eps)
    s = np.array([0, 1])
    n, n_samples, sigma2 = 2, inst.n_samples, 2.0
    g = inst.features
    trace = float(np.sum(g**2)) / n_samples
    ridge = CoresetRidge(g, s)
    best = ridge.minimize(inst.theta, sigma2, n_grid=2000)
    theta_sq = float(inst.theta @ inst.theta)
    out = {}
    for name, q in (
        ("span(u)", np.array([[1.0], [1.0]]) / np.sqrt(2)),
        ("span(e1)", np.array([[1.0], [0.0]])),
    ):
        terms = subspace_terms(g @ q, g[s] @ q, n_samples, n, trace)
        rhs = scale * _bound(sigma2, n, *terms, theta_sq)
        out[name] = (rhs, best.risk / rhs)
    rhs, ratio = out["span(u)"]
    return CheckResult(
        key="S5-general",
        statement="the same bound for a general Script-S inside Range(Sigma_S) "
        "(counterexample ADV-D, Script-S = span(u))",
        status="reconstructed",
        tag="[P form; OURS counterexample]",
        sense="<=",
        bound=rhs,
        empirical=best.risk,
        uncertainty=0.0,
        allowance=f"closed forms: ratio <= 1 + {FLOAT_RTOL:g}",
        holds=bool(ratio <= 1 + FLOAT_RTOL),
        expected_to_hold=False,
        kind="deterministic",
        details=dict(
            bound_scale=scale,
            ratios=np.array([out["span(u)"][1], out["span(e1)"][1]]),
            ratio_label="inf_alpha E[ER] / RHS",
            configurations=["span(u) (non-invariant)", "span(e1) (invariant)"],
            rhs_span_u=out["span(u)"][0],
            rhs_span_e1=out["span(e1)"][0],
            ratio_span_e1=out["span(e1)"][1],
            best_alpha=best.alpha,
        ),
    )
