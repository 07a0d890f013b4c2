"""Second moments of the sketched features in their eigenbasis (poster, "Moment matching")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.linalg import null_space

from ._validation import check_matrix, check_positive_float

__all__ = ["SketchedMoments", "compute_moments"]


@dataclass(frozen=True)
class SketchedMoments:
    """Eigen-decomposition of ``Sigma~ = G~' G~ / N`` and the moment matrices built from it.

    Attributes
    ----------
    sketch : ndarray, shape (N, m)
        ``G~ = G Gamma``.
    eigenvalues : ndarray, shape (m,)
        ``lam``, the eigenvalues of ``Sigma~`` in decreasing order (all m of them).
    eigenvectors : ndarray, shape (m, m)
        ``V``, columns ``v_j``.
    whitened : ndarray, shape (N, k)
        ``Z = G~ V_k diag(lam_k)^{-1/2}`` for the ``k`` directions with ``lam_j > 0``
        (numerically), so that ``Z' Z / N = I_k``. Zero-variance directions hold no constraint
        (``g~_i' v_j = 0`` for every i) and are dropped exactly.
    """

    sketch: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    whitened: np.ndarray

    @property
    def n_directions(self) -> int:
        """k, the number of directions with positive variance."""
        return self.whitened.shape[1]

    @cached_property
    def normalized_moments(self) -> np.ndarray:
        """``B[j, i] = (g~_i' v_j)^2 / lam_j = Z[i, j]^2``, shape (k, N), computed once.

        ``(B @ s)_j`` is the weighted moment along ``v_j`` relative to the full data's, so
        ``B @ (1/N) = 1``.
        """
        return (self.whitened**2).T

    @property
    def moment_matrix(self) -> np.ndarray:
        """``A[j, i] = (G~ V)[i, j]^2`` for the kept directions, shape (k, N)."""
        return self.normalized_moments * self.eigenvalues[: self.n_directions, None]


def compute_moments(sketch: np.ndarray, rtol: float | None = None) -> SketchedMoments:
    """Eigen-decompose the sketched covariance and build the moment matrix.

    Parameters
    ----------
    sketch : array_like, shape (N, m)
        The sketched features ``G~`` (finite, real; validated and converted to float64).
    rtol : float, optional
        Singular values below ``rtol * sigma_max`` count as zero; default
        ``max(N, m) * eps``, numpy's rank tolerance.

    Notes
    -----
    From the thin SVD ``G~ = U diag(sigma) V'``: ``Sigma~ = V diag(sigma^2 / N) V'`` so
    ``lam_j = sigma_j^2 / N``, and ``G~ v_j = sigma_j u_j``, hence ``Z = sqrt(N) U``,
    ``A[j, i] = sigma_j^2 U[i, j]^2`` and ``B[j, i] = A[j, i] / lam_j = N U[i, j]^2``.
    Working with ``Z`` and ``B`` rather than ``A`` is the scaling the solvers need: entries
    average to 1 whatever the spread of the spectrum, and no ``G~' G~`` is formed, so no
    condition number is squared.
    """
    sketch = check_matrix(sketch, "sketch")
    sketch = sketch.toarray() if sp.issparse(sketch) else np.asarray(sketch, dtype=np.float64)
    if rtol is not None:
        rtol = check_positive_float(rtol, "rtol")
    n_samples, m = sketch.shape
    u, sing, vt = np.linalg.svd(sketch, full_matrices=False)
    eigenvalues = np.zeros(m)
    eigenvalues[: sing.size] = sing**2 / n_samples
    # N < m leaves m - N zero eigenvalues: complete V with an orthonormal null-space basis
    eigenvectors = np.hstack([vt.T, null_space(vt)]) if sing.size < m else vt.T
    tol = (max(n_samples, m) * np.finfo(float).eps if rtol is None else rtol) * (
        sing[0] if sing.size else 0.0
    )
    k = int(np.sum(sing > tol))
    return SketchedMoments(sketch, eigenvalues, eigenvectors, np.sqrt(n_samples) * u[:, :k])
