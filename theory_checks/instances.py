"""The synthetic problem instances of the checks (described in docs/theory.md, "Instances").

Every check takes ``features`` (any G) and, where it needs one, ``theta`` (theta_*); these
builders make the recommended instances. Sizes shrink in quick mode (``quick=True``) so that
the quick checks stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from skmm_convex import make_gmm

from .intrinsic import intrinsic_dimension
from .linalg import Spectrum, spectrum_of

__all__ = [
    "Instance",
    "adversarial_d",
    "gmm_a",
    "gmm_b",
    "gmm_instance",
    "isotropic",
    "lowdim_c",
]


@dataclass(frozen=True)
class Instance:
    """A design matrix G with a ground truth theta_* (the paper's fixed-design linear model).

    Attributes
    ----------
    name : str
    features : ndarray, shape (N, r)
    theta : ndarray, shape (r,)
        theta_* (for GMM data: the latent parameter, padded with zeros).
    info : dict
        How it was built.
    """

    name: str
    features: np.ndarray
    theta: np.ndarray
    info: dict = field(default_factory=dict)

    @cached_property
    def spectrum(self) -> Spectrum:
        """Eigenpairs of ``Sigma = G'G/N`` (computed once)."""
        return spectrum_of(self.features)

    @cached_property
    def rbar(self) -> int:
        """The intrinsic dimension of Sigma."""
        return intrinsic_dimension(self.spectrum.eigenvalues, self.features.shape[0])

    @property
    def n_samples(self) -> int:
        return self.features.shape[0]

    @property
    def n_features(self) -> int:
        return self.features.shape[1]


def gmm_instance(
    n_samples: int, n_features: int, n_clusters: int, std_max: float, seed: int = 0
) -> Instance:
    """``make_gmm`` data with theta_* = the latent parameter (docs/theory.md, "Instances")."""
    data = make_gmm(n_samples, n_features, n_clusters, std_max=std_max, rng=seed)
    info = dict(N=n_samples, r=n_features, clusters=n_clusters, std_max=std_max, seed=seed)
    return Instance(f"GMM(std_max={std_max:g})", data.features, data.latent.copy(), info)


def gmm_a(quick: bool = False, seed: int = 0) -> Instance:
    """GMM-A: N=2000, r=2400, 8 clusters, std_max=0.01 (quick: N=1200, r=800).

    With ``std_max <= 0.02`` the strict r_bar equals the number of clusters.
    """
    sizes = (1200, 800) if quick else (2000, 2400)
    inst = gmm_instance(*sizes, 8, 0.01, seed)
    return Instance("GMM-A", inst.features, inst.theta, inst.info)


def gmm_b(quick: bool = False, seed: int = 0) -> Instance:
    """GMM-B: GMM with within-cluster std 0.002 (every cluster) plus one weak direction e_9.

    For a random half of the rows add ``+-w e_9`` with ``w = sqrt(0.8 tr(Sigma)/N / 0.5)``,
    so that ``lambda_9(Sigma) ~ 0.8 tr(Sigma)/N`` while r_bar stays 8, and
    ``gamma_S = lambda_9(Sigma_S)`` is of order 1 (docs/theory.md, "Instances").
    """
    sizes = (1200, 800) if quick else (2000, 2400)
    data = make_gmm(*sizes, 8, std_max=1.0, rng=seed)
    ids = data.cluster_ids
    # every cluster gets std exactly 0.002 (make_gmm draws std_k = std_max U[0, 1), and a
    # nearly zero std would make G_S numerically rank deficient)
    noise = (data.features - data.centers[ids]) / data.cluster_stds[ids, None]
    features = data.centers[ids] + 0.002 * noise
    base = Instance("GMM", features, data.latent.copy(), dict(N=sizes[0], r=sizes[1], seed=seed))
    gen = np.random.default_rng(np.random.SeedSequence([seed, 9]))
    n_samples = features.shape[0]
    trace = float(np.sum(features**2)) / n_samples
    width = np.sqrt(0.8 * trace / n_samples / 0.5)
    rows = gen.permutation(n_samples)[: n_samples // 2]
    features[rows, 8] += width * gen.choice(np.array([-1.0, 1.0]), rows.size)
    info = dict(base.info, std_max=0.002, weak_direction=8, weak_width=width)
    return Instance("GMM-B", features, base.theta, info)


def lowdim_c(
    n_samples: int = 2000, n_features: int = 8, seed: int = 0, kind: str = "sphere"
) -> Instance:
    """LOWDIM-C: rows on the sphere of radius sqrt(r) (``B^2 = r``, ``Sigma ~ I``).

    ``kind="gmm"`` instead draws a GMM with ``k = r`` clusters and std_max 0.5 (full rank).
    theta_* is standard normal.
    """
    gen = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    if kind == "sphere":
        raw = gen.standard_normal((n_samples, n_features))
        features = np.sqrt(n_features) * raw / np.linalg.norm(raw, axis=1, keepdims=True)
    else:
        features = make_gmm(n_samples, n_features, n_features, std_max=0.5, rng=seed).features
    theta = gen.standard_normal(n_features)
    info = dict(N=n_samples, r=n_features, kind=kind, seed=seed)
    return Instance(f"LOWDIM-C({kind}, r={n_features})", features, theta, info)


def isotropic(n_samples: int = 1000, n_features: int = 200, seed: int = 0) -> Instance:
    """ISO: ``G = sqrt(N) Q`` with Q an orthonormal N x r matrix, so ``G'G/N = I_r``."""
    gen = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    q, _ = np.linalg.qr(gen.standard_normal((n_samples, n_features)))
    theta = gen.standard_normal(n_features)
    info = dict(N=n_samples, r=n_features, seed=seed)
    return Instance("ISO", np.sqrt(n_samples) * q, theta, info)


def adversarial_d(eps: float = 1e-6) -> Instance:
    """ADV-D: our 2-d counterexample to S5 for a general subspace.

    N = 40, S = {0, 1}: ``g_0 = (sqrt 2, 0)``, ``g_1 = (0, sqrt(2 eps))``, the other 38 rows
    ``sqrt(40/38) u`` with ``u = (1, 1)/sqrt 2``; ``Sigma_S = diag(1, eps)``,
    ``Sigma = 0.05 Sigma_S + u u'``, ``theta_* = (0, 100)``.
    """
    u = np.array([1.0, 1.0]) / np.sqrt(2)
    rows = [np.array([np.sqrt(2), 0.0]), np.array([0.0, np.sqrt(2 * eps)])]
    rows += [np.sqrt(40 / 38) * u] * 38
    info = dict(N=40, r=2, eps=eps, coreset=[0, 1], sigma2=2.0)
    return Instance("ADV-D", np.array(rows), np.array([0.0, 100.0]), info)
