"""Euclidean projection onto the capped simplex, to put solver output exactly on it."""

from __future__ import annotations

import numpy as np

__all__ = ["project_capped_simplex"]


def project_capped_simplex(s: np.ndarray, cap: float, iterations: int = 200) -> np.ndarray:
    """The nearest point to ``s`` in ``C = {0 <= x <= cap, sum(x) = 1}``, shape (N,).

    Parameters
    ----------
    s : ndarray, shape (N,)
        A point near ``C`` (a solver's answer, feasible only to the solver's tolerance).
    cap : float
        The upper bound ``1/n``; ``C`` is non-empty because ``N * cap >= 1``.
    iterations : int
        Bisection steps on the shift ``tau`` (200 reach machine precision).

    Returns
    -------
    ndarray, shape (N,)
        ``clip(s - tau, 0, cap)`` with ``tau`` found by bisection so that the sum is 1; its
        entries are within ``[0, cap]`` exactly and its sum is 1 up to rounding (``~N eps``).

    Notes
    -----
    The KKT conditions of ``min ||x - s||^2`` over ``C`` give ``x = clip(s - tau, 0, cap)``
    for the multiplier ``tau`` of ``sum(x) = 1``; ``sum(clip(s - tau, 0, cap))`` is continuous
    and non-increasing in ``tau``, so bisection finds it. A solver's point moves by about its
    own feasibility tolerance.
    """
    s = np.asarray(s, dtype=float)
    if s.size * cap <= 1.0 + 1e-12:  # C is the single point s = cap (n = N)
        return np.full(s.size, 1.0 / s.size)
    low, high = float(np.min(s)) - cap, float(np.max(s))  # sums: >= 1 at low, 0 at high
    for _ in range(iterations):
        tau = 0.5 * (low + high)
        if np.sum(np.clip(s - tau, 0.0, cap)) > 1.0:
            low = tau
        else:
            high = tau
        if high - low <= np.finfo(float).eps * max(1.0, abs(low)):
            break
    x = np.clip(s - 0.5 * (low + high), 0.0, cap)
    free = (x > 0.0) & (x < cap)
    if free.any():  # spread the last rounding error over the free entries
        x[free] += (1.0 - x.sum()) / free.sum()
        np.clip(x, 0.0, cap, out=x)
    return x
