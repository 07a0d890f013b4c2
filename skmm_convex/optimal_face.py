"""A basic (vertex) solution of the moment-matching program's optimal face.

When the optimum is 0 (always for ``c_s >= 1``, and on the Table-1 data even for
``c_s = 0.999``) the optimal set is a whole face of the capped simplex. An interior-point
method returns a point in its relative interior, spread over all N points, and sampling from it
behaves like uniform sampling. A vertex of the same face is exactly as optimal but sparse: at
most ``n + k`` nonzero weights, nearly all at the cap ``1/n``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

__all__ = ["FACE_SLACK", "face_vertex"]

# relative room given to the moment bounds, absorbing the QP solver's own tolerance
FACE_SLACK = 1e-9


def face_vertex(
    normalized_moments: np.ndarray,
    target: np.ndarray,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray | None:
    """A random vertex of ``{s : B s >= target, 0 <= s <= 1/n, sum(s) = 1}``, or None.

    Parameters
    ----------
    normalized_moments : ndarray, shape (k, N)
        ``B`` with ``(B s)_j = (A s)_j / lam_j``.
    target : ndarray, shape (k,)
        Lower bounds on the relative moments ``B s``.
    n : int
        Budget (cap ``1/n``).
    rng : Generator
        Draws the random cost ``r ~ U(0, 1)^N`` that picks the vertex.

    Returns
    -------
    ndarray, shape (N,), or None when the polytope is empty (or HiGHS fails).

    Notes
    -----
    Solves the LP ``min r' s`` over the polytope with HiGHS's dual simplex, which returns a
    basic solution: at most ``k + 1`` weights strictly between 0 and ``1/n``, the rest at a
    bound, so the support is at most ``n + k``. Uses of it:

    * ``target = 1/c_s``: the polytope is non-empty exactly when the QP's optimum is 0
      (the degenerate case), and it is then the QP's optimal face.
    * ``target = min(B s*, 1/c_s)`` for an optimal s*: every feasible s has hinge
      ``(1/c_s - B s)_+ <= (1/c_s - B s*)_+`` componentwise, hence ``F(s) <= F(s*)``, so the
      polytope is the optimal face in the non-degenerate case too.
    """
    n_samples = normalized_moments.shape[1]
    result = linprog(
        rng.random(n_samples),
        A_ub=-normalized_moments,
        b_ub=-target,
        A_eq=np.ones((1, n_samples)),
        b_eq=[1.0],
        bounds=(0.0, 1.0 / n),
        method="highs-ds",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if result.status != 0:
        return None
    return _polish_basic_solution(result.x, normalized_moments, target, n)


def _polish_basic_solution(
    x: np.ndarray, normalized_moments: np.ndarray, target: np.ndarray, n: int, tol: float = 1e-7
) -> np.ndarray:
    """Recompute a basic solution exactly from its active set.

    HiGHS meets the constraints to its feasibility tolerance (``sum(s)`` off by up to about
    1e-7 was seen). A basic solution is determined by which weights sit at a bound and which
    moment rows are tight, so we snap weights within ``tol / n`` of 0 or ``1/n`` to the bound
    and solve the (small) linear system of ``sum(s) = 1`` and the tight rows for the others.
    If the snapped point is not feasible to ``1e-12`` the clipped LP point is returned.
    """
    cap = 1.0 / n
    at_zero, at_cap = x <= tol * cap, x >= cap * (1 - tol)
    free = ~(at_zero | at_cap)
    tight = normalized_moments @ x - target <= tol * np.abs(target).max()
    s = np.where(at_cap, cap, 0.0)
    system = np.vstack([np.ones(free.sum()), normalized_moments[tight][:, free]])
    rhs = np.concatenate(
        [[1.0 - s.sum()], target[tight] - normalized_moments[tight][:, ~free] @ s[~free]]
    )
    s[free] = np.linalg.lstsq(system, rhs, rcond=None)[0]
    feasible = (
        s.min() >= 0
        and s.max() <= cap * (1 + 1e-12)
        and abs(s.sum() - 1) <= 1e-12
        and np.all(normalized_moments @ s >= target - 1e-12 * np.abs(target).max())
    )
    return np.clip(s, 0.0, cap) if feasible else np.clip(x, 0.0, cap)
