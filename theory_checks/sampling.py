"""S3: uniform sampling reaches ``Sigma <= c Sigma_S`` with the poster's sample complexity."""

from __future__ import annotations

import numpy as np

from skmm_convex._validation import as_generator

from ._common import as_instance, binomial_upper_ok
from .linalg import generalized_max_eig
from .result import CheckResult

__all__ = ["check_uniform_sample_complexity", "theorem_sample_size"]


def theorem_sample_size(bound_sq: float, gamma: float, c: float, dim: int, delta: float) -> int:
    """``n_thm = ceil(B^4 / (gamma^2 (1 - 1/c)^2) (r + log(1/delta)))``, constant 1.

    ``bound_sq`` is ``B^2 = max_i ||g_i||^2`` and ``gamma = lambda_min(Sigma)``.
    """
    return int(np.ceil(bound_sq**2 / (gamma**2 * (1 - 1 / c) ** 2) * (dim + np.log(1 / delta))))


def _failure_count(
    g: np.ndarray, sigma: np.ndarray, n: int, c: float, trials: int, replace: bool, gen
) -> int:
    failures = 0
    for _ in range(trials):
        s = gen.choice(g.shape[0], n, replace=replace)
        if generalized_max_eig(sigma, g[s].T @ g[s] / n) > c:
            failures += 1
    return failures


def check_uniform_sample_complexity(
    problem,
    *,
    c_values=(1.5, 2.0, 4.0),
    delta: float = 0.1,
    n_trials: int = 200,
    grid_points: int = 24,
    level: float = 0.01,
    rng=0,
) -> CheckResult:
    """S3: with ``n >~ B^4/(gamma^2 (1-1/c)^2) (r + log 1/delta)`` uniform samples,
    ``Sigma <= c Sigma_S`` with probability >= 1 - delta.

    Parameters
    ----------
    problem : Instance, GMMData or ndarray (N, r)
        Low-dimensional design with ``Sigma > 0``.
    c_values : sequence of float
        The constants c > 1.
    delta : float
    n_trials : int
        T, uniform samples per size.
    grid_points : int
        Geometric grid of n in ``[r, n_thm]`` used to find the empirical n_delta.
    level : float
        Level of the one-sided exact binomial test of ``P(failure) <= delta``.

    Notes
    -----
    (a) At ``n_thm`` (constant 1) T samples with replacement (the i.i.d. reading) and, when
    ``n_thm < N``, without: the number of failures ``c*(Sigma, Sigma_S) > c`` must not reject
    ``P(failure) <= delta`` at ``level``. (b) n_delta, the smallest grid n whose failure
    rate is <= delta (with replacement); the empirical constant is ``max_c n_delta/n_thm``.
    (c) ``n_delta (1 - 1/c)^2`` should be about constant in c (within a factor 2).
    """
    inst = as_instance(problem)
    gen = as_generator(rng)
    g = inst.features
    n_samples, r = g.shape
    sigma = g.T @ g / n_samples
    bound_sq = float(np.max(np.sum(g**2, axis=1)))
    gamma = float(np.linalg.eigvalsh(sigma)[0])
    rows, tests = [], []
    for c in c_values:
        n_thm = theorem_sample_size(bound_sq, gamma, c, r, delta)
        fails_with = _failure_count(g, sigma, n_thm, c, n_trials, True, gen)
        tests.append(binomial_upper_ok(fails_with, n_trials, delta, level))
        fails_without = None
        if n_thm < n_samples:
            fails_without = _failure_count(g, sigma, n_thm, c, n_trials, False, gen)
            tests.append(binomial_upper_ok(fails_without, n_trials, delta, level))
        grid = np.unique(np.geomspace(r, n_thm, grid_points).astype(int))
        n_delta = n_thm
        for n in grid:
            if _failure_count(g, sigma, int(n), c, n_trials, True, gen) <= delta * n_trials:
                n_delta = int(n)
                break
        rows.append(
            dict(
                c=c,
                n_thm=n_thm,
                fails_with=fails_with,
                fails_without=fails_without,
                n_delta=n_delta,
                ratio=n_delta / n_thm,
                scaled=n_delta * (1 - 1 / c) ** 2,
            )
        )
    ratios = np.array([row["ratio"] for row in rows])
    scaled = np.array([row["scaled"] for row in rows])
    worst = int(np.argmax(ratios))
    constant = float(ratios.max())
    holds = bool(all(tests)) and constant <= 1
    return CheckResult(
        key="S3",
        statement="uniform sampling: n >~ B^4/(gamma^2 (1-1/c)^2) (r + log 1/delta) gives "
        "Sigma <= c Sigma_S with probability >= 1 - delta",
        status="certain",
        tag="[P; constant hidden]",
        sense="<=",
        bound=float(rows[worst]["n_thm"]),
        empirical=float(rows[worst]["n_delta"]),
        uncertainty=0.0,
        allowance=f"constant 1; exact binomial test of P(fail) <= {delta:g} at level "
        f"{level:g} over T={n_trials}",
        holds=holds,
        constant=constant,
        details=dict(
            ratios=ratios,
            ratio_label="n_delta / n_thm",
            B2=bound_sq,
            gamma=gamma,
            table=rows,
            scaling_spread=float(scaled.max() / scaled.min()),
            scaling_within_2=bool(scaled.max() / scaled.min() <= 2),
            binomial_tests_pass=bool(all(tests)),
            configurations=[f"c={row['c']:g}" for row in rows],
        ),
    )
