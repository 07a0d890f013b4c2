"""The paper's optimiser for the moment-matching step, re-written in numpy (the reference).

Projected Adam on ``(s, gamma)`` as in the authors' synthetic code (our description in
``shared/reference/experiments.md`` section 3.1): ``s`` starts at ``1/n`` on n random points,
``gamma_j = 1/c + U(0, 1) (1 - 1/c)``; after each Adam step ``s`` is clamped to ``[0, 1/n]``
and renormalised to sum 1 (which can push entries above ``1/n`` again) and ``gamma`` is
clamped at ``1/c``; ``num_iter`` steps; the best iterate is kept. Not part of the package: it
is the baseline the exact solve is benchmarked against.

Two versions of the per-step cost:

* ``"authors"``: forms ``G~' diag(s) G~`` (m x m) and rotates it into the ``V`` basis every
  step, ``O(N m^2)``, and back-propagates through the same products (what torch autograd does
  on the authors' expression);
* ``"efficient"``: the moment matrix ``A[j, i] = (G~ V)[i, j]^2`` precomputed once, so a step
  is two products with A, ``O(N m)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AdamResult", "paper_objective", "projected_adam"]

VERSIONS = ("authors", "efficient")


@dataclass(frozen=True)
class AdamResult:
    """Best iterate of :func:`projected_adam`.

    Attributes
    ----------
    s : ndarray, shape (N,)
    gamma : ndarray, shape (m,)
    objective : float
        ``sum_j ((A s)_j - gamma_j lam_j)^2`` at the best iterate (paper units).
    history : ndarray, shape (num_iter + 1,)
        Objective of every iterate (the last entry is the final iterate).
    cap_violation : float
        ``max(s) * n``; above 1 the heuristic projection left ``s`` outside the cap.
    """

    s: np.ndarray
    gamma: np.ndarray
    objective: float
    history: np.ndarray
    cap_violation: float


def paper_objective(
    moment_matrix: np.ndarray, eigenvalues: np.ndarray, s: np.ndarray, gamma: np.ndarray
) -> float:
    """``sum_j ((A s)_j - gamma_j lam_j)^2`` (poster, "Moment matching"), A of shape (m, N)."""
    return float(np.sum((moment_matrix @ s - gamma * eigenvalues) ** 2))


def projected_adam(
    sketch: np.ndarray,
    n: int,
    c_s: float,
    *,
    version: str = "efficient",
    num_iter: int = 10_000,
    lr: float = 1e-5,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    rng: np.random.Generator | int | None = None,
) -> AdamResult:
    """Run the paper's projected Adam on the sketched features.

    Parameters
    ----------
    sketch : ndarray, shape (N, m)
        ``G~``.
    n : int
        Budget (cap ``1/n``).
    c_s : float
        ``gamma_j >= 1/c_s``.
    version : {"authors", "efficient"}
        Per-step cost ``O(N m^2)`` (authors') or ``O(N m)`` (A precomputed).
    num_iter, lr, betas, eps :
        Adam settings; ``lr = 1e-5`` and 1e4 steps as in the authors' shared notebook,
        torch's default betas and eps.
    rng : Generator, int or None
        Initial support and gamma.

    Returns
    -------
    AdamResult
    """
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
    gen = np.random.default_rng(rng)
    n_samples, m = sketch.shape
    _, sing, vt = np.linalg.svd(sketch, full_matrices=False)
    v = vt.T
    lam = np.zeros(m)
    lam[: sing.size] = sing**2 / n_samples
    projected = sketch @ v
    moment_matrix = (projected**2).T  # A, shape (m, N)
    s = np.zeros(n_samples)
    s[gen.choice(n_samples, n, replace=False)] = 1.0 / n
    gamma = 1.0 / c_s + gen.random(m) * (1.0 - 1.0 / c_s)
    # for c_s < 1 that initial gamma lies below its floor 1/c_s; project it as every later
    # iterate is projected, so that the best iterate kept is always feasible
    gamma = np.maximum(gamma, 1.0 / c_s)
    x = np.concatenate([s, gamma])
    first = np.zeros_like(x)
    second = np.zeros_like(x)
    history = np.empty(num_iter + 1)
    best, best_x = np.inf, x.copy()
    for step in range(1, num_iter + 1):
        s, gamma = x[:n_samples], x[n_samples:]
        if version == "efficient":
            residual = moment_matrix @ s - gamma * lam
            grad_s = 2.0 * (moment_matrix.T @ residual)
        else:
            weighted = (sketch * s[:, None]).T @ sketch  # G~' diag(s) G~, O(N m^2)
            residual = np.diag(v.T @ weighted @ v) - gamma * lam
            back = (v * (2.0 * residual)) @ v.T  # d loss / d (G~' diag(s) G~)
            grad_s = np.einsum("ij,ij->i", sketch @ back, sketch)  # O(N m^2)
        loss = float(residual @ residual)
        history[step - 1] = loss
        if loss < best:
            best, best_x = loss, x.copy()
        grad = np.concatenate([grad_s, -2.0 * lam * residual])
        first = betas[0] * first + (1 - betas[0]) * grad
        second = betas[1] * second + (1 - betas[1]) * grad**2
        corrected = first / (1 - betas[0] ** step)
        scale = np.sqrt(second / (1 - betas[1] ** step)) + eps
        x = x - lr * corrected / scale
        np.clip(x[:n_samples], 0.0, 1.0 / n, out=x[:n_samples])
        x[:n_samples] /= x[:n_samples].sum()
        np.maximum(x[n_samples:], 1.0 / c_s, out=x[n_samples:])
    s, gamma = x[:n_samples], x[n_samples:]
    history[num_iter] = paper_objective(moment_matrix, lam, s, gamma)
    if history[num_iter] < best:
        best, best_x = history[num_iter], x.copy()
    s, gamma = best_x[:n_samples], best_x[n_samples:]
    return AdamResult(s, gamma, best, history, float(np.max(s) * n))
