"""The authors' optimiser for the moment-matching step: projected Adam, ported to numpy.

The paper's synthetic code (``synthetic/toy.ipynb`` and ``toy_shared240801.ipynb`` in
github.com/Xiang-Pan/sketchy_moment_matching) minimises the moment-matching objective with
torch's Adam on ``(s, gamma)`` and a heuristic projection after every step, rather than
solving it: ``s`` starts at ``1/n`` on n random points and ``gamma_j = 1/c + U(0, 1)
(1 - 1/c)``; after each step ``s`` is clamped to ``[0, 1/n]`` and renormalised to sum 1
(which can push entries above ``1/n`` again) and ``gamma`` is clamped at ``1/c``; the best
iterate is kept. The package solves the same program exactly
(:class:`~skmm_convex.MomentMatching`); this port lets an experiment put the authors' way
beside the exact solve, on the same sketch. Two versions of the per-step cost:

* ``"authors"``: forms ``G~' diag(s) G~`` (m x m) and rotates it into the ``V`` basis every
  step, ``O(N m^2)``, and back-propagates through the same products (what torch autograd does
  on the authors' expression);
* ``"efficient"``: the moment matrix ``A[j, i] = (G~ V)[i, j]^2`` precomputed once, so a step
  is two products with A, ``O(N m)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import RngLike, as_generator, check_choice, check_int, check_positive_float
from ..errors import ValidationError

__all__ = [
    "ADAM_VERSIONS",
    "AUTHORS_LR",
    "AUTHORS_STEPS",
    "AdamResult",
    "paper_objective",
    "projected_adam",
]

ADAM_VERSIONS = ("authors", "efficient")
# the shared notebook's settings (toy_shared240801.ipynb); toy.ipynb runs lr 1e-7 for 3e4 steps
AUTHORS_LR = 1e-5
AUTHORS_STEPS = 10_000


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
    """``sum_j ((A s)_j - gamma_j lam_j)^2`` (poster, "Moment matching"), A of shape (m, N).

    Parameters
    ----------
    moment_matrix : ndarray, shape (m, N)
        ``A[j, i] = (g~_i' v_j)^2``.
    eigenvalues : ndarray, shape (m,)
        ``lam_j = sigma_j^2 / N`` of the sketch.
    s : ndarray, shape (N,)
    gamma : ndarray, shape (m,)

    Returns
    -------
    float
    """
    return float(np.sum((moment_matrix @ s - gamma * eigenvalues) ** 2))


def projected_adam(
    sketch: np.ndarray,
    n: int,
    c_s: float,
    *,
    version: str = "efficient",
    num_iter: int = AUTHORS_STEPS,
    lr: float = AUTHORS_LR,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    rng: RngLike = None,
) -> AdamResult:
    """Run the authors' projected Adam on the sketched features.

    Parameters
    ----------
    sketch : ndarray, shape (N, m)
        ``G~``.
    n : int
        Budget (cap ``1/n``), in ``[1, N]``.
    c_s : float
        ``gamma_j >= 1/c_s``, > 0.
    version : {"authors", "efficient"}
        Per-step cost ``O(N m^2)`` (authors') or ``O(N m)`` (A precomputed); the same
        iterates up to rounding.
    num_iter : int
        Adam steps, >= 1; default 1e4, with ``lr = 1e-5``, the authors' shared notebook.
    lr : float
        Learning rate, > 0.
    betas, eps :
        torch's defaults.
    rng : int, Generator or None
        Initial support and gamma (the authors use ``torch.manual_seed(seed)``; torch's
        stream is not reproduced).

    Returns
    -------
    AdamResult

    Notes
    -----
    The best iterate is the one whose objective was measured; the authors' loop measures the
    objective before a step and stores the iterate after it (one step apart, which at their
    learning rates changes the objective in its last digits).
    """
    version = check_choice(version, "version", ADAM_VERSIONS)
    sketch = np.asarray(sketch, dtype=float)
    if sketch.ndim != 2:
        raise ValidationError(f"sketch must be a 2-d array (N, m), got shape {sketch.shape}")
    n_samples, m = sketch.shape
    n = check_int(n, "n", 1, n_samples)
    c_s = check_positive_float(c_s, "c_s")
    num_iter = check_int(num_iter, "num_iter", 1)
    lr = check_positive_float(lr, "lr")
    gen = as_generator(rng)
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
