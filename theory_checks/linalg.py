"""Shared linear algebra: generalized eigenvalues, subspace traces, spectra.

Float64 throughout, SVD or ``solve`` rather than explicit inverses, eigenvalues below
``1e-12 * max`` treated as zero (docs/theory.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

__all__ = [
    "PINV_RTOL",
    "Spectrum",
    "generalized_max_eig",
    "orthonormal_basis",
    "spectrum_of",
    "tail_trace",
]

PINV_RTOL = 1e-12


def _sym(a: np.ndarray) -> np.ndarray:
    return (a + a.T) / 2


def generalized_max_eig(a: np.ndarray, b: np.ndarray, rtol: float = PINV_RTOL) -> float:
    """``c*(A, B)``: the smallest c with ``A <= c B`` (Loewner order).

    Parameters
    ----------
    a, b : ndarray, shape (k, k)
        Symmetric positive semi-definite.

    Returns
    -------
    float
        ``lambda_max(B^{+1/2} A B^{+1/2})`` if ``Range(A)`` lies in ``Range(B)`` (up to
        ``rtol``), ``inf`` otherwise.
    """
    evals, evecs = np.linalg.eigh(_sym(b))
    scale = max(float(evals[-1]), float(np.max(np.abs(np.diag(a)))), np.finfo(float).tiny)
    keep = evals > rtol * scale
    a_sym = _sym(a)
    outside = evecs[:, ~keep]
    if outside.size and np.linalg.norm(outside.T @ a_sym @ outside, 2) > 1e-9 * scale:
        return float("inf")
    half = evecs[:, keep] / np.sqrt(evals[keep])
    return float(np.linalg.eigvalsh(_sym(half.T @ a_sym @ half))[-1])


def orthonormal_basis(matrix: np.ndarray, rtol: float = 1e-10) -> np.ndarray:
    """Orthonormal basis of ``Range(matrix)`` from a thin SVD, shape (rows, rank)."""
    u, sing, _ = np.linalg.svd(matrix, full_matrices=False)
    if sing.size == 0 or sing[0] == 0:
        return u[:, :0]
    return u[:, sing > rtol * sing[0]]


@dataclass(frozen=True)
class Spectrum:
    """Eigen-decomposition of ``Sigma = G'G/N`` restricted to the row space of G.

    Attributes
    ----------
    eigenvalues : ndarray, shape (k,)
        Positive eigenvalues of Sigma, decreasing.
    basis : ndarray, shape (r, k)
        Matching orthonormal eigenvectors (columns).
    """

    eigenvalues: np.ndarray
    basis: np.ndarray

    @property
    def trace(self) -> float:
        return float(np.sum(self.eigenvalues))


def spectrum_of(features: np.ndarray) -> Spectrum:
    """Eigenpairs of ``Sigma = G'G/N`` from the smaller Gram matrix.

    Notes
    -----
    If ``N <= r``: ``G G' = U diag(s^2) U'`` and ``V = G' U / s``; otherwise ``G'G`` directly.
    Eigenvalues ``s^2 / N``.
    """
    n_samples, n_features = features.shape
    if n_samples <= n_features:
        evals, u = np.linalg.eigh(_sym(features @ features.T))
        order = np.argsort(evals)[::-1]
        evals, u = evals[order], u[:, order]
        keep = evals > PINV_RTOL * max(evals[0], np.finfo(float).tiny)
        basis = features.T @ (u[:, keep] / np.sqrt(evals[keep]))
        # one re-orthonormalisation step removes the rounding of the division
        basis, _ = np.linalg.qr(basis)
        basis = basis * np.sign(np.sum(basis * (features.T @ u[:, keep]), axis=0))
        return Spectrum(evals[keep] / n_samples, basis)
    evals, v = sla.eigh(_sym(features.T @ features))
    order = np.argsort(evals)[::-1]
    evals, v = evals[order], v[:, order]
    keep = evals > PINV_RTOL * max(evals[0], np.finfo(float).tiny)
    return Spectrum(evals[keep] / n_samples, v[:, keep])


def tail_trace(eigenvalues: np.ndarray, t: int) -> float:
    """``tr(Sigma - <Sigma>_t) = sum_{i > t} lambda_i`` for eigenvalues in any order."""
    ordered = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    return float(np.sum(ordered[t:][::-1]))
