"""Turn sampling weights s (on the capped simplex) into n distinct indices.

The cap ``s <= 1/n`` is what makes ``pi = n s`` a valid vector of inclusion probabilities
(each at most 1, summing to n), so a fixed-size design can include point i with probability
exactly ``n s_i``. Three samplers:

* ``"systematic"`` (default): systematic pi-ps sampling on a random order: exact inclusion
  probabilities ``n s_i``, exactly n distinct points, and every point with ``n s_i = 1`` is
  taken. It is the default because it is the only one of the three that realises the
  distribution the program optimised (``E[G~_S' G~_S / n] = G~' diag(s) G~``).
* ``"authors"``: the authors' notebook draw, ``rng.choice(N, n, p=s, replace=False)``
  (sequential weighted sampling without replacement); its inclusion probabilities are not
  ``n s`` (large weights are under-included).
* ``"top"``: the n largest weights (ties broken at random); deterministic given s.
"""

from __future__ import annotations

import numpy as np

from ._validation import RngLike, as_generator, check_choice, check_int, check_vector
from .errors import ValidationError

__all__ = ["SAMPLERS", "inclusion_probabilities", "sample_indices"]

SAMPLERS = ("systematic", "authors", "top")


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


def _systematic(s: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(s.size)
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
    s: np.ndarray, n: int, sampler: str = "systematic", rng: RngLike = None
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

    Returns
    -------
    ndarray of int, shape (n,)
        Distinct indices, sorted.

    Raises
    ------
    ValidationError
        A bad s, n, sampler or rng (the message names it and the bad value).
    """
    s = check_vector(s, "s")
    if np.any(s < 0):
        first = int(np.argmax(s < 0))
        raise ValidationError(f"s must be non-negative, got s[{first}] = {s[first]}")
    n = check_int(n, "n", 1, s.size)
    sampler = check_choice(sampler, "sampler", SAMPLERS)
    gen = as_generator(rng)
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
    return np.sort(_SAMPLERS[sampler](s, n, gen))
