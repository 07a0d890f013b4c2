"""F0: every coreset without repetition has ``c_S >= n/N`` (an identity of the algebra)."""

from __future__ import annotations

import numpy as np

from skmm_convex._validation import as_generator

from ._common import as_instances, uniform_coreset
from .linalg import generalized_max_eig
from .result import CheckResult

__all__ = ["check_coreset_moment_floor"]


def check_coreset_moment_floor(
    problems,
    *,
    n_values=(48, 100, 400),
    n_subsets: int = 3,
    sketch_dim: int | None = None,
    full_matrix_subsets: int = 1,
    replace: bool = False,
    rng=0,
) -> CheckResult:
    """Check ``Sigma >= (n/N) Sigma_S`` and ``c* >= n/N`` for every computed c*.

    Parameters
    ----------
    problems : Instance, GMMData, ndarray of shape (N, r) or a sequence of them
        Include one with ``r <= min(n_values)``: only there is the low-dimensional
        ``c*(Sigma, Sigma_S)`` finite, so only there is it tested.
    n_values : sequence of int
        Coreset sizes.
    n_subsets : int
        Uniform coresets (without replacement) per size.
    sketch_dim : int, optional
        m for the sketched constant ``c*(Sigma~, Sigma~_S)``; default ``11 r_bar``.
    full_matrix_subsets : int
        How many coresets per size also get the r x r check
        ``lambda_min(Sigma - (n/N) Sigma_S) >= -1e-10 ||Sigma||_2`` (an r x r eigenvalue
        problem each).
    rng : int or Generator

    Notes
    -----
    ``Sigma = (1/N) sum_i g_i g_i' >= (1/N) sum_{i in S} g_i g_i' = (n/N) Sigma_S``, so any c
    with ``Sigma <= c Sigma_S`` (or its subspace or sketched forms) is at least n/N. The
    constants computed: low-dimensional ``c*(Sigma, Sigma_S)`` (inf when r > n), subspace
    ``c*(Q'Sigma Q, Q'Sigma_S Q)`` for Q the top-r_bar eigenvectors of Sigma_S, and sketched
    ``c*(Sigma~, Sigma~_S)``. This is algebra (a sum of outer products is PSD), so the
    check is an identity: it tests the generalized-eigenvalue code, not the paper. A coreset
    drawn WITH replacement can break the inequality (duplicates); with ``replace=False`` one
    such draw per size is reported in ``details`` and is not part of the check.
    """
    gen = as_generator(rng)
    rows, lam_min_rel, repl_lam_min, names = [], [], [], []
    settings = (n_values, n_subsets, sketch_dim, full_matrix_subsets, replace)
    for inst in as_instances(problems):
        names.append(inst.name)
        more_rows, more_lam, more_repl = _one_instance(inst, settings, gen)
        rows += more_rows
        lam_min_rel += more_lam
        repl_lam_min += more_repl
    ratios = np.array([c / floor for (*_, c, floor) in rows])
    worst = int(np.argmin(ratios))
    holds = bool(np.all(ratios >= 1 - 1e-10)) and bool(np.all(np.array(lam_min_rel) >= -1e-10))
    finite = {
        kind: int(sum(1 for row in rows if row[3] == kind and np.isfinite(row[4])))
        for kind in ("low-dim", "subspace", "sketched")
    }
    return CheckResult(
        key="F0",
        statement="every coreset S without repetition has Sigma >= (n/N) Sigma_S, "
        "hence c_S >= n/N for every moment constant",
        status="certain",
        tag="[I]",
        sense=">=",
        bound=rows[worst][5],
        empirical=rows[worst][4],
        uncertainty=0.0,
        allowance="exact: c* >= (n/N)(1 - 1e-10), lambda_min >= -1e-10 ||Sigma||",
        holds=holds,
        kind="identity",
        details=dict(
            instances=names,
            ratios=ratios,
            ratio_label="c* / (n/N)",
            configurations=[f"{name} n={n} S#{j} {kind}" for (name, n, j, kind, _, _) in rows],
            finite_constants_tested=finite,
            min_lambda_rel=min(lam_min_rel) if lam_min_rel else None,
            with_replacement_min_lambda_rel=min(repl_lam_min) if repl_lam_min else None,
            replace=replace,
            worst=rows[worst][:4],
        ),
    )


def _one_instance(inst, settings, gen) -> tuple[list, list, list]:
    """F0's rows ``(name, n, j, kind, c*, n/N)``, and the relative lambda_min of
    ``Sigma - (n/N) Sigma_S`` without and with replacement, for one instance."""
    n_values, n_subsets, sketch_dim, full_matrix_subsets, replace = settings
    rows, lam_min_rel, repl_lam_min = [], [], []
    g = inst.features
    n_samples, r = g.shape
    rbar = inst.rbar
    m = 11 * rbar if sketch_dim is None else int(sketch_dim)
    gamma = gen.standard_normal((r, m)) / np.sqrt(m)
    sketch = g @ gamma
    sigma_t = sketch.T @ sketch / n_samples
    sigma = None
    for n in n_values:
        for j in range(n_subsets):
            if replace:
                s = np.sort(gen.choice(n_samples, n, replace=True))
            else:
                s = uniform_coreset(n_samples, n, gen)
            g_s = g[s]
            floor = n / n_samples
            _, sing, wt = np.linalg.svd(g_s / np.sqrt(n), full_matrices=False)
            keep = min(rbar, int(np.sum(sing > 1e-6 * sing[0])))
            q = wt[:keep].T
            gq = g @ q
            c_sub = generalized_max_eig(gq.T @ gq / n_samples, np.diag(sing[:keep] ** 2))
            c_low = generalized_max_eig(g.T @ g / n_samples, g_s.T @ g_s / n) if r <= n else np.inf
            c_sk = generalized_max_eig(sigma_t, sketch[s].T @ sketch[s] / n)
            for kind, c in (("low-dim", c_low), ("subspace", c_sub), ("sketched", c_sk)):
                rows.append((inst.name, n, j, kind, c, floor))
            if j < full_matrix_subsets:
                if sigma is None:
                    sigma = g.T @ g / n_samples
                    sigma_norm = float(np.linalg.eigvalsh(sigma)[-1])
                gap = sigma - floor * (g_s.T @ g_s / n)
                lam_min_rel.append(float(np.linalg.eigvalsh((gap + gap.T) / 2)[0]) / sigma_norm)
                if not replace:
                    dup = gen.choice(n_samples, n, replace=True)
                    gap = sigma - floor * (g[dup].T @ g[dup] / n)
                    lam = float(np.linalg.eigvalsh((gap + gap.T) / 2)[0])
                    repl_lam_min.append(lam / sigma_norm)
    return rows, lam_min_rel, repl_lam_min
