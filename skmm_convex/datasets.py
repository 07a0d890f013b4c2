"""The paper's synthetic Gaussian-mixture regression data (poster Table 1).

The generator follows the authors' notebook function (``genenrate_gmm_dataset`` in
``synthetic/toy.ipynb`` of github.com/Xiang-Pan/sketchy_moment_matching) draw for draw, so that
:func:`make_table1_gmm` (``make_gmm(**TABLE1_GMM)``) is the Table-1 instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ._validation import RngLike, as_generator, check_int, check_positive_float

__all__ = ["TABLE1_GMM", "GMMData", "make_gmm", "make_table1_gmm"]

# The paper's Table-1 instance (N = 2000, r = 2400, 8 clusters, data seed 0)
TABLE1_GMM: dict[str, float | int] = {
    "n_samples": 2000,
    "n_features": 2400,
    "n_clusters": 8,
    "std_max": 0.04,
    "rng": 0,
}


@dataclass(frozen=True)
class GMMData:
    """A Gaussian-mixture regression data set.

    Attributes
    ----------
    features : ndarray, shape (n_samples, n_features)
        Rows ``center_{k(i)} + std_{k(i)} * z_i``, sorted by cluster as the authors' data are.
    labels : ndarray, shape (n_samples,)
        Noise-free labels: every sample of cluster k gets ``<center_k, latent>``.
    cluster_ids : ndarray of int, shape (n_samples,)
        The cluster of each row.
    centers : ndarray, shape (n_clusters, n_features)
        Cluster centers ``norm_k * e_k`` (mutually orthogonal).
    cluster_stds : ndarray, shape (n_clusters,)
        Per-cluster noise standard deviation, uniform on ``[0, std_max)``.
    latent : ndarray, shape (n_features,)
        The latent parameter (standard normal in its first ``n_clusters`` entries, else 0).
    """

    features: np.ndarray
    labels: np.ndarray
    cluster_ids: np.ndarray
    centers: np.ndarray
    cluster_stds: np.ndarray
    latent: np.ndarray = field(repr=False)

    @property
    def cluster_sizes(self) -> np.ndarray:
        """Number of rows in each cluster, shape (n_clusters,)."""
        return np.bincount(self.cluster_ids, minlength=len(self.centers))

    @cached_property
    def ground_truth(self) -> np.ndarray:
        """Min-norm interpolator ``pinv(features) @ labels``, shape (n_features,).

        Computed on first access from a thin SVD (expensive: O(N r min(N, r))), as the
        authors' notebook defines the "ground truth" theta.
        """
        u, sing, vt = np.linalg.svd(self.features, full_matrices=False)
        keep = sing > sing[0] * max(self.features.shape) * np.finfo(float).eps
        return vt[keep].T @ ((u[:, keep].T @ self.labels) / sing[keep])


def make_gmm(
    n_samples: int = 2000,
    n_features: int = 2400,
    n_clusters: int = 8,
    *,
    std_max: float = 0.04,
    rng: RngLike = 0,
) -> GMMData:
    """Draw the paper's Gaussian-mixture regression data.

    Parameters
    ----------
    n_samples : int
        N, the number of rows (at least 3, so that cluster breakpoints can be drawn).
    n_features : int
        r, the dimension; must be at least ``n_clusters`` (centers are coordinate axes).
    n_clusters : int
        K, the number of clusters.
    std_max : float
        Each cluster's noise std is ``std_max * U[0, 1)``.
    rng : int, Generator or None
        Seed of the single ``numpy.random.default_rng`` stream all draws come from.

    Returns
    -------
    GMMData

    Notes
    -----
    Draw order (the authors' ``genenrate_gmm_dataset``): ``K-1`` sorted breakpoints from
    ``integers(1, N-1)`` give the cluster sizes; norms ``K * integers(1, K+1, K)``; stds
    ``std_max * random(K)``; latent ``standard_normal(K)``; labels ``norm_k * latent_k``;
    then ``N x r`` standard normal noise, each row scaled by its cluster's std. With
    ``(2000, 2400, 8, std_max=0.04, rng=0)`` the cluster sizes are
    ``[82, 69, 389, 76, 406, 251, 427, 300]``.
    """
    n_samples = check_int(n_samples, "n_samples", 3)
    n_clusters = check_int(n_clusters, "n_clusters", 1, n_samples)
    n_features = check_int(n_features, "n_features", n_clusters)
    std_max = check_positive_float(std_max, "std_max")
    gen = as_generator(rng)

    breakpoints = np.sort(gen.integers(1, n_samples - 1, n_clusters - 1))
    sizes = np.diff(np.concatenate([[0], breakpoints, [n_samples]]))
    norms = gen.integers(1, n_clusters + 1, n_clusters) * n_clusters
    stds = std_max * gen.random(n_clusters)
    latent = np.zeros(n_features)
    latent[:n_clusters] = gen.standard_normal(n_clusters)

    centers = np.zeros((n_clusters, n_features))
    centers[np.arange(n_clusters), np.arange(n_clusters)] = norms
    cluster_labels = centers @ latent
    cluster_ids = np.repeat(np.arange(n_clusters), sizes)
    features = centers[cluster_ids] + stds[cluster_ids, None] * gen.standard_normal(
        (n_samples, n_features)
    )
    return GMMData(
        features=features,
        labels=cluster_labels[cluster_ids],
        cluster_ids=cluster_ids,
        centers=centers,
        cluster_stds=stds,
        latent=latent,
    )


def make_table1_gmm() -> GMMData:
    """The paper's Table-1 instance, ``make_gmm(**TABLE1_GMM)``, drawn afresh on every call."""
    return make_gmm(**TABLE1_GMM)
