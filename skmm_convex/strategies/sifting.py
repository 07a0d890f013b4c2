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

from ..programs.face_lp import FaceLP, new_highs, polish_basic_solution

__all__ = ["SiftedFaceLP"]

_LOWER, _UPPER, _FREE = 0, 1, 2
# cost of a unit of the artificial slack on a row; the weights cost at most 1 in total
_PENALTY = 10.0
# a fixed weight prices out when its reduced cost has the wrong sign by more than this
# (HiGHS's own dual feasibility tolerance in face_lp.HIGHS_OPTIONS)
_PRICE_TOLERANCE = 1e-10
_MAX_ROUNDS = 200
# the first guess frees this many weights per row (fewer rounds than 2 or 4, measured)
_BAND = 8
# phase 1 proves the polytope empty when the rows' least total violation exceeds this (far
# above HiGHS's feasibility tolerance, 1e-10); below it the LP over all N decides
_EMPTY_MARGIN = 1e-6


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
    unique optimal vertex. If some ``e > 0`` remains, that proves nothing (``M`` is finite), so
    phase 1 follows on the same model: cost 0 on the weights and 1 on the artificials, priced
    the same way. Its converged optimum is the least total violation ``min 1'e`` over all N
    points (LP duality again); above ``1e-6`` the polytope is empty (:attr:`infeasible`),
    below it the LP over all N (one :class:`FaceLP`) decides. First guess: the n points of
    smallest ``r_i - B_i'y`` at the cap, for the duals ``y`` of the previous call with the
    same cost (``y = 0`` otherwise), and the ``8(k + 1)`` around the n-th free.
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
        self.violation = np.nan

    def vertex(self, target: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray | None:
        """As :meth:`~skmm_convex.programs.face_lp.FaceLP.vertex` (same cost draw, same vertex).

        Returns
        -------
        ndarray, shape (N,), or None when the polytope is empty (or HiGHS fails). The simplex
        iterations of the call are left in :attr:`iterations`, the restricted LPs solved in
        :attr:`rounds`, and whether the polytope was proven empty (by phase 1, or by HiGHS
        over all N) in :attr:`infeasible`.
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
        restricted = _RestrictedLP(b, cost, target, cap, status)
        if not self._sift(restricted, cost):
            return self._over_all_points(cost, target, n)
        if restricted.artificial_total() > 0:
            # phase 1 over all N: the least total violation of the rows, by the same pricing
            restricted.set_phase_one()
            if not self._sift(restricted, np.zeros_like(cost)):
                return self._over_all_points(cost, target, n)
            if restricted.artificial_total() > _EMPTY_MARGIN:
                self.infeasible = True
                return None
            return self._over_all_points(cost, target, n)  # too close to call here
        s = restricted.weights()
        self._duals = restricted.duals[:k]
        return polish_basic_solution(s, b, target, n)

    def least_violation(
        self, target: np.ndarray, n: int, row_costs: np.ndarray
    ) -> np.ndarray | None:
        """Weights in the capped simplex of least ``sum_j row_costs_j (target_j - (B s)_j)_+``.

        Parameters
        ----------
        target : ndarray, shape (k,)
            Lower bounds on the relative moments ``B s``.
        n : int
            Budget (cap ``1/n``).
        row_costs : ndarray, shape (k,)
            Positive cost of a unit of violation of each row.

        Returns
        -------
        ndarray, shape (N,), a basic optimal solution (at most ``k + 1`` weights strictly
        between 0 and ``1/n``), or None when HiGHS fails. Its weighted violation ``c'e`` is
        left in :attr:`violation` and :meth:`proves_empty` reads it.

        Notes
        -----
        The LP ``min c'e  s.t.  B s + e >= target, e >= 0, s`` in the capped simplex, by the
        same sifting as :meth:`vertex` (weights cost 0; first guess: the n largest
        ``(B'c)_i`` at the cap). The sum row keeps its artificials at a cost above
        ``max_i (B'c)_i``, what one unit of mass can buy in weighted violation, so they stay
        at 0 at the optimum. With ``c = w^2`` (the QP's weights, which the QP squares
        the violations with) its support seeds the working set of a binding solve.
        """
        b = self.normalized_moments
        row_costs = np.asarray(row_costs, dtype=float)
        free_cost = np.zeros(self.n_samples)
        status = self._first_guess(free_cost, row_costs, n)
        self.iterations = self.rounds = 0
        target = np.asarray(target, dtype=float)
        restricted = _RestrictedLP(b, free_cost, target, 1.0 / n, status)
        exact = 1.0 + 2.0 * float(np.max(b.T @ row_costs))
        restricted.set_artificial_costs(np.append(row_costs, [exact, exact]))
        self.violation = np.nan
        if not self._sift(restricted, free_cost):
            return None
        self.violation = float(row_costs @ restricted.artificial_values()[:-2])
        return restricted.weights()

    def proves_empty(self, row_costs: np.ndarray) -> bool:
        """Whether the last :meth:`least_violation` proves ``{B s >= target}`` empty.

        Its optimum over all N is 0 when the polytope is not empty; a value above
        ``1e-6 sum(c)`` is far outside what HiGHS's tolerances (1e-10) could leave.
        """
        return bool(self.violation > _EMPTY_MARGIN * float(np.sum(row_costs)))

    def _sift(self, restricted: _RestrictedLP, cost: np.ndarray) -> bool:
        """Solve, price every fixed weight with ``cost``, free the violators; until none is.

        False when HiGHS does not reach an optimum or the rounds run out.
        """
        b, k, status = self.normalized_moments, self.n_rows, restricted.status
        while self.rounds < _MAX_ROUNDS:
            iterations = restricted.run()
            self.rounds += 1
            self.iterations += iterations
            if restricted.duals is None:
                return False
            duals = restricted.duals
            reduced = cost - b.T @ duals[:k] - duals[k]
            wrong_sign = np.where(status == _LOWER, -reduced, 0.0)
            wrong_sign = np.where(status == _UPPER, reduced, wrong_sign)
            entering = np.flatnonzero(wrong_sign > _PRICE_TOLERANCE)
            if entering.size == 0:
                return True
            order = np.argsort(-wrong_sign[entering], kind="stable")
            restricted.free(entering[order[: 2 * (k + 1)]])
        return False

    def _first_guess(self, cost: np.ndarray, duals: np.ndarray | None, n: int) -> np.ndarray:
        """Bounds guessed from the duals ``y``: the n smallest ``r_i - B_i'y`` at the cap."""
        reduced = cost if duals is None else cost - self.normalized_moments.T @ duals
        order = np.argsort(reduced, kind="stable")
        width = _BAND * (self.n_rows + 1)
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


class _RestrictedLP:
    """The LP in the free weights (the others fixed at a bound), with artificial slacks."""

    def __init__(
        self, b: np.ndarray, cost: np.ndarray, target: np.ndarray, cap: float, status: np.ndarray
    ) -> None:
        self.b, self.cost, self.target, self.cap, self.status = b, cost, target, cap, status
        k = b.shape[0]
        self.highs = highs = new_highs()
        highs.setOptionValue("presolve", "off")  # small and re-solved after every pricing round
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = k + 2, k + 1
        lp.col_cost_ = np.full(k + 2, _PENALTY)
        lp.col_lower_, lp.col_upper_ = np.zeros(k + 2), np.full(k + 2, inf)
        lower, total = self._row_bounds()
        lp.row_lower_ = np.append(lower, total)
        lp.row_upper_ = np.append(np.full(k, inf), total)
        # artificials: one per moment row, and e_+ - e_- on the sum row
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(k + 3, dtype=np.int32)
        lp.a_matrix_.index_ = np.append(np.arange(k + 1), k).astype(np.int32)
        lp.a_matrix_.value_ = np.append(np.ones(k + 1), -1.0)
        highs.passModel(lp)
        # the model's columns: weight index, or -1 for an artificial
        self.columns = np.full(k + 2, -1)
        self._add(np.flatnonzero(status == _FREE))
        self.duals: np.ndarray | None = None
        self._values: np.ndarray | None = None

    def run(self) -> int:
        """Solve; leave the row duals in :attr:`duals` (None unless optimal). Iterations."""
        highs = self.highs
        highs.run()
        iterations = max(int(highs.getInfo().simplex_iteration_count), 0)
        self.duals = self._values = None
        if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            solution = highs.getSolution()
            self.duals = np.asarray(solution.row_dual, dtype=float)
            self._values = np.asarray(solution.col_value, dtype=float)
        return iterations

    def free(self, entering: np.ndarray) -> None:
        """Move fixed weights ``entering`` into the LP (at 0; a dual simplex restart)."""
        from_cap = bool(np.any(self.status[entering] == _UPPER))
        self.status[entering] = _FREE
        self._add(entering)
        if from_cap:  # their fixed contribution moves into the restricted LP
            k = self.b.shape[0]
            lower, total = self._row_bounds()
            upper = np.append(np.full(k, highspy.kHighsInf), total)
            rows = np.arange(k + 1, dtype=np.int32)
            self.highs.changeRowsBounds(k + 1, rows, np.append(lower, total), upper)

    def set_phase_one(self) -> None:
        """Cost 0 on the weights, 1 on the artificials: minimise the total violation."""
        phase_one = (self.columns < 0).astype(float)
        every = np.arange(self.columns.size, dtype=np.int32)
        self.highs.changeColsCost(every.size, every, phase_one)
        self.cost = np.zeros_like(self.cost)  # for the weights added from now on

    def set_artificial_costs(self, costs: np.ndarray) -> None:
        """Costs of the ``k + 2`` artificials: one per moment row, then ``e_+``, ``e_-``."""
        artificials = np.flatnonzero(self.columns < 0).astype(np.int32)
        self.highs.changeColsCost(artificials.size, artificials, np.asarray(costs, dtype=float))

    def artificial_total(self) -> float:
        """The sum of the artificial slacks at the last optimum."""
        return float(self.artificial_values().sum())

    def artificial_values(self) -> np.ndarray:
        """The artificial slacks at the last optimum: one per moment row, then e_+, e_-."""
        return self._values[self.columns < 0]

    def weights(self) -> np.ndarray:
        """The full weight vector: the LP's values on W, the fixed bounds elsewhere."""
        s = np.where(self.status == _UPPER, self.cap, 0.0)
        inside = self.columns >= 0
        s[self.columns[inside]] = self._values[inside]
        return s

    def _row_bounds(self) -> tuple[np.ndarray, float]:
        """Lower bounds of the moment rows and the right side of the sum row, net of the
        weights fixed at the cap."""
        at_cap = self.status == _UPPER
        return (
            self.target - self.cap * self.b[:, at_cap].sum(axis=1),
            1.0 - self.cap * at_cap.sum(),
        )

    def _add(self, columns: np.ndarray) -> None:
        """Append weights ``columns`` (bounds ``[0, cap]``, entries ``B_i`` and 1)."""
        k, count = self.b.shape[0], columns.size
        values = np.vstack([self.b[:, columns], np.ones((1, count))]).ravel(order="F")
        self.highs.addCols(
            count,
            self.cost[columns],
            np.zeros(count),
            np.full(count, self.cap),
            count * (k + 1),
            np.arange(0, count * (k + 1), k + 1, dtype=np.int32),
            np.tile(np.arange(k + 1, dtype=np.int32), count),
            values,
        )
        self.columns = np.concatenate([self.columns, columns])
