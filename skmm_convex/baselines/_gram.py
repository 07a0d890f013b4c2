"""Inner products between rows, shared by the greedy baselines (herding, k-center, adaptive).

Each greedy step needs one column of the Gram matrix ``K = X X'`` (the inner products of one
row with every row). Recomputing it as ``X @ x_p`` reads the whole N x r matrix per step, which
is memory-bound; for moderate N the Gram matrix is formed once with one BLAS-3 product and
every step is then O(N).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["GRAM_MAX_SAMPLES", "RowGeometry", "as_dense_rows"]

# form K = X X' (N^2 floats) up to this many rows: 8192 rows is 512 MB
GRAM_MAX_SAMPLES = 8192


def as_dense_rows(features: Any, rows: np.ndarray | slice) -> np.ndarray:
    """Rows of a dense or sparse matrix as a float64 ndarray, shape (len(rows), r)."""
    block = features[rows]
    return block.toarray() if sp.issparse(block) else np.asarray(block, dtype=np.float64)


class RowGeometry:
    """Squared row norms and Gram-matrix columns of a feature matrix.

    Parameters
    ----------
    features : ndarray or sparse matrix, shape (N, r)
        Trusted (validated by the caller).
    use_gram : bool, optional
        Form ``K = X X'`` once (default when ``N <= GRAM_MAX_SAMPLES``); otherwise every
        :meth:`column` is a fresh product ``X @ x_p``. Both give the same numbers up to
        rounding.

    Attributes
    ----------
    sq_norms : ndarray, shape (N,)
        ``||x_i||^2``.
    """

    def __init__(self, features: Any, use_gram: bool | None = None) -> None:
        self.features = features
        self.n_samples = features.shape[0]
        if use_gram is None:
            use_gram = self.n_samples <= GRAM_MAX_SAMPLES
        if use_gram:
            gram = features @ features.T
            self.gram: np.ndarray | None = np.asarray(
                gram.toarray() if sp.issparse(gram) else gram, dtype=np.float64
            )
            self.sq_norms = np.diag(self.gram).copy()
        else:
            self.gram = None
            if sp.issparse(features):
                self.sq_norms = np.asarray(features.multiply(features).sum(axis=1)).ravel()
            else:
                self.sq_norms = np.einsum("ij,ij->i", features, features)
        self.mean_products = self._mean_products()

    def column(self, p: int) -> np.ndarray:
        """``K[:, p] = X x_p``, shape (N,)."""
        if self.gram is not None:
            return self.gram[:, p]
        product = self.features @ as_dense_rows(self.features, slice(p, p + 1))[0]
        return np.asarray(product, dtype=np.float64).ravel()

    def _mean_products(self) -> np.ndarray:
        """``X mu`` with ``mu`` the mean row, shape (N,)."""
        if self.gram is not None:
            return self.gram.mean(axis=1)
        mean_row = np.asarray(self.features.mean(axis=0), dtype=np.float64).ravel()
        return np.asarray(self.features @ mean_row, dtype=np.float64).ravel()
