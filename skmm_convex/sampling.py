"""Turn sampling weights s (on the capped simplex) into n distinct indices.

The cap ``s <= 1/n`` is what makes ``pi = n s`` a valid vector of inclusion probabilities
(each at most 1, summing to n), so a fixed-size design can include point i with probability
exactly ``n s_i``. Three samplers:

* ``"systematic"`` (default): systematic pi-ps sampling: exact inclusion probabilities
  ``n s_i``, exactly n distinct points, and every point with ``n s_i = 1`` is taken. It is the
  default because it is the only one of the three that realises the distribution the program
  optimised (``E[G~_S' G~_S / n] = G~' diag(s) G~``). The sweep runs along a random order, or,
  given ``strata`` (an integer label per point), along an order that keeps each stratum in one
  contiguous block (strata in random order, points in random order within their stratum):
  implicit stratification. The inclusion probabilities stay exactly ``n s_i`` (they do for any
  order fixed before the uniform start is drawn); only the joint inclusion changes: a stratum
  whose inclusion probabilities sum to M receives ``floor(M)`` or ``ceil(M)`` points, never
  fewer, so a stratum with ``M >= 1`` is never missed. :func:`dominant_direction` gives
  label-free strata from the sketch (what :func:`skmm_convex.select` uses by default).
* ``"authors"``: the authors' notebook draw, ``rng.choice(N, n, p=s, replace=False)``
  (sequential weighted sampling without replacement); its inclusion probabilities are not
  ``n s`` (large weights are under-included).
* ``"top"``: the n largest weights (ties broken at random); deterministic given s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import RngLike, as_generator, check_choice, check_int, check_vector
from .errors import ValidationError

__all__ = [
    "SAMPLERS",
    "SKMM_SAMPLERS",
    "dominant_direction",
    "inclusion_probabilities",
    "sample_indices",
    "skmm_sample",
]

SAMPLERS = ("systematic", "authors", "top")
# SkMM's samplers: the stratified sweep (its default) and the others
SKMM_SAMPLERS = ("stratified", *SAMPLERS)


def inclusion_probabilities(s: np.ndarray, n: int) -> np.ndarray:
    """``pi = n s / sum(s)`` with every entry capped at 1 and the excess redistributed.

    For s on the capped simplex this is ``n s`` up to rounding; the capping loop only removes
    floating-point excess so that ``pi <= 1`` and ``sum(pi) = n`` hold exactly enough for
    systematic sampling.
    """
    pi = n * s / s.sum()
    for _ in range(100):
        over = pi > 1.0
        if not over.any():
            break
        excess = float(np.sum(pi[over] - 1.0))
        pi[over] = 1.0
        free = (pi > 0) & (pi < 1.0)
        pi[free] += excess * pi[free] / pi[free].sum()
    return pi


def dominant_direction(whitened: np.ndarray) -> np.ndarray:
    """Label-free strata from the sketch: each point's direction of largest ``|Z_ij|``.

    Parameters
    ----------
    whitened : ndarray, shape (N, k)
        ``Z``, the whitened sketch (:attr:`skmm_convex.moments.SketchedMoments.whitened`),
        whose squared entries are the moment matrix ``B[j, i] = Z_ij^2``.

    Returns
    -------
    ndarray of int, shape (N,)
        ``argmax_j |Z_ij|``, in ``[0, k)``.

    Notes
    -----
    Point i contributes ``s_i Z_ij^2`` to the moment condition ``(B s)_j >= 1/c_S`` of
    direction j; grouping points by the direction they contribute most to keeps points that
    serve the same moment condition (on clustered data: the same cluster) contiguous in the
    systematic sweep. It uses the sketch only, never labels or cluster ids.
    """
    whitened = np.asarray(whitened, dtype=np.float64)
    if whitened.ndim != 2 or whitened.shape[1] == 0:
        raise ValidationError(
            f"whitened must be a 2-d array with at least one column, got shape {whitened.shape}"
        )
    return np.argmax(np.abs(whitened), axis=1)


def _check_strata(strata: Any, size: int) -> np.ndarray:
    array = np.asarray(strata)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValidationError(
            f"strata must be an array of ints (one stratum label per point), got dtype "
            f"{array.dtype}"
        )
    if array.shape != (size,):
        raise ValidationError(
            f"strata must have shape ({size},) (one label per entry of s), got {array.shape}"
        )
    return np.unique(array, return_inverse=True)[1].reshape(-1)


def _sweep_order(size: int, strata: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """A random order, or one with each stratum contiguous (strata and members shuffled)."""
    order = rng.permutation(size)
    if strata is None:
        return order
    rank = rng.permutation(int(strata.max()) + 1)  # the strata's random order
    return order[np.argsort(rank[strata[order]], kind="stable")]


def _systematic(
    s: np.ndarray, n: int, rng: np.random.Generator, strata: np.ndarray | None = None
) -> np.ndarray:
    order = _sweep_order(s.size, strata, rng)
    cumulative = np.cumsum(inclusion_probabilities(s, n)[order])
    cumulative[-1] = max(cumulative[-1], float(n))  # absorb rounding so every point lands
    points = rng.random() + np.arange(n)
    chosen = order[np.searchsorted(cumulative, points, side="right")]
    return _top_up(chosen, s, n, rng)


def _authors(s: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(s.size, size=n, replace=False, p=s / s.sum())


def _top(s: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(s.size)
    return order[np.argsort(-s[order], kind="stable")[:n]]


def _top_up(chosen: np.ndarray, s: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Guard against rounding making systematic sampling hit one point twice (measure zero)."""
    chosen = np.unique(chosen)
    if chosen.size < n:
        rest = np.setdiff1d(_top(s, s.size, rng), chosen, assume_unique=True)
        chosen = np.concatenate([chosen, rest[: n - chosen.size]])
    return chosen


_SAMPLERS = {"systematic": _systematic, "authors": _authors, "top": _top}


def sample_indices(
    s: np.ndarray,
    n: int,
    sampler: str = "systematic",
    rng: RngLike = None,
    strata: Any = None,
) -> np.ndarray:
    """Draw n distinct indices from the weights s.

    Parameters
    ----------
    s : array_like, shape (N,)
        Finite non-negative weights (float or int) with at least n positive entries, at any
        scale (normalised here). For ``"systematic"`` also ``max(s) <= sum(s) / n``.
    n : int
        Number of indices, in ``[1, N]``.
    sampler : {"systematic", "authors", "top"}
        See the module docstring; ``"systematic"`` gives inclusion probabilities ``n s_i``.
    rng : int, Generator or None
    strata : array_like of int, shape (N,), optional
        A stratum label per point, for ``"systematic"`` only: the sweep keeps each stratum
        contiguous (see the module docstring). None (default) sweeps a random order.

    Returns
    -------
    ndarray of int, shape (n,)
        Distinct indices, sorted.

    Raises
    ------
    ValidationError
        A bad s, n, sampler, rng or strata (the message names it and the bad value).

    Notes
    -----
    Systematic sampling: with ``pi = n s / sum(s)`` cumulated along the sweep order into
    ``C_0 = 0 < C_1 < ... < C_N = n`` and one uniform ``u`` in ``[0, 1)``, point i is taken
    iff some ``u + k`` (k = 0..n-1) lies in ``[C_{i-1}, C_i)``, which happens with
    probability exactly ``pi_i`` (as ``pi_i <= 1``). A block of the sweep with total ``M``
    contains ``floor(M)`` or ``ceil(M)`` of the points ``u + k``.
    """
    s = check_vector(s, "s")
    if np.any(s < 0):
        first = int(np.argmax(s < 0))
        raise ValidationError(f"s must be non-negative, got s[{first}] = {s[first]}")
    n = check_int(n, "n", 1, s.size)
    sampler = check_choice(sampler, "sampler", SAMPLERS)
    gen = as_generator(rng)
    if strata is not None:
        if sampler != "systematic":
            raise ValidationError(
                f"strata is only used by sampler='systematic', got sampler={sampler!r}"
            )
        strata = _check_strata(strata, s.size)
    positive = int(np.count_nonzero(s))
    if positive < n:
        raise ValidationError(
            f"s must have at least n={n} positive entries to draw n distinct indices, "
            f"got {positive}"
        )
    s = s / np.max(s)  # scale-free from here on: no overflow of sum(s), no underflow of s/sum
    ratio = float(np.max(s) * n / s.sum())
    if sampler == "systematic" and ratio > 1 + 1e-6:
        raise ValidationError(
            f"s must satisfy max(s) <= sum(s)/n for sampler='systematic' (inclusion "
            f"probabilities n*s/sum(s) <= 1), got max(s)*n/sum(s) = {ratio:.6g}; cap s at "
            "sum(s)/n or use sampler='authors' or 'top'"
        )
    if sampler == "systematic":
        return np.sort(_systematic(s, n, gen, strata))
    return np.sort(_SAMPLERS[sampler](s, n, gen))


def skmm_sample(
    s: np.ndarray, n: int, sampler: str, moments: Any, rng: np.random.Generator
) -> np.ndarray:
    """Draw SkMM's n indices from the weights s with one of :data:`SKMM_SAMPLERS`.

    ``"stratified"`` is systematic sampling swept stratum by stratum, the strata being
    :func:`dominant_direction` of the whitened sketch
    ``moments.whitened`` (label-free); the other names are passed to
    :func:`sample_indices` unchanged.
    """
    if sampler == "stratified":
        strata = dominant_direction(moments.whitened)
        return sample_indices(s, n, "systematic", rng, strata=strata)
    return sample_indices(s, n, sampler, rng)
