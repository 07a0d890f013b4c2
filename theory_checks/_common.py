"""Small helpers shared by the checks: instance coercion, coresets, binomial tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import binom

from skmm_convex import GMMData
from skmm_convex._validation import as_generator, check_matrix
from skmm_convex.errors import ValidationError

from .instances import Instance

__all__ = [
    "FLOAT_RTOL",
    "as_instance",
    "as_instances",
    "binomial_lower_ok",
    "binomial_upper_ok",
    "uniform_coreset",
]

#: deterministic inequalities pass if LHS <= RHS (1 + FLOAT_RTOL) (theory.md section 5)
FLOAT_RTOL = 1e-8


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
