"""The capped simplex ``C = {0 <= s <= 1/n, sum(s) = 1}``: projection, repair, linear minimum.

Every weight vector the package returns lies in ``C``; the budget travels as ``n`` and the cap
``1/n`` is formed here and in the programs' Parameters only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gap_over_capped_simplex", "project_capped_simplex", "repair_capped_simplex"]


def project_capped_simplex(s: np.ndarray, n: int, iterations: int = 200) -> np.ndarray:
    """The nearest point to ``s`` in ``C = {0 <= x <= 1/n, sum(x) = 1}``, shape (N,).

    Parameters
    ----------
    s : ndarray, shape (N,)
        A point near ``C`` (a solver's answer, feasible only to the solver's tolerance).
    n : int
        The budget, in ``[1, N]`` (cap ``1/n``; ``C`` is non-empty because ``N / n >= 1``).
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
    cap = 1.0 / n
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


def repair_capped_simplex(s: np.ndarray, n: int) -> np.ndarray:
    """Move a solver's near-feasible ``s`` onto ``C``, keeping its zeros where possible.

    Parameters
    ----------
    s : ndarray, shape (N,)
        A point feasible to a solver's tolerance (an interior-point answer, an LP vertex).
    n : int
        The budget (cap ``1/n``).

    Returns
    -------
    ndarray, shape (N,)
        In ``C = {0 <= x <= cap, sum(x) = 1}`` up to rounding. After clipping to
        ``[0, cap]``: an excess is removed by scaling down (``x / sum(x)``), a deficit is
        filled in proportion to each positive entry's headroom ``cap - x_i``. Both keep the
        support, so a sparse vertex stays sparse; when the support cannot hold the deficit
        (or is empty), the Euclidean projection :func:`project_capped_simplex` is used.
    """
    cap = 1.0 / n
    x = np.clip(np.asarray(s, dtype=float), 0.0, cap)
    total = float(x.sum())
    rounding = x.size * np.finfo(float).eps
    deficit = 1.0 - total
    if abs(deficit) <= rounding:
        return x
    if deficit < 0.0:
        return np.minimum(x / total, cap)
    headroom = np.where(x > 0.0, cap - x, 0.0)
    room = float(headroom.sum())
    if deficit <= room * (1.0 + 1e-9) + rounding:  # room > 0 here, as deficit > rounding
        x += min(deficit, room) * headroom / room
        return np.minimum(x, cap)
    return project_capped_simplex(x, n)


def gap_over_capped_simplex(grad: np.ndarray, s: np.ndarray, n: int) -> float:
    """Frank-Wolfe gap ``grad' s - min_{s' in C} grad' s'`` of a point ``s`` in ``C``.

    Parameters
    ----------
    grad : ndarray, shape (N,)
        Gradient of a convex function ``f`` at ``s``.
    s : ndarray, shape (N,)
    n : int
        The budget (cap ``1/n``).

    Returns
    -------
    float
        By convexity ``f(s) - min_C f <= gap``: a certificate of ``s`` whatever produced it,
        zero exactly at the minimisers. The linear minimum over ``C`` puts ``1/n`` on the n
        smallest entries of ``grad``.
    """
    smallest = np.partition(grad, n - 1)[:n] if n < grad.size else grad
    return max(0.0, float(grad @ s - smallest.sum() / n))
