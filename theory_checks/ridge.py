"""Expected excess risk of ridge on a coreset, in closed form (fixed design).

Fixed design: G is deterministic, ``y_S = G_S theta_* + z`` with ``E z = 0`` and
``E z z' = sigma^2 I``; the expectation is over z only, for a fixed coreset S.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from .linalg import PINV_RTOL

__all__ = ["CoresetRidge", "RiskMinimum", "monte_carlo_ridge_risk"]


@dataclass(frozen=True)
class RiskMinimum:
    """``inf_{alpha > 0} E_z[ER(theta_S^alpha)]`` and where it is attained.

    ``alpha`` is ``0.0`` for the ``alpha -> 0+`` limit and ``inf`` for ``alpha -> inf``.
    """

    risk: float
    alpha: float
    bias: float
    variance: float


class CoresetRidge:
    """Closed-form bias and variance of ridge fitted on the rows S of G.

    Parameters
    ----------
    features : ndarray, shape (N, r)
        G.
    indices : ndarray of int, shape (n,)
        The coreset S (distinct rows).

    Notes
    -----
    With the thin SVD ``G_S / sqrt(n) = U diag(d) W'`` (so ``Sigma_S = W diag(d^2) W'``),
    ``a = W' theta_*``, ``theta_perp = theta_* - W a``, ``M = (G W)'(G W)/N`` (so
    ``c_i = M_ii = ||G w_i||^2/N``):

    * ``bias(alpha) = || G (W (alpha/(d^2+alpha) * a) + theta_perp) ||^2 / N``
      ``= b'Mb + 2 b'q + ||G theta_perp||^2/N`` with ``b = alpha a/(d^2+alpha)``,
      ``q = (GW)' G theta_perp / N``;
    * ``var(alpha) = (sigma^2/n) sum_i c_i d_i^2 / (d_i^2 + alpha)^2``.

    This is ``alpha^2 ||(Sigma_S + alpha I)^{-1} theta_*||_Sigma^2 + (sigma^2/n)
    tr(Sigma (Sigma_S + alpha I)^{-1} Sigma_S (Sigma_S + alpha I)^{-1})``.
    Limits: ``alpha -> 0+`` gives ``||G theta_perp||^2/N`` and ``(sigma^2/n) sum c_i/d_i^2``
    (OLS / min-norm); ``alpha -> inf`` gives ``||theta_*||_Sigma^2``.
    """

    def __init__(self, features: np.ndarray, indices: np.ndarray) -> None:
        self.features = features
        self.indices = np.asarray(indices)
        self.n = self.indices.size
        self.n_samples = features.shape[0]
        _, sing, wt = np.linalg.svd(features[self.indices] / np.sqrt(self.n), full_matrices=False)
        keep = sing > PINV_RTOL**0.5 * max(sing[0], np.finfo(float).tiny)
        self.d2 = sing[keep] ** 2  # nonzero eigenvalues of Sigma_S, decreasing
        self.basis = wt[keep].T  # W, shape (r, rank)
        self.projected = features @ self.basis  # G W, shape (N, rank)
        self.gram = self.projected.T @ self.projected / self.n_samples  # M
        self.c = np.diag(self.gram).copy()

    @property
    def rank(self) -> int:
        return self.d2.size

    # -- pieces that depend on theta_* -------------------------------------------------------
    def _theta_parts(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        a = self.basis.T @ theta
        h = self.features @ (theta - self.basis @ a)
        return a, self.projected.T @ h / self.n_samples, float(h @ h) / self.n_samples

    def bias(self, theta: np.ndarray, alphas: np.ndarray) -> np.ndarray:
        """Bias term for each alpha, shape like ``alphas`` (1-d)."""
        alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
        a, q, h2 = self._theta_parts(theta)
        b = a[:, None] * (alphas[None, :] / (self.d2[:, None] + alphas[None, :]))
        return np.einsum("ia,ia->a", b, self.gram @ b) + 2 * q @ b + h2

    def variance(self, sigma2: float, alphas: np.ndarray) -> np.ndarray:
        """Variance term for each alpha (``sigma2`` is sigma^2)."""
        alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
        shrink = self.d2[:, None] / (self.d2[:, None] + alphas[None, :]) ** 2
        return sigma2 / self.n * (self.c @ shrink)

    def risk(self, theta: np.ndarray, sigma2: float, alphas: np.ndarray) -> np.ndarray:
        """``E_z[ER(theta_S^alpha)]`` for each alpha."""
        return self.bias(theta, alphas) + self.variance(sigma2, alphas)

    def limit_zero(self, theta: np.ndarray, sigma2: float) -> tuple[float, float]:
        """(bias, variance) as ``alpha -> 0+``."""
        _, _, h2 = self._theta_parts(theta)
        return h2, float(sigma2 / self.n * np.sum(self.c / self.d2))

    def limit_infinity(self, theta: np.ndarray) -> float:
        """Risk as ``alpha -> inf``: ``||theta_*||_Sigma^2``."""
        g_theta = self.features @ theta
        return float(g_theta @ g_theta) / self.n_samples

    def minimize(self, theta: np.ndarray, sigma2: float, n_grid: int = 400) -> RiskMinimum:
        """``inf_{alpha>0}`` of the risk (docs/theory.md).

        A log grid of ``n_grid`` values in ``[1e-12, 1e6] * lambda_max(Sigma_S)``, a bounded
        scalar refinement in ``log alpha`` around the best grid point, and the two limits.
        """
        scale = float(self.d2[0])
        log_grid = np.linspace(np.log(1e-12 * scale), np.log(1e6 * scale), n_grid)
        values = self.risk(theta, sigma2, np.exp(log_grid))
        best = int(np.argmin(values))
        lo, hi = log_grid[max(best - 1, 0)], log_grid[min(best + 1, n_grid - 1)]
        refined = minimize_scalar(
            lambda x: float(self.risk(theta, sigma2, np.array([np.exp(x)]))[0]),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-6},
        )
        candidates = [(float(values[best]), float(np.exp(log_grid[best])))]
        if refined.success:
            candidates.append((float(refined.fun), float(np.exp(refined.x))))
        b0, v0 = self.limit_zero(theta, sigma2)
        candidates.append((b0 + v0, 0.0))
        candidates.append((self.limit_infinity(theta), float("inf")))
        risk, alpha = min(candidates)
        if alpha == 0.0:
            bias, var = b0, v0
        elif np.isinf(alpha):
            bias, var = risk, 0.0
        else:
            bias = float(self.bias(theta, np.array([alpha]))[0])
            var = float(self.variance(sigma2, np.array([alpha]))[0])
        return RiskMinimum(risk, alpha, bias, var)


def monte_carlo_ridge_risk(
    features: np.ndarray,
    indices: np.ndarray,
    theta: np.ndarray,
    noise_std: np.ndarray | float,
    alpha: float,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Monte Carlo mean and standard error of ``ER(theta_S^alpha)`` over label noise.

    Independent of :class:`CoresetRidge`: fits through the kernel form
    ``theta_S = G_S' (G_S G_S' + n alpha I)^{-1} y_S`` (``alpha = 0``: least squares by
    ``lstsq``) and evaluates ``ER = ||G (theta_S - theta_*)||^2 / N`` on the full data.
    ``noise_std`` is a scalar or one standard deviation per coreset row (heteroscedastic).
    """
    g_s = features[indices]
    n = g_s.shape[0]
    noise = rng.standard_normal((n, n_draws)) * np.reshape(noise_std, (-1, 1))
    y = (g_s @ theta)[:, None] + noise
    if alpha == 0.0:
        fits = np.linalg.lstsq(g_s, y, rcond=None)[0]
    else:
        kernel = g_s @ g_s.T + n * alpha * np.eye(n)
        fits = g_s.T @ np.linalg.solve(kernel, y)
    residual = features @ (fits - theta[:, None])
    risks = np.einsum("ik,ik->k", residual, residual) / features.shape[0]
    return float(risks.mean()), float(risks.std(ddof=1) / np.sqrt(n_draws))
