"""S10 and S11: our helper lemma (range finder) and the identity linking S7 to S5."""

from __future__ import annotations

import numpy as np

from skmm_convex._validation import as_generator
from skmm_convex.errors import ValidationError

from ._common import (
    Z_LIMIT,
    as_instance,
    check_bound_scale,
    normal_false_alarm,
    uniform_coreset,
)
from .linalg import generalized_max_eig, orthonormal_basis, tail_trace
from .result import CheckResult

__all__ = ["check_range_finder", "check_sketch_subspace_identity", "default_range_settings"]


def default_range_settings(rbar: int) -> tuple[tuple[int, int], ...]:
    """(k, m) pairs of S10: the theorem's ``(r_bar, 11 r_bar)`` and small m, where the
    Halko-Martinsson-Tropp bound is nearly tight: ``(r_bar, 2 r_bar)``,
    ``(r_bar, r_bar + 4)`` and ``(2 r_bar, 4 r_bar)``."""
    pairs = ((rbar, 11 * rbar), (rbar, 2 * rbar), (rbar, rbar + 4), (2 * rbar, 4 * rbar))
    return tuple(dict.fromkeys(pairs))


def check_range_finder(
    problem,
    *,
    settings=None,
    n_gammas: int = 30,
    bound_scale: float = 1.0,
    rng=0,
) -> CheckResult:
    """S10 [OURS]: ``E_Gamma tr(Sigma P^perp) <= (1 + k/(m-k-1)) tr(Sigma - <Sigma>_k)``.

    Parameters
    ----------
    problem : Instance, GMMData or ndarray (N, r)
    settings : sequence of (k, m), optional
        Target ranks and sketch sizes, ``k <= m - 2``; default
        :func:`default_range_settings` of the instance's r_bar.
    n_gammas : int
        T, Gaussian Gamma per setting.
    bound_scale : float
        Factor on the bound (1: the statement).

    Notes
    -----
    Two subspaces per draw: ``Range(Sigma^{1/2} Gamma)``, the exact setting of the
    Halko-Martinsson-Tropp theorem (``A = Sigma^{1/2}``, ``||A - P A||_F^2 = tr(Sigma
    P^perp)``), where the bound is nearly tight at small m; and ``Range(Sigma Gamma)``, the
    row space explored by ``G~ = G Gamma`` (``G'G~ = N Sigma Gamma``), one power step
    better. For each setting and subspace the mean over T draws must be at most the bound +
    4 standard errors (sample standard deviation). The Markov consequence at the theorem's
    setting (fraction of draws with ``tr(Sigma P^perp) <= 11 tr(Sigma - <Sigma>_rbar)``,
    claimed >= 0.9) is reported.
    """
    scale = check_bound_scale(bound_scale)
    inst = as_instance(problem)
    gen = as_generator(rng)
    g, spec = inst.features, inst.spectrum
    settings = default_range_settings(inst.rbar) if settings is None else tuple(settings)
    for k, m in settings:
        if not 1 <= k <= m - 2:
            raise ValidationError(f"settings needs 1 <= k <= m - 2, got (k, m) = ({k}, {m})")
    root = spec.basis * np.sqrt(spec.eigenvalues)  # Sigma^{1/2} = root @ basis'
    rows, markov = [], None
    for k, m in settings:
        tail = tail_trace(spec.eigenvalues, k)
        bound = scale * (1 + k / (m - k - 1)) * tail
        values = {"Sigma^1/2 Gamma": [], "Sigma Gamma": []}
        for _ in range(n_gammas):
            gamma = gen.standard_normal((inst.n_features, m)) / np.sqrt(m)
            for name, span in (
                ("Sigma Gamma", g.T @ (g @ gamma)),
                ("Sigma^1/2 Gamma", root @ (spec.basis.T @ gamma)),
            ):
                q = orthonormal_basis(span)
                values[name].append(spec.trace - float(np.sum((g @ q) ** 2)) / inst.n_samples)
        for name, draws in values.items():
            draws = np.array(draws)
            mean, se = float(draws.mean()), float(draws.std(ddof=1) / np.sqrt(n_gammas))
            rows.append((k, m, name, mean, se, bound, draws))
        if (k, m) == (inst.rbar, 11 * inst.rbar):
            markov = float(np.mean(np.array(values["Sigma Gamma"]) <= 11 * tail))
    ok = [mean <= bound + Z_LIMIT * se for (_, _, _, mean, se, bound, _) in rows]
    worst = max(rows, key=lambda row: row[3] / row[5])
    return CheckResult(
        key="S10",
        statement="range finder: E tr(Sigma P_perp) <= (1 + k/(m-k-1)) tr(Sigma - <Sigma>_k) "
        "for Range(Sigma^1/2 Gamma) (HMT) and Range(Sigma Gamma), several (k, m)",
        status="ours",
        tag="[OURS; HMT]",
        sense="<=",
        bound=worst[5],
        empirical=worst[3],
        uncertainty=worst[4],
        allowance=f"mean over T={n_gammas} Gamma <= bound + {Z_LIMIT:g} SE, each (k, m) "
        "and subspace",
        holds=bool(all(ok)),
        kind="monte-carlo",
        draws=n_gammas,
        false_alarm=normal_false_alarm(len(rows), False),
        details=dict(
            ratios=np.concatenate([row[6] / row[5] for row in rows]),
            ratio_label="tr(Sigma P_perp) / HMT bound (each Gamma)",
            table=[
                dict(k=k, m=m, subspace=name, mean_ratio=mean / bound, se_ratio=se / bound)
                for (k, m, name, mean, se, bound, _) in rows
            ],
            worst=dict(k=worst[0], m=worst[1], subspace=worst[2]),
            markov_fraction=markov,
            bound_scale=scale,
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
    differences <= 1e-8. It is an identity (algebra), kept as a test of the subspace code.
    Its hypothesis ``Gamma'Sigma_S Gamma`` invertible needs ``n >= sketch_dim``: with
    ``n < sketch_dim`` (a broken input; both sides then use pseudo-inverses) the check fails.
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
        lhs = float(np.trace(_pinv(sigma_ts) @ sigma_t))
        # an invertible R with condition number <= 4, so rounding stays far below 1e-8
        left, right = (
            np.linalg.qr(gen.standard_normal((sketch_dim, sketch_dim)))[0] for _ in range(2)
        )
        rot = gamma @ (left * gen.uniform(0.5, 2.0, sketch_dim)) @ right
        lhs_rot = float(np.trace(_pinv(rot.T @ sigma_s @ rot) @ (rot.T @ sigma @ rot)))
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
        sense="=",
        bound=worst[1],
        empirical=worst[0],
        uncertainty=0.0,
        allowance="relative difference <= 1e-8 (both sides, rotation, generalized eigenvalue)",
        holds=bool(np.all(rel <= 1e-8)),
        kind="identity",
        details=dict(
            ratios=np.array([d[0] / d[1] for d in diffs]),
            ratio_label="tr(Sigma~ Sigma~_S^-1) / tr(Sigma (P Sigma_S P)^+)",
            max_relative_difference=float(rel.max()),
        ),
    )


def _pinv(matrix: np.ndarray) -> np.ndarray:
    """Pseudo-inverse of a symmetric matrix (the inverse when it is invertible)."""
    return np.linalg.pinv((matrix + matrix.T) / 2, rcond=1e-10, hermitian=True)
