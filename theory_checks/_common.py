"""Small helpers shared by the checks: instance coercion, coresets, binomial tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import binom, norm

from skmm_convex import GMMData
from skmm_convex._validation import as_generator, check_matrix
from skmm_convex.errors import ValidationError

from .instances import Instance

__all__ = [
    "FLOAT_RTOL",
    "as_instance",
    "as_instances",
    "Z_LIMIT",
    "binomial_lower_critical",
    "binomial_lower_ok",
    "binomial_lower_power",
    "binomial_upper_critical",
    "binomial_upper_ok",
    "check_bound_scale",
    "normal_false_alarm",
    "uniform_coreset",
]

#: deterministic inequalities pass if LHS <= RHS (1 + FLOAT_RTOL) (the protocol of docs/theory.md)
FLOAT_RTOL = 1e-8
#: Monte Carlo means are compared within this many standard errors
Z_LIMIT = 4.0


def check_bound_scale(bound_scale: float) -> float:
    """``bound_scale`` (the factor put on a statement's bound) as a positive float."""
    value = float(bound_scale)
    if not (np.isfinite(value) and value > 0):
        raise ValidationError(f"bound_scale must be a positive finite number, got {bound_scale!r}")
    return value


def as_instance(problem, theta: np.ndarray | None = None, rng=0) -> Instance:
    """Coerce an :class:`Instance`, a :class:`skmm_convex.GMMData` or a matrix G.

    For ``GMMData`` theta_* is its latent parameter; for a bare G it is ``theta`` or, if not
    given, a standard normal vector drawn from ``rng``.
    """
    if isinstance(problem, Instance):
        return problem if theta is None else Instance(problem.name, problem.features, theta)
    if isinstance(problem, GMMData):
        features, default = problem.features, problem.latent
        name = "GMM"
    else:
        features = np.asarray(check_matrix(problem, "problem"), dtype=float)
        default, name = None, "G"
    features = np.asarray(features, dtype=float)
    if theta is None:
        theta = (
            default if default is not None else as_generator(rng).standard_normal(features.shape[1])
        )
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (features.shape[1],):
        raise ValidationError(f"theta must have shape ({features.shape[1]},), got {theta.shape}")
    return Instance(name, features, theta)


def as_instances(problems) -> list[Instance]:
    """One instance or a sequence of them, as a list."""
    if isinstance(problems, Sequence) and not isinstance(problems, np.ndarray):
        return [as_instance(p) for p in problems]
    return [as_instance(problems)]


def uniform_coreset(n_samples: int, n: int, gen: np.random.Generator) -> np.ndarray:
    """n distinct indices, uniformly without replacement, sorted."""
    if not 1 <= n <= n_samples:
        raise ValidationError(f"coreset size must be in [1, N={n_samples}], got {n}")
    return np.sort(gen.choice(n_samples, n, replace=False))


def binomial_upper_ok(failures: int, trials: int, p: float, level: float = 0.01) -> bool:
    """Do not reject ``P(failure) <= p``: ``P(Binom(T, p) >= failures) >= level``."""
    return bool(binom.sf(failures - 1, trials, p) >= level)


def binomial_lower_ok(successes: int, trials: int, p: float, level: float = 0.01) -> bool:
    """Do not reject ``P(success) >= p``: ``P(Binom(T, p) <= successes) >= level``."""
    return bool(binom.cdf(successes, trials, p) >= level)


def binomial_lower_critical(trials: int, p: float, level: float = 0.01) -> int:
    """The fewest successes out of ``trials`` that :func:`binomial_lower_ok` accepts."""
    k = int(binom.ppf(level, trials, p))
    while k > 0 and binom.cdf(k - 1, trials, p) >= level:
        k -= 1
    while binom.cdf(k, trials, p) < level:
        k += 1
    return k


def binomial_upper_critical(trials: int, p: float, level: float = 0.01) -> int:
    """The most failures out of ``trials`` that :func:`binomial_upper_ok` accepts."""
    f = int(binom.isf(level, trials, p))
    while binom.sf(f, trials, p) >= level:  # P(X >= f + 1) >= level: f + 1 still accepted
        f += 1
    while f > 0 and binom.sf(f - 1, trials, p) < level:
        f -= 1
    return f


def binomial_lower_power(trials: int, p: float, p_alt: float, level: float = 0.01) -> float:
    """Probability that a true success rate ``p_alt < p`` is caught by the lower test."""
    return float(binom.cdf(binomial_lower_critical(trials, p, level) - 1, trials, p_alt))


def normal_false_alarm(n_tests: int, two_sided: bool, z_limit: float = Z_LIMIT) -> float:
    """Union bound on the chance that ``n_tests`` true mean comparisons flag one as failing.

    Each compares a Monte Carlo mean with its claim within ``z_limit`` standard errors; the
    tail is the normal approximation of the mean of many draws.
    """
    return float(min(1.0, n_tests * (2 if two_sided else 1) * norm.sf(z_limit)))
