"""The face LP over all N points by sifting: small restricted LPs, every point priced.

The degeneracy LP ``min r's`` over ``{s : B s >= target, 0 <= s <= 1/n, sum(s) = 1}`` has only
``k + 1`` rows, so a basic solution has at most ``k + 1`` weights strictly between 0 and ``1/n``;
the other N - k - 1 sit at a bound. :class:`SiftedFaceLP` guesses those bounds, solves the LP in
the weights of a small set W (the others fixed at their guessed bound), prices every fixed
weight with the LP's duals and frees the ones that price out, until none does. The answer is
the vertex the LP over all N points returns (the random cost makes it unique), at a fraction
of the simplex work: each pivot touches ``|W|`` columns, not N.
"""

from __future__ import annotations

import highspy
import numpy as np

from .optimal_face import FaceLP, _new_highs, _polish_basic_solution

__all__ = ["SiftedFaceLP"]

_LOWER, _UPPER, _FREE = 0, 1, 2
# cost of a unit of the artificial slack on a row; the weights cost at most 1 in total
_PENALTY = 10.0
# a fixed weight prices out when its reduced cost has the wrong sign by more than this
# (HiGHS's own dual feasibility tolerance in optimal_face._HIGHS_OPTIONS)
_PRICE_TOLERANCE = 1e-10
_MAX_ROUNDS = 200


class SiftedFaceLP:
    """A random vertex of ``{s : B s >= target, 0 <= s <= 1/n, sum(s) = 1}`` by sifting.

    Parameters
    ----------
    normalized_moments : ndarray, shape (k, N)
        ``B`` with ``(B s)_j = (A s)_j / lam_j``.

    Notes
    -----
    Each weight is fixed at 0, fixed at ``1/n``, or free (the set W). The restricted LP is

    ``min r_W' s_W + M 1'e  s.t.  B_W s_W + e_B >= target - B_U 1/n,
    1' s_W + e_+ - e_- = 1 - |U|/n,  0 <= s_W <= 1/n,  e >= 0``

    with artificial slacks ``e`` at cost ``M`` (always feasible). With its row duals
    ``(y, mu)`` the reduced cost of weight i is ``d_i = r_i - B_i'y - mu``; a weight fixed at 0
    with ``d_i < 0``, or at ``1/n`` with ``d_i > 0``, joins W (the most violated first). When
    none does, ``(y, mu)`` is dual feasible for the LP over all N (with the artificials), so
    the restricted optimum is that LP's optimum. With ``e = 0`` it is feasible for the original
    LP and optimal there (the original LP is the same LP with ``e`` forced to 0), hence its
    unique optimal vertex. If some ``e > 0`` remains, that proves nothing (``M`` is finite):
    the original LP over all N then decides, warm in one :class:`FaceLP` (the binding case,
    whose verdict :class:`~skmm_convex.solve.MomentMatching` remembers). First guess: the n
    points of smallest ``r_i - B_i'y`` at the cap for the duals ``y`` of the previous call with
    the same cost (``y = 0`` otherwise), the ``2(k + 1)`` around the n-th free.
    """

    def __init__(self, normalized_moments: np.ndarray) -> None:
        self.normalized_moments = np.asarray(normalized_moments, dtype=float)
        self.n_rows, self.n_samples = self.normalized_moments.shape
        self._full: FaceLP | None = None
        self._cost: np.ndarray | None = None
        self._duals: np.ndarray | None = None
        self.iterations = 0
        self.rounds = 0
        self.infeasible = False

    def vertex(self, target: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray | None:
        """As :meth:`optimal_face.FaceLP.vertex` (same cost draw, same vertex).

        Returns
        -------
        ndarray, shape (N,), or None when the polytope is empty (or HiGHS fails). The simplex
        iterations of the call are left in :attr:`iterations`, the restricted LPs solved in
        :attr:`rounds`, and whether HiGHS proved the polytope empty in :attr:`infeasible`.
        """
        b, k = self.normalized_moments, self.n_rows
        cost = rng.random(self.n_samples)
        target = np.asarray(target, dtype=float)
        cap = 1.0 / n
        same_cost = self._cost is not None and np.array_equal(cost, self._cost)
        status = self._first_guess(cost, self._duals if same_cost else None, n)
        self._cost, self._duals = cost, None
        self.iterations = self.rounds = 0
        self.infeasible = False
        highs, columns = _restricted_model(b, cost, target, cap, status)
        rows = np.arange(k + 1, dtype=np.int32)
        while self.rounds < _MAX_ROUNDS:
            highs.run()
            self.rounds += 1
            self.iterations += max(int(highs.getInfo().simplex_iteration_count), 0)
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return self._over_all_points(cost, target, n)
            solution = highs.getSolution()
            duals = np.asarray(solution.row_dual, dtype=float)
            reduced = cost - b.T @ duals[:k] - duals[k]
            wrong_sign = np.where(status == _LOWER, -reduced, 0.0)
            wrong_sign = np.where(status == _UPPER, reduced, wrong_sign)
            entering = np.flatnonzero(wrong_sign > _PRICE_TOLERANCE)
            if entering.size == 0:
                break
            entering = entering[np.argsort(-wrong_sign[entering], kind="stable")[: 2 * (k + 1)]]
            from_cap = bool(np.any(status[entering] == _UPPER))
            status[entering] = _FREE
            _add_columns(highs, b, cost, cap, entering)
            columns = np.concatenate([columns, entering])
            if from_cap:  # their fixed contribution moves into the restricted LP
                lower, total = _row_bounds(b, target, cap, status)
                upper = np.append(np.full(k, highspy.kHighsInf), total)
                highs.changeRowsBounds(k + 1, rows, np.append(lower, total), upper)
        else:
            return self._over_all_points(cost, target, n)
        x = np.asarray(solution.col_value, dtype=float)
        if np.any(x[columns < 0] > 0):  # artificials in use: the full LP decides
            return self._over_all_points(cost, target, n)
        s = np.where(status == _UPPER, cap, 0.0)
        s[columns[columns >= 0]] = x[columns >= 0]
        self._duals = duals[:k]
        return _polish_basic_solution(s, b, target, n)

    def _first_guess(self, cost: np.ndarray, duals: np.ndarray | None, n: int) -> np.ndarray:
        """Bounds guessed from the duals ``y``: the n smallest ``r_i - B_i'y`` at the cap."""
        reduced = cost if duals is None else cost - self.normalized_moments.T @ duals
        order = np.argsort(reduced, kind="stable")
        width = 2 * (self.n_rows + 1)
        first = max(n - width // 2, 0)
        status = np.full(self.n_samples, _LOWER, dtype=np.int8)
        status[order[:first]] = _UPPER
        status[order[first : first + width]] = _FREE
        return status

    def _over_all_points(self, cost: np.ndarray, target: np.ndarray, n: int) -> np.ndarray | None:
        """The LP over all N points (warm across calls), with this call's cost."""
        if self._full is None:
            self._full = FaceLP(self.normalized_moments)
        vertex = self._full.vertex(target, n, _GivenCost(cost))
        self.iterations += self._full.iterations
        self.infeasible = self._full.infeasible
        return vertex


class _GivenCost:
    """Stands in for the generator: hands :meth:`FaceLP.vertex` the cost already drawn."""

    def __init__(self, cost: np.ndarray) -> None:
        self._cost = cost

    def random(self, size: int) -> np.ndarray:
        assert size == self._cost.size
        return self._cost


def _row_bounds(
    b: np.ndarray, target: np.ndarray, cap: float, status: np.ndarray
) -> tuple[np.ndarray, float]:
    """Lower bounds of the moment rows and the right side of the sum row, net of fixed weights."""
    at_cap = status == _UPPER
    return target - cap * b[:, at_cap].sum(axis=1), 1.0 - cap * at_cap.sum()


def _restricted_model(
    b: np.ndarray, cost: np.ndarray, target: np.ndarray, cap: float, status: np.ndarray
) -> tuple[highspy.Highs, np.ndarray]:
    """A HiGHS model over the free weights and the artificials; its columns (-1: artificial)."""
    k = b.shape[0]
    free = np.flatnonzero(status == _FREE)
    highs = _new_highs()
    highs.setOptionValue("presolve", "off")  # small and re-solved after every pricing round
    lower, total = _row_bounds(b, target, cap, status)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = k + 2, k + 1
    lp.col_cost_ = np.full(k + 2, _PENALTY)
    lp.col_lower_, lp.col_upper_ = np.zeros(k + 2), np.full(k + 2, inf)
    lp.row_lower_ = np.append(lower, total)
    lp.row_upper_ = np.append(np.full(k, inf), total)
    # artificials: one per moment row, and e_+ - e_- on the sum row
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(k + 3, dtype=np.int32)
    lp.a_matrix_.index_ = np.append(np.arange(k + 1), k).astype(np.int32)
    lp.a_matrix_.value_ = np.append(np.ones(k + 1), -1.0)
    highs.passModel(lp)
    _add_columns(highs, b, cost, cap, free)
    return highs, np.concatenate([np.full(k + 2, -1), free])


def _add_columns(
    highs: highspy.Highs, b: np.ndarray, cost: np.ndarray, cap: float, columns: np.ndarray
) -> None:
    """Append weights ``columns`` (bounds ``[0, cap]``, entries ``B_i`` and 1) to the model."""
    k, count = b.shape[0], columns.size
    values = np.vstack([b[:, columns], np.ones((1, count))]).ravel(order="F")
    highs.addCols(
        count,
        cost[columns],
        np.zeros(count),
        np.full(count, cap),
        count * (k + 1),
        np.arange(0, count * (k + 1), k + 1, dtype=np.int32),
        np.tile(np.arange(k + 1, dtype=np.int32), count),
        values,
    )
