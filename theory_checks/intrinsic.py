"""Intrinsic dimension ``r_bar`` of a covariance spectrum (the paper's low-dimension assumption)."""

from __future__ import annotations

import numbers

import numpy as np

from skmm_convex.errors import ValidationError

__all__ = ["intrinsic_dimension"]


def intrinsic_dimension(eigenvalues, n_samples: int) -> int:
    """``r_bar = min{ t >= 1 : tr(Sigma - <Sigma>_t) <= tr(Sigma) / N }``.

    Parameters
    ----------
    eigenvalues : array_like, shape (r,)
        Eigenvalues of Sigma in any order (squared singular values of G, divided by N or not:
        the criterion is scale-free). Tiny negative values from rounding (above
        ``-1e-10 * max``) are treated as 0.
    n_samples : int
        N, the number of samples Sigma was computed from.

    Returns
    -------
    int
        r_bar, in ``[1, r]``.

    Notes
    -----
    ``tr(Sigma - <Sigma>_t) = sum_{i > t} lambda_i`` with eigenvalues sorted decreasingly
    (poster, "low intrinsic dimension" assumption). Tail sums are accumulated from the small end
    so that they are accurate even when they are tiny next to ``tr(Sigma)``. This is the
    poster's definition, not ``methods/cov_opt.py::calculate_r_n`` (which compares with
    ``||Cov||_2 / n``).

    Examples
    --------
    >>> intrinsic_dimension([4.0, 0.0, 0.0, 1.0], n_samples=10)
    2
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise ValidationError(f"n_samples must be an int >= 1, got {n_samples!r}")
    if n_samples < 1:
        raise ValidationError(f"n_samples must be an int >= 1, got {n_samples}")
    values = np.asarray(eigenvalues, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValidationError(
            f"eigenvalues must be a non-empty 1-d array, got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValidationError("eigenvalues contains NaN or infinite values")
    top = float(np.max(np.abs(values)))
    if np.min(values) < -1e-10 * top:
        raise ValidationError(
            f"eigenvalues must be non-negative (a covariance spectrum), got min {np.min(values)}"
        )
    ordered = np.sort(np.clip(values, 0.0, None))[::-1]
    # tails[t] = sum_{i >= t} ordered[i] (0-based) = tr(Sigma - <Sigma>_t), accumulated upwards
    tails = np.concatenate([np.cumsum(ordered[::-1])[::-1], [0.0]])
    threshold = tails[0] / n_samples
    t = np.arange(1, ordered.size + 1)
    return int(t[tails[1:] <= threshold][0])
