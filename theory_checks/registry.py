"""Which check runs on which instance with which sizes, in quick and full mode.

Full mode follows the protocol described in ``docs/theory.md`` (sizes, draws,
tolerances); quick mode keeps the same statements and pass rules on smaller instances and
fewer draws.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from . import instances as inst
from .bias import check_isotropic_bias_floor
from .exploration import check_low_intrinsic_dimension
from .range_finder import check_range_finder, check_sketch_subspace_identity
from .relaxation import check_diagonal_relaxation
from .result import CheckResult
from .sampling import check_uniform_sample_complexity
from .sketching import check_sketched_corollary, check_sketching
from .structural import check_coreset_moment_floor
from .tradeoff import check_variance_bias, check_variance_bias_general_subspace
from .variance import check_lowdim_cs_bound, check_lowdim_variance

__all__ = ["CHECKS", "IDENTITIES", "run_check", "run_all"]


@lru_cache(maxsize=8)
def _instance(name: str, quick: bool, seed: int):
    if name == "GMM-A":
        return inst.gmm_a(quick, seed)
    if name == "GMM-B":
        return inst.gmm_b(quick, seed)
    if name == "LOWDIM-C":
        sizes = (1000,) if quick else (2000,)
        return (inst.lowdim_c(sizes[0], 8, seed, "gmm"), inst.lowdim_c(sizes[0], 20, seed))
    if name == "LOWDIM-S3":
        return inst.lowdim_c(3000, 5, seed)
    if name == "ISO":
        return inst.isotropic(1000, 200, seed)
    if name == "GAUSS":
        gen = np.random.default_rng(np.random.SeedSequence([seed, 11]))
        return inst.Instance("Gaussian G", gen.standard_normal((300, 200)), np.zeros(200))
    raise KeyError(name)


def _f0(q, seed, scale):
    _identity(scale, "F0")
    # GMM-A (r > n: only the subspace and sketched constants are finite) and a
    # low-dimensional design, where c*(Sigma, Sigma_S) itself is finite and tested
    data = (_instance("GMM-A", q, seed), _instance("LOWDIM-C", q, seed)[1])
    return check_coreset_moment_floor(data, n_subsets=2 if q else 5, rng=seed)


def _s1(q, seed, scale):
    return check_lowdim_variance(
        _instance("LOWDIM-C", q, seed),
        n_values=(40, 100) if q else (40, 100, 400),
        n_subsets=3 if q else 20,
        n_draws=1000 if q else 2000,
        bound_scale=scale,
        rng=seed,
    )


def _s2(q, seed, scale):
    return check_lowdim_cs_bound(
        _instance("LOWDIM-C", q, seed),
        n_subsets=3 if q else 20,
        n_draws=1000 if q else 2000,
        bound_scale=scale,
        rng=seed,
    )


def _s3(q, seed, scale):
    return check_uniform_sample_complexity(
        _instance("LOWDIM-S3", q, seed),
        c_values=(2.0, 4.0) if q else (1.5, 2.0, 4.0),
        n_trials=100 if q else 200,
        grid_points=12 if q else 24,
        bound_scale=scale,
        rng=seed,
    )


def _s4(q, seed, scale):
    return check_isotropic_bias_floor(
        _instance("ISO", q, seed), n_thetas=60 if q else 500, bound_scale=scale, rng=seed
    )


def _s5(q, seed, scale):
    return check_variance_bias(
        _instance("GMM-A", q, seed),
        n_values=(48, 200) if q else (48, 100, 200, 400),
        n_subsets=1 if q else 5,
        bound_scale=scale,
        rng=seed,
    )


def _s5_general(q, seed, scale):
    return check_variance_bias_general_subspace(bound_scale=scale)


def _s6(q, seed, scale):
    return check_low_intrinsic_dimension(
        _instance("GMM-A", q, seed),
        n_values=(48, 400) if q else (48, 100, 400),
        n_subsets=2 if q else 5,
        bound_scale=scale,
        rng=seed,
    )


def _s7(q, seed, scale):
    # quick: GMM-B (where the bound is least loose) and one sketch size, but T = 200 draws,
    # so that a success rate of 0.8 is caught with probability 0.96 (T = 30 would accept 23)
    data = (_instance("GMM-B", q, seed),)
    if not q:
        data = (_instance("GMM-A", q, seed), *data)
    return check_sketching(
        data,
        n_values=(100, 200) if q else (100, 200, 400),
        sketch_dims=(88,) if q else None,
        n_gammas=200,
        sigmas=(0.1, 10.0) if q else (0.1, 1.0, 10.0),
        bound_scale=scale,
        rng=seed,
    )


def _s8(q, seed, scale):
    return check_sketched_corollary(
        _instance("GMM-B", q, seed), n_gammas=10 if q else 50, bound_scale=scale, rng=seed
    )


def _s9(q, seed, scale):
    _identity(scale, "S9")
    return check_diagonal_relaxation(_instance("GMM-A", q, seed), n_uniform=2 if q else 5, rng=seed)


def _s10(q, seed, scale):
    return check_range_finder(
        _instance("GMM-A", q, seed), n_gammas=20 if q else 60, bound_scale=scale, rng=seed
    )


def _s11(q, seed, scale):
    _identity(scale, "S11")
    return check_sketch_subspace_identity(
        _instance("GAUSS", q, seed), n_gammas=3 if q else 10, rng=seed
    )


def _identity(scale: float, key: str) -> None:
    if scale != 1.0:
        raise ValueError(f"{key} is an identity: it has no bound to scale (bound_scale={scale})")


#: key -> (runner(quick, seed, bound_scale) -> CheckResult, short title)
CHECKS: dict[str, tuple[Callable[[bool, int, float], CheckResult], str]] = {
    "F0": (_f0, "c_S >= n/N for every coreset"),
    "S1": (_s1, "low-dim variance identity"),
    "S2": (_s2, "low-dim c_S bound"),
    "S3": (_s3, "uniform sampling sample complexity"),
    "S4": (_s4, "isotropic bias floor r - n"),
    "S5": (_s5, "variance-bias bound, eigen-subspaces"),
    "S5-general": (_s5_general, "variance-bias bound, general subspace (ADV-D)"),
    "S6": (_s6, "low intrinsic dimension bound"),
    "S7": (_s7, "sketching theorem"),
    "S8": (_s8, "sketched corollary"),
    "S9": (_s9, "diagonal vs Loewner c_S"),
    "S10": (_s10, "range finder lemma"),
    "S11": (_s11, "sketch/subspace identity"),
}


#: the checks that hold by algebra: they test the implementation and have no bound to scale
IDENTITIES = frozenset({"F0", "S9", "S11"})


def run_check(
    key: str, quick: bool = False, seed: int = 0, bound_scale: float = 1.0
) -> CheckResult:
    """Run one registered check.

    Parameters
    ----------
    key : str
        One of :data:`CHECKS`.
    quick : bool
        Small instances and fewer draws (same statements and pass rules).
    seed : int
    bound_scale : float
        Factor on the statement's bound (1: the statement itself; negative controls use a
        factor the data violate). Identities have no bound and accept only 1.
    """
    if key not in CHECKS:
        raise KeyError(f"unknown check {key!r}; known: {', '.join(CHECKS)}")
    return CHECKS[key][0](quick, seed, bound_scale)


def run_all(quick: bool = False, seed: int = 0, keys=None) -> list[CheckResult]:
    """Run the registered checks in order."""
    return [run_check(key, quick, seed) for key in (keys or CHECKS)]
