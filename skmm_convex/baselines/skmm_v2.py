"""SkMMv2, the authors' second selector: greedy V-optimal design in the sketched space.

From the notebook ``synthetic/toy.ipynb`` (function ``SkMMv2``) of the authors' repository
(github.com/Xiang-Pan/sketchy_moment_matching), used by their StanfordCars export configs
(``configs/selection/skmmv2*.yaml``). In our words:

1. Sketch ``G~ = G Gamma`` with m columns; if ``n - m < 20``, use
   ``m = max(n - 20, n // 2)`` instead (at least 1 here).
2. Seed the coreset with m points by random pivoting on ``G~`` (the ``adaptive`` baseline's
   :func:`~skmm_convex.baselines.adaptive.adaptive_order`).
3. Until there are n points, add a block of b points. With ``A = G~_S' G~_S`` the coreset's
   sketched Gram, candidate i's gain ``g~_i' A^-1 G~' G~ A^-1 g~_i / (1 + g~_i' A^-1 g~_i)``
   is the Sherman-Morrison decrease of ``tr(G~' G~ A^-1)`` when i joins; the block is drawn
   by ``sampler``: ``"exp"`` with probabilities ``exp(gain / sum(gain) / T)``, ``"linear"``
   in proportion to the gain, ``"greedy"`` the b largest gains. ``A^-1`` is updated by the
   Woodbury identity after each block.

Defaults are the notebook's (``b = 1``, ``sampler = "exp"``, ``T = 1e-3``); the export
configs used ``b = 5``, ``T = 0.1`` and m = 512 on real data.

Implementation notes. The gains are invariant under ``G~ -> G~ T`` for invertible T, so they
are computed in the whitened coordinates ``Z`` of :class:`~skmm_convex.moments.SketchedMoments`
(``Z' Z = N I_k``, ``k`` the numerical rank of ``G~``): ``gain_i = N ||A^-1 z_i||^2 /
(1 + z_i' A^-1 z_i)`` with ``A = Z_S' Z_S``. This is the same quantity when ``G~`` has full
rank and stays finite when it has not (the authors' ``A`` is then singular). The ``"exp"``
weights are formed with their maximum subtracted (same distribution, no overflow at small T).
A ``"linear"`` draw with fewer positive gains than b takes those and fills up uniformly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import (
    RngLike,
    as_generator,
    check_choice,
    check_int,
    check_matrix,
    check_positive_float,
)
from ..results import Selection
from ..sketch import SKETCH_KINDS
from ..strategies.v_optimal import design_sketch, resolve_sketch_dim
from ._gram import RowGeometry
from .adaptive import adaptive_order

__all__ = [
    "SKMM_V2_SAMPLERS",
    "block_gains",
    "seed_size",
    "select_skmm_v2",
    "skmm_v2_order",
    "woodbury_downdate",
]

SKMM_V2_SAMPLERS = ("exp", "linear", "greedy")


def seed_size(n: int, sketch_dim: int) -> int:
    """The authors' seeding size: m, or ``max(n - 20, n // 2, 1)`` when ``n - m < 20``."""
    return sketch_dim if n - sketch_dim >= 20 else max(n - 20, n // 2, 1)


def block_gains(interpolation: np.ndarray, candidates: np.ndarray, scale: float) -> np.ndarray:
    """Sherman-Morrison decreases of ``scale * tr(A^-1)`` for each candidate row.

    Parameters
    ----------
    interpolation : ndarray, shape (c, k)
        ``Z_c A^-1`` for the candidate rows ``Z_c``.
    candidates : ndarray, shape (c, k)
        ``Z_c``.
    scale : float
        ``N`` (``Z' Z = N I``, so ``tr(Z'Z A^-1) = N tr(A^-1)``).

    Returns
    -------
    ndarray, shape (c,)
        ``scale ||A^-1 z_i||^2 / (1 + z_i' A^-1 z_i)``.
    """
    leverage = np.einsum("ij,ij->i", interpolation, candidates)
    return scale * np.einsum("ij,ij->i", interpolation, interpolation) / (1.0 + leverage)


def woodbury_downdate(
    interpolation: np.ndarray, block_interp: np.ndarray, block_rows: np.ndarray
) -> np.ndarray:
    """``Z_c A'^-1`` for ``A' = A + B' B`` from ``Z_c A^-1`` (Woodbury).

    ``A'^-1 = A^-1 - A^-1 B' (I + B A^-1 B')^-1 B A^-1``, with ``B`` the block's rows
    (``block_rows``, b x k) and ``B A^-1 = block_interp``.
    """
    inner = np.eye(block_rows.shape[0]) + block_interp @ block_rows.T
    cross = interpolation @ block_rows.T  # Z_c A^-1 B'
    return interpolation - cross @ np.linalg.solve((inner + inner.T) / 2, block_interp)


def _draw_block(
    gains: np.ndarray, b: int, sampler: str, temperature: float, rng: np.random.Generator
) -> np.ndarray:
    if sampler == "greedy":
        return np.argpartition(gains, gains.size - b)[gains.size - b :]
    total = float(gains.sum())
    if sampler == "exp":
        logits = gains / total / temperature if total > 0 else np.zeros(gains.size)
        weights = np.exp(logits - logits.max())
        return rng.choice(gains.size, b, replace=False, p=weights / weights.sum())
    positive = np.flatnonzero(gains > 0)
    if positive.size >= b:
        return rng.choice(gains.size, b, replace=False, p=gains / total)
    rest = rng.permutation(np.flatnonzero(gains <= 0))[: b - positive.size]
    return np.concatenate([positive, rest])


def skmm_v2_order(
    sketch: np.ndarray,
    whitened: np.ndarray,
    n: int,
    seeds: int,
    *,
    block_size: int = 1,
    sampler: str = "exp",
    temperature: float = 1e-3,
    rng: np.random.Generator,
) -> np.ndarray:
    """The n points of SkMMv2 in the order chosen: ``seeds`` pivots, then blocks.

    Parameters
    ----------
    sketch : ndarray, shape (N, m)
        ``G~`` (random pivoting runs on it).
    whitened : ndarray, shape (N, k)
        ``Z``, the whitened ``G~`` (the gains are computed on it).
    n, seeds : int
        Coreset size and seeding size (``1 <= seeds <= n <= N``).
    block_size, sampler, temperature, rng
        See :func:`select_skmm_v2`.

    Returns
    -------
    ndarray of int, shape (n,)
    """
    n_samples = whitened.shape[0]
    order = adaptive_order(RowGeometry(sketch), seeds, rng)
    if seeds >= n:
        return order
    chosen = whitened[order]
    gram = chosen.T @ chosen
    pinv = np.linalg.pinv((gram + gram.T) / 2, hermitian=True)  # A^-1 (pinv if rank < k)
    candidates = np.setdiff1d(np.arange(n_samples), order, assume_unique=True)
    rows = whitened[candidates]
    interpolation = rows @ pinv
    picked = [order]
    size = seeds
    while size < n:
        b = min(block_size, n - size)
        gains = block_gains(interpolation, rows, float(n_samples))
        idx = _draw_block(gains, b, sampler, temperature, rng)
        picked.append(candidates[idx])
        size += b
        keep = np.ones(candidates.size, dtype=bool)
        keep[idx] = False
        interpolation = woodbury_downdate(interpolation[keep], interpolation[idx], rows[idx])
        candidates, rows = candidates[keep], rows[keep]
    return np.concatenate(picked)


def select_skmm_v2(
    features: Any,
    n: int,
    *,
    rng: RngLike = None,
    sketch_dim: int | None | str = "auto",
    sketch: str = "gaussian",
    block_size: int = 1,
    sampler: str = "exp",
    temperature: float = 1e-3,
) -> Selection:
    """SkMMv2: greedy sketched V-optimal design (the authors' second selector).

    Parameters
    ----------
    features : array_like or sparse matrix, shape (N, r)
    n : int
        Coreset size, in ``[1, N]``.
    rng : int, Generator or None
        Split into independent streams for the sketch and the pivots and blocks.
    sketch_dim : int, None or "auto"
        m; ``"auto"`` means 32 (no sketch when ``r <= 32``, then m = r); reset by the
        authors' rule (module docstring) when ``n - m < 20``, with a Gaussian sketch of the
        reset size.
    sketch : {"gaussian", "sparse-sign"}
    block_size : int
        b, points added per step, ``>= 1``.
    sampler : {"exp", "linear", "greedy"}
    temperature : float
        T of the ``"exp"`` sampler, ``> 0``.

    Returns
    -------
    Selection
        ``indices`` in selection order (seeds first), no weights.
    """
    matrix = check_matrix(features)
    n_samples, n_features = matrix.shape
    n = check_int(n, "n", 1, n_samples)
    sketch_dim = resolve_sketch_dim(sketch_dim, n_features)
    check_choice(sketch, "sketch", SKETCH_KINDS)
    block_size = check_int(block_size, "block_size", 1)
    check_choice(sampler, "sampler", SKMM_V2_SAMPLERS)
    temperature = check_positive_float(temperature, "temperature")
    sketch_rng, order_rng = as_generator(rng).spawn(2)
    m = n_features if sketch_dim is None else sketch_dim
    seeds = seed_size(n, m)
    if seeds != m:  # the authors sketch to the reset size
        sketch_dim = seeds
    moments = design_sketch(matrix, sketch_dim, sketch, sketch_rng)
    order = skmm_v2_order(
        moments.sketch,
        moments.whitened,
        n,
        seeds,
        block_size=block_size,
        sampler=sampler,
        temperature=temperature,
        rng=order_rng,
    )
    return Selection(order, "skmm-v2")
