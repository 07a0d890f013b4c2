"""S10 and S11: our helper lemma (range finder) and the identity linking S7 to S5."""

from __future__ import annotations

import numpy as np

from skmm_convex._validation import as_generator

from ._common import as_instance, uniform_coreset
from .linalg import generalized_max_eig, orthonormal_basis, tail_trace
from .result import CheckResult

__all__ = ["check_range_finder", "check_sketch_subspace_identity"]


def check_range_finder(problem, *, sketch_dim: int | None = None, n_gammas: int = 30, rng=0):
    """S10 [OURS]: ``E_Gamma tr(Sigma P^perp) <= (1 + k/(m-k-1)) tr(Sigma - <Sigma>_k)``.

    Notes
    -----
    k = r_bar, m = 11 r_bar by default; the subspace is ``Range(Sigma Gamma)``, the row space
    explored by ``G~ = G Gamma`` (``G'G~ = N Sigma Gamma``). Pass if the mean over T draws is
    at most the bound + 4 SE. Also reported: the exact Halko-Martinsson-Tropp setting
    ``Range(Sigma^{1/2} Gamma)``, and the Markov consequence (fraction of draws with
    ``tr(Sigma P^perp) <= 11 tr(Sigma - <Sigma>_rbar)``, claimed >= 0.9).
    """
    inst = as_instance(problem)
    gen = as_generator(rng)
    g, spec = inst.features, inst.spectrum
    k = inst.rbar
    m = 11 * k if sketch_dim is None else int(sketch_dim)
    tail = tail_trace(spec.eigenvalues, k)
    bound = (1 + k / (m - k - 1)) * tail
    power, plain = [], []
    root = spec.basis * np.sqrt(spec.eigenvalues)  # Sigma^{1/2} = root @ basis'
    for _ in range(n_gammas):
        gamma = gen.standard_normal((inst.n_features, m)) / np.sqrt(m)
        q = orthonormal_basis(g.T @ (g @ gamma))
        power.append(spec.trace - float(np.sum((g @ q) ** 2)) / inst.n_samples)
        q = orthonormal_basis(root @ (spec.basis.T @ gamma))
        plain.append(spec.trace - float(np.sum((g @ q) ** 2)) / inst.n_samples)
    power, plain = np.array(power), np.array(plain)
    se = float(power.std(ddof=1) / np.sqrt(n_gammas))
    return CheckResult(
        key="S10",
        statement="range finder: E tr(Sigma P_perp[Range(Sigma Gamma)]) <= "
        "(1 + k/(m-k-1)) tr(Sigma - <Sigma>_k), k = rbar, m = 11 rbar",
        status="ours",
        tag="[OURS; HMT]",
        sense="<=",
        bound=bound,
        empirical=float(power.mean()),
        uncertainty=se,
        allowance=f"mean over T={n_gammas} Gamma <= bound + 4 SE",
        holds=bool(power.mean() <= bound + 4 * se),
        details=dict(
            ratios=power / bound,
            ratio_label="tr(Sigma P_perp) / HMT bound (each Gamma)",
            k=k,
            sketch_dim=m,
            tail=tail,
            hmt_sqrt_range_mean=float(plain.mean()),
            hmt_sqrt_range_ratio=float(plain.mean() / bound),
            markov_fraction=float(np.mean(power <= 11 * tail)),
        ),
    )


def check_sketch_subspace_identity(
    problem, *, n: int = 120, sketch_dim: int = 40, n_gammas: int = 5, rng=0
) -> CheckResult:
    """S11 [OURS, exact]: ``tr(Sigma~ Sigma~_S^{-1}) = tr(Sigma (P_Gamma Sigma_S P_Gamma)^+)``.

    Notes
    -----
    ``Gamma (Gamma'Sigma_S Gamma)^{-1} Gamma' = Q (Q'Sigma_S Q)^{-1} Q' = (P Sigma_S P)^+`` for
    Q an orthonormal basis of Range(Gamma); also the generalized eigenvalues agree, and both
    are invariant under ``Gamma -> Gamma R``. The right side is computed with an explicit
    r x r pseudo-inverse, so use a small, well-conditioned instance (rounding grows with the
    condition number of ``Q'Sigma_S Q``; the default instance is a Gaussian G). Pass: relative
    differences <= 1e-8.
    """
    inst = as_instance(problem)
    gen = as_generator(rng)
    g = inst.features
    n_samples, r = g.shape
    sigma = g.T @ g / n_samples
    diffs = []
    for _ in range(n_gammas):
        s = uniform_coreset(n_samples, n, gen)
        sigma_s = g[s].T @ g[s] / n
        gamma = gen.standard_normal((r, sketch_dim)) / np.sqrt(sketch_dim)
        q = np.linalg.qr(gamma)[0]
        p = q @ q.T
        inner = p @ sigma_s @ p
        rhs = float(
            np.trace(sigma @ np.linalg.pinv((inner + inner.T) / 2, rcond=1e-10, hermitian=True))
        )
        sigma_t, sigma_ts = gamma.T @ sigma @ gamma, gamma.T @ sigma_s @ gamma
        lhs = float(np.trace(np.linalg.solve(sigma_ts, sigma_t)))
        # an invertible R with condition number <= 4, so rounding stays far below 1e-8
        left, right = (
            np.linalg.qr(gen.standard_normal((sketch_dim, sketch_dim)))[0] for _ in range(2)
        )
        rot = gamma @ (left * gen.uniform(0.5, 2.0, sketch_dim)) @ right
        lhs_rot = float(np.trace(np.linalg.solve(rot.T @ sigma_s @ rot, rot.T @ sigma @ rot)))
        c_sketch = generalized_max_eig(sigma_t, sigma_ts)
        c_sub = generalized_max_eig(q.T @ sigma @ q, q.T @ sigma_s @ q)
        diffs.append(
            (
                lhs,
                rhs,
                abs(lhs - rhs) / abs(rhs),
                abs(lhs_rot - lhs) / abs(lhs),
                abs(c_sketch - c_sub) / c_sub,
            )
        )
    worst = max(diffs, key=lambda d: max(d[2:]))
    rel = np.array([max(d[2:]) for d in diffs])
    return CheckResult(
        key="S11",
        statement="identity: tr(Sigma~ Sigma~_S^-1) = tr(Sigma (P_Gamma Sigma_S P_Gamma)^+), "
        "invariant under Gamma -> Gamma R",
        status="ours",
        tag="[OURS, exact]",
        sense="<=",
        bound=worst[1],
        empirical=worst[0],
        uncertainty=0.0,
        allowance="relative difference <= 1e-8 (both sides, rotation, generalized eigenvalue)",
        holds=bool(np.all(rel <= 1e-8)),
        details=dict(
            ratios=np.array([d[0] / d[1] for d in diffs]),
            ratio_label="tr(Sigma~ Sigma~_S^-1) / tr(Sigma (P Sigma_S P)^+)",
            max_relative_difference=float(rel.max()),
        ),
    )
