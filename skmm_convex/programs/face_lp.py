"""A basic (vertex) solution of the moment-matching program's optimal face.

When the optimum is 0 (always for ``c_s >= 1``, and on the Table-1 data even for
``c_s = 0.999``) the optimal set is a whole face of the capped simplex. An interior-point
method returns a point in its relative interior, spread over all N points, and sampling from it
behaves like uniform sampling. A vertex of the same face is exactly as optimal but sparse: at
most ``n + k`` nonzero weights, nearly all at the cap ``1/n``.

:class:`FaceLP` keeps one HiGHS model per moment matrix, so that the LPs of a solve (the
degeneracy test, then the vertex LP) and of later re-solves (another budget, another c_s) start
from the previous basis instead of from scratch.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import highspy
import numpy as np

__all__ = [
    "FACE_SLACK",
    "HIGHS_OPTIONS",
    "FaceLP",
    "extend_by_zeros",
    "face_vertex",
    "face_vertex_near",
    "new_highs",
    "polish_basic_solution",
    "proven_positive",
]

# relative room given to the moment bounds, absorbing the QP solver's own tolerance
FACE_SLACK = 1e-9

# the options of every HiGHS model of the package (copied per model; pass ``options`` to a
# model to change them)
HIGHS_OPTIONS = {
    "output_flag": False,
    "solver": "simplex",
    "simplex_strategy": 1,  # dual simplex: a basic solution, and warm starts after bound changes
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
}
_banner_printed = False


class FaceLP:
    """The LP ``min r's`` over ``{s : B s >= target, 0 <= s <= 1/n, sum(s) = 1}``, kept warm.

    Parameters
    ----------
    normalized_moments : ndarray, shape (k, N)
        ``B`` with ``(B s)_j = (A s)_j / lam_j``.
    options : dict, optional
        HiGHS options over :data:`HIGHS_OPTIONS`.

    Notes
    -----
    The constraint matrix is fixed; each :meth:`vertex` call changes only the cost, the column
    bounds (``1/n``) and the row bounds (``target``), so HiGHS's dual simplex restarts from the
    last basis (still dual feasible when the cost is unchanged, as in a sweep with one rng
    seed). The answer does not depend on the warm start: the random cost makes the optimal
    vertex unique with probability 1.
    """

    def __init__(self, normalized_moments: np.ndarray, options: dict | None = None) -> None:
        b = np.asarray(normalized_moments, dtype=float)
        self.n_rows, self.n_samples = b.shape
        self.normalized_moments = b
        self._highs = new_highs(options)
        self._cost: np.ndarray | None = None
        self._columns = np.arange(self.n_samples, dtype=np.int32)
        self._rows = np.arange(self.n_rows, dtype=np.int32)
        k, size = self.n_rows, self.n_samples
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = size, k + 1
        lp.col_cost_ = np.zeros(size)
        lp.col_lower_, lp.col_upper_ = np.zeros(size), np.ones(size)
        # rows 0..k-1: B s >= target (set per call); row k: sum(s) = 1
        lp.row_lower_ = np.append(np.zeros(k), 1.0)
        lp.row_upper_ = np.append(np.full(k, highspy.kHighsInf), 1.0)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, (k + 1) * size + 1, k + 1, dtype=np.int32)
        lp.a_matrix_.index_ = np.tile(np.arange(k + 1, dtype=np.int32), size)
        lp.a_matrix_.value_ = np.vstack([b, np.ones((1, size))]).ravel(order="F")
        self._highs.passModel(lp)
        self.iterations = 0
        self.infeasible = False

    def vertex(self, target: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray | None:
        """A random vertex of ``{s : B s >= target, 0 <= s <= 1/n, sum(s) = 1}``, or None.

        Parameters
        ----------
        target : ndarray, shape (k,)
            Lower bounds on the relative moments ``B s``.
        n : int
            Budget (cap ``1/n``).
        rng : Generator
            Draws the random cost ``r ~ U(0, 1)^N`` that picks the vertex.

        Returns
        -------
        ndarray, shape (N,), or None when the polytope is empty (or HiGHS fails). The
        simplex iterations of the call are left in :attr:`iterations`, and whether HiGHS
        proved the polytope empty in :attr:`infeasible`.
        """
        highs, size = self._highs, self.n_samples
        cost = rng.random(size)
        if self._cost is None or not np.array_equal(cost, self._cost):
            highs.changeColsCost(size, self._columns, cost)
            self._cost = cost
        highs.changeColsBounds(size, self._columns, np.zeros(size), np.full(size, 1.0 / n))
        target = np.asarray(target, dtype=float)
        upper = np.full(self.n_rows, highspy.kHighsInf)
        highs.changeRowsBounds(self.n_rows, self._rows, target, upper)
        highs.run()
        self.iterations = max(int(highs.getInfo().simplex_iteration_count), 0)
        status = highs.getModelStatus()
        if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible):
            # a warm start can fail numerically (seen after an infeasible LP: "excessive dual
            # values"); the same LP from scratch, with presolve, does not
            highs.clearSolver()
            highs.run()
            self.iterations += max(int(highs.getInfo().simplex_iteration_count), 0)
            status = highs.getModelStatus()
        self.infeasible = status == highspy.HighsModelStatus.kInfeasible
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(highs.getSolution().col_value, dtype=float)
        return polish_basic_solution(x, self.normalized_moments, target, n)


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
    target, n, rng
        As in :meth:`FaceLP.vertex`: the bounds on ``B s``, the budget (cap ``1/n``) and
        the generator of the random cost.

    Returns
    -------
    ndarray, shape (N,), or None when the polytope is empty (or HiGHS fails).

    Notes
    -----
    Solves the LP ``min r' s`` over the polytope with HiGHS's dual simplex (a one-off
    :class:`FaceLP`), which returns a basic solution: at most ``k + 1`` weights strictly
    between 0 and ``1/n``, the rest at a bound, so the support is at most ``n + k``. Uses of it:

    * ``target = 1/c_s``: the polytope is non-empty exactly when the QP's optimum is 0
      (the degenerate case), and it is then the QP's optimal face.
    * ``target = min(B s*, 1/c_s)`` for an optimal s*: every feasible s has hinge
      ``(1/c_s - B s)_+ <= (1/c_s - B s*)_+`` componentwise, hence ``F(s) <= F(s*)``, so the
      polytope is the optimal face in the non-degenerate case too.
    """
    return FaceLP(normalized_moments).vertex(target, n, rng)


def new_highs(options: dict | None = None) -> highspy.Highs:
    """A silent HiGHS instance with :data:`HIGHS_OPTIONS`, updated by ``options``."""
    global _banner_printed
    if _banner_printed:
        highs = highspy.Highs()
    else:
        # highspy prints a licence banner to the C-level stdout on the first construction in
        # a process, before any option can be set; it would corrupt a CLI's stdout
        with _c_stdout_silenced():
            highs = highspy.Highs()
        _banner_printed = True
    for name, value in {**HIGHS_OPTIONS, **(options or {})}.items():
        highs.setOptionValue(name, value)
    return highs


@contextlib.contextmanager
def _c_stdout_silenced() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null for the duration (C code writes there directly)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def polish_basic_solution(
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


def extend_by_zeros(values: np.ndarray, support: np.ndarray, size: int) -> np.ndarray:
    """A length-``size`` vector holding ``values`` at ``support`` and zeros elsewhere."""
    out = np.zeros(size)
    out[support] = values
    return out


def face_vertex_near(
    b: np.ndarray, s: np.ndarray, n: int, c_s: float, rng: np.random.Generator
) -> np.ndarray | None:
    """A random vertex of the optimal face through the optimal ``s``, found on its support.

    The optimal face is ``{B s' >= min(B s, 1/c_s)}`` (see :func:`face_vertex`); its points
    that vanish off the support of ``s`` form a face of it (containing ``s``), and a vertex of a
    face of a polytope is a vertex of the polytope. The LP over the support (about ``n + k`` to
    a few hundred points for an interior-point ``s``) is much smaller than over all points;
    should it be infeasible (entries below the support threshold that mattered), the LP over
    all points where ``s`` is not exactly 0 decides.
    """
    target = np.minimum(b @ s, 1.0 / c_s) * (1.0 - FACE_SLACK)
    size = b.shape[1]
    for support in (np.flatnonzero(s > 1e-9 / n), np.flatnonzero(s > 0.0)):
        vertex = face_vertex(b[:, support], target, n, rng)
        if vertex is not None:
            return extend_by_zeros(vertex, support, size)
    return None


def proven_positive(value: float, gap: float, weights: np.ndarray, c_s: float) -> bool:
    """Whether ``F(s) = value`` and its Frank-Wolfe gap prove that no s meets the LP's floor.

    ``F* >= F(s) - gap``, and ``sqrt(F*) > ||w|| FACE_SLACK / c_s`` rules out every s with
    ``B s >= (1 - FACE_SLACK) / c_s`` (triangle inequality on the hinge), so the degeneracy
    LP would be infeasible and need not be solved (scaled units, see
    :func:`~skmm_convex.certificates.diagonal.reduced_objective`).
    """
    return bool(np.sqrt(max(value - gap, 0.0)) > np.linalg.norm(weights) * FACE_SLACK / c_s)
