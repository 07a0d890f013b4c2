"""The full-PSD formulation: reduction to the QP, Loewner certificates, solver agreement."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
import scipy.linalg

import skmm_convex as skmm
from skmm_convex.certificates.diagonal import reduced_objective
from skmm_convex.certificates.loewner import psd_frank_wolfe_gap, psd_objective, psd_target
from skmm_convex.errors import DegenerateProblemWarning, ValidationError
from skmm_convex.moment_matching import MomentMatching
from skmm_convex.programs.face_lp import FACE_SLACK
from skmm_convex.programs.psd_sdp import PSDMomentMatchingSDP

TIGHT_SCS = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000}


def commuting_moments(rng: np.random.Generator) -> skmm.SketchedMoments:
    """Noise-free orthogonal clusters: row i is ``norm_i e_{cluster(i)}``, 4 clusters.

    ``Z' diag(s) Z`` is then diagonal for every s (each ``z_i z_i'`` is), so ``Sigma~`` commutes
    with every candidate moment. Distinct cluster sizes make the eigenvalues distinct.
    """
    sizes = (6, 9, 14, 19)
    blocks = []
    for j, size in enumerate(sizes):
        block = np.zeros((size, len(sizes)))
        block[:, j] = rng.uniform(0.5, 2.0, size) * (j + 1)
        blocks.append(block)
    features = np.vstack(blocks)
    return skmm.compute_moments(features[rng.permutation(features.shape[0])])


def general_moments(seed: int = 0) -> skmm.SketchedMoments:
    """A small GMM, sketched: Sigma~ and the coreset moments do not commute."""
    data = skmm.make_gmm(160, 40, 4, std_max=0.3, rng=seed)
    sketch = skmm.sketch_features(data.features, 6, "gaussian", np.random.default_rng(seed))
    return skmm.compute_moments(sketch)


def lambda_min_gap(moments: skmm.SketchedMoments, s: np.ndarray, c_s: float) -> float:
    """``lambda_min(Z' diag(s) Z - I / c_s)``."""
    z = moments.whitened
    return float(np.linalg.eigvalsh((z * s[:, None]).T @ z)[0] - 1.0 / c_s)


def lmi_tolerance(c_s: float) -> float:
    """The promise of the PSD path: ``lambda_min(M(s)) >= (1 - 1e-9) / c_s`` (FACE_SLACK),
    plus an allowance for the rounding of one small eigenvalue computation."""
    return 1e-9 / c_s + 1e-13


def objective_allowance(moments: skmm.SketchedMoments, c_s: float) -> float:
    """Largest objective an s meeting the LMI up to ``lmi_tolerance`` can have (paper units):
    ``X(s) >= -tol W`` and ``w_j <= 1``, so ``F_psd <= k tol^2`` times ``lam_1^2``."""
    return moments.n_directions * (moments.eigenvalues[0] * lmi_tolerance(c_s)) ** 2


@pytest.fixture
def commuting(global_seed):
    """Swept by ``SKMM_TEST_SEED``: the commuting structure holds for every draw."""
    return commuting_moments(np.random.default_rng(global_seed + 3))


@pytest.fixture(scope="module")
def general():
    return general_moments(0)


@pytest.fixture(scope="module")
def general_constants(general):
    """Smallest certifiable constants of the general instance at n = 20 (both kinds)."""
    return {
        kind: skmm.smallest_certifiable_c_s(general, 20, kind) for kind in ("diagonal", "loewner")
    }


# --- the program and its docstring formula -------------------------------------------------


@pytest.mark.parametrize("weighting", ["paper", "relative"])
def test_cvxpy_objective_is_the_weighted_frobenius_norm(general, weighting):
    program = PSDMomentMatchingSDP(general, weighting)
    rng = np.random.default_rng(1)
    s = rng.dirichlet(np.ones(general.whitened.shape[0]))
    gamma = rng.standard_normal((general.n_directions,) * 2)
    gamma = gamma + gamma.T
    program.s.value, program.gamma.value = s, gamma
    z = general.whitened
    root = np.diag(np.sqrt(program.weights))
    expected = np.linalg.norm(root @ ((z * s[:, None]).T @ z - gamma) @ root, "fro") ** 2
    assert program.problem.objective.value == pytest.approx(expected, rel=1e-10)
    assert program.problem.is_dcp(dpp=True)


def test_objective_with_gamma_minimised_out_matches_cvxpy(general):
    """``psd_objective`` (eigenvalue formula) equals the SDP over Gamma at fixed s."""
    rng = np.random.default_rng(2)
    s = rng.dirichlet(np.ones(general.whitened.shape[0]))
    c_s = 0.6
    program = PSDMomentMatchingSDP(general, "paper")
    program.set_parameters(1, c_s)
    fixed = cp.Problem(program.problem.objective, [program.lmi, program.s == s])
    fixed.solve(solver="CLARABEL")
    assert psd_objective(general, s, c_s, program.weights) == pytest.approx(fixed.value, rel=1e-6)
    target = psd_target(general, s, c_s, program.weights)
    assert np.linalg.eigvalsh(target - np.eye(target.shape[0]) / c_s)[0] >= -1e-12


def test_psd_objective_is_never_below_the_diagonal_one(general):
    weights = PSDMomentMatchingSDP(general, "paper").weights
    rng = np.random.default_rng(4)
    for _ in range(20):
        s = rng.dirichlet(np.full(general.whitened.shape[0], 0.3))
        for c_s in (0.3, 0.8, 1.5):
            diag = reduced_objective(general, s, c_s, weights)
            assert psd_objective(general, s, c_s, weights) >= diag * (1 - 1e-12)


# --- commuting instances: the PSD program is the QP -------------------------------------------


def test_commuting_instance_has_diagonal_moments(commuting):
    z = commuting.whitened
    assert np.count_nonzero(np.abs(z) > 1e-12 * np.abs(z).max(), axis=1).max() == 1
    s = np.random.default_rng(0).dirichlet(np.ones(z.shape[0]))
    moment = (z * s[:, None]).T @ z
    assert np.allclose(moment, np.diag(np.diag(moment)), atol=1e-12)


def test_commuting_objectives_agree_pointwise(commuting):
    weights = PSDMomentMatchingSDP(commuting, "paper").weights
    rng = np.random.default_rng(5)
    for _ in range(10):
        s = rng.dirichlet(np.ones(commuting.whitened.shape[0]))
        assert psd_objective(commuting, s, 0.5, weights) == pytest.approx(
            reduced_objective(commuting, s, 0.5, weights), rel=1e-10, abs=1e-15
        )


@pytest.mark.parametrize("weighting", ["paper", "relative"])
def test_commuting_psd_and_diagonal_reach_the_same_optimum(commuting, weighting):
    n, c_s = 24, 0.5
    psd = MomentMatching(commuting, "psd", weighting=weighting).solve(n, c_s)
    diag = MomentMatching(commuting, "diagonal", weighting=weighting).solve(
        n, c_s, solution="interior"
    )
    assert not psd.degenerate and not diag.degenerate
    assert psd.objective > 0
    # each optimum lies in [objective - suboptimality_bound, objective]; the brackets must meet
    assert psd.objective - psd.suboptimality_bound <= diag.objective * (1 + 1e-9)
    assert diag.objective - diag.suboptimality_bound <= psd.objective * (1 + 1e-9)
    assert psd.objective == pytest.approx(diag.objective, rel=1e-6)
    assert psd.suboptimality_bound <= 1e-6 * psd.objective


# --- general instances: the PSD solution certifies the Loewner condition -----------------------


def test_certified_loewner_c_is_the_generalised_eigenvalue():
    rng = np.random.default_rng(6)
    for trial in range(5):
        sketch = rng.standard_normal((30, 5)) * rng.uniform(0.2, 3.0, 5)
        moments = skmm.compute_moments(sketch)
        s = rng.dirichlet(np.full(30, 0.5)) if trial % 2 else np.isin(np.arange(30), range(12)) / 12
        sigma = sketch.T @ sketch / 30
        coreset = (sketch * s[:, None]).T @ sketch
        # Sigma~ v = mu G~' diag(s) G~ v; the smallest c with Sigma~ <= c G~' diag(s) G~ is mu_max
        expected = scipy.linalg.eigh(sigma, coreset, eigvals_only=True)[-1]
        assert skmm.certified_c_s(moments, s, kind="loewner") == pytest.approx(expected, rel=1e-9)
        diagonal = np.max(
            np.diag(moments.eigenvectors.T @ sigma @ moments.eigenvectors)
            / (np.diag(moments.eigenvectors.T @ coreset @ moments.eigenvectors))
        )
        assert skmm.certified_c_s(moments, s, kind="diagonal") == pytest.approx(diagonal, rel=1e-9)
        assert skmm.certified_c_s(moments, s, kind="diagonal") <= expected * (1 + 1e-10)


def test_psd_certifies_its_c_s_where_the_diagonal_vertex_does_not(general, general_constants):
    """The case the README quotes: c_s a little above the smallest Loewner constant."""
    n = 20
    c_s = 1.05 * general_constants["loewner"].c_s
    with pytest.warns(DegenerateProblemWarning):
        psd = MomentMatching(general, "psd").solve(n, c_s)
    with pytest.warns(DegenerateProblemWarning):
        diag = MomentMatching(general, "diagonal").solve(n, c_s, rng=np.random.default_rng(0))
    print(
        f"c_s={c_s:.4f}: psd certifies loewner {psd.certified_c_s_loewner:.4f} "
        f"(diagonal {psd.certified_c_s:.4f}); diagonal vertex certifies loewner "
        f"{diag.certified_c_s_loewner:.4f} (diagonal {diag.certified_c_s:.4f})"
    )
    assert psd.degenerate and psd.objective <= objective_allowance(general, c_s)
    assert psd.certified_c_s_loewner <= c_s * (1 + 1e-9)
    assert lambda_min_gap(general, psd.s, c_s) >= -lmi_tolerance(c_s)
    # the face LP's vertex meets B s >= (1 - FACE_SLACK) / c_s to its polish's 1e-12 (relative)
    assert diag.certified_c_s <= c_s / ((1 - FACE_SLACK) * (1 - 1e-12))
    assert diag.certified_c_s_loewner > c_s


@pytest.mark.parametrize("weighting", ["paper", "relative"])
def test_lmi_holds_at_the_returned_s_when_feasible(general, general_constants, weighting):
    n = 20
    for factor in (1.0001, 1.001, 1.3):
        c_s = factor * general_constants["loewner"].c_s
        with pytest.warns(DegenerateProblemWarning):
            psd = MomentMatching(general, "psd", weighting=weighting).solve(n, c_s)
        assert psd.degenerate
        assert lambda_min_gap(general, psd.s, c_s) >= -lmi_tolerance(c_s)
        assert psd.s.sum() == pytest.approx(1.0, abs=1e-7)
        assert psd.s.min() >= 0 and psd.s.max() <= 1 / n


def test_solver_point_short_of_the_lmi_is_pulled_into_it(general, general_constants, monkeypatch):
    """At c_s just above the smallest Loewner constant the solver's own point (at Clarabel's
    own default tolerances, 1e-8) misses the LMI by more than 1e-9; the max-t SDP and the
    bisection move it into the LMI set. (At the package's tighter default tolerances the
    solver's point happens to meet the LMI here, so the repair would not be exercised.)"""
    import skmm_convex.strategies.psd as psd_strategy

    calls = []
    original = psd_strategy.pull_into_lmi

    def spy(whitened, s, inside, floor, *args):
        calls.append(float(np.linalg.eigvalsh((whitened * s[:, None]).T @ whitened)[0] / floor))
        return original(whitened, s, inside, floor, *args)

    monkeypatch.setattr(psd_strategy, "pull_into_lmi", spy)
    c_s = 1.0001 * general_constants["loewner"].c_s
    with pytest.warns(DegenerateProblemWarning):
        clarabel_defaults = {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8}
        psd = MomentMatching(general, "psd", solver_options=clarabel_defaults).solve(20, c_s)
    assert len(calls) == 1 and calls[0] < 1.0  # the solver's point was short of the LMI
    assert psd.degenerate and psd.objective <= objective_allowance(general, c_s)
    assert lambda_min_gap(general, psd.s, c_s) >= -lmi_tolerance(c_s)


def test_below_the_smallest_loewner_constant_the_optimum_is_positive(general, general_constants):
    c_s = 0.98 * general_constants["loewner"].c_s_lower_bound
    psd = MomentMatching(general, "psd").solve(20, c_s)
    assert not psd.degenerate
    assert psd.objective - psd.suboptimality_bound > 0
    assert psd.certified_c_s_loewner > c_s


def test_clarabel_and_scs_agree_on_the_psd_optimum(general, general_constants):
    """Tolerance: SCS at eps 1e-9; objectives (recomputed from s) agree to 1e-6 relative
    (measured 2.4e-8; SCS at its default eps 1e-4 agrees to 3e-5)."""
    n, c_s = 20, 0.9 * general_constants["loewner"].c_s_lower_bound
    clarabel = MomentMatching(general, "psd").solve(n, c_s)
    scs = MomentMatching(general, "psd", solver="SCS", solver_options=TIGHT_SCS).solve(n, c_s)
    assert scs.solver == "SCS" and clarabel.solver == "CLARABEL"
    assert scs.objective == pytest.approx(clarabel.objective, rel=1e-6)
    # both are feasible points, so each objective is above the other's certified lower bound
    assert scs.objective >= clarabel.objective - clarabel.suboptimality_bound
    assert clarabel.objective >= scs.objective - scs.suboptimality_bound


# --- smallest certifiable constant ------------------------------------------------------------


def test_smallest_constants_are_consistent(general, general_constants):
    diag, loewner = general_constants["diagonal"], general_constants["loewner"]
    for result in (diag, loewner):
        assert result.c_s_lower_bound <= result.c_s * (1 + 1e-12)
        assert result.relative_gap <= 1e-5
        assert 1.0 / result.t == pytest.approx(result.c_s, rel=1e-6)
        assert result.c_s == skmm.certified_c_s(general, result.s, result.kind)
    assert diag.c_s <= loewner.c_s * (1 + 1e-6)
    assert loewner.c_s <= 1.0 + 1e-9  # s = 1/N certifies c = 1


def test_diagonal_constant_matches_highs():
    moments = general_moments(1)
    n = 30
    b = moments.normalized_moments
    k, n_samples = b.shape
    # variables (s, t): maximise t s.t. t - B s <= 0, sum s = 1, 0 <= s <= 1/n
    result = scipy.optimize.linprog(
        np.r_[np.zeros(n_samples), -1.0],
        A_ub=np.hstack([-b, np.ones((k, 1))]),
        b_ub=np.zeros(k),
        A_eq=np.r_[np.ones(n_samples), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, 1 / n)] * n_samples + [(None, None)],
        method="highs",
    )
    ours = skmm.smallest_certifiable_c_s(moments, n, "diagonal")
    assert ours.c_s == pytest.approx(-1.0 / result.fun, rel=1e-6)


def test_loewner_constant_matches_scs(general, general_constants):
    scs = skmm.smallest_certifiable_c_s(
        general, 20, "loewner", solver="SCS", solver_options=TIGHT_SCS
    )
    assert scs.c_s == pytest.approx(general_constants["loewner"].c_s, rel=1e-4)
    assert scs.c_s >= general_constants["loewner"].c_s_lower_bound * (1 - 1e-9)


# --- the public boundary ----------------------------------------------------------------------


def test_select_with_psd_formulation():
    data = skmm.make_gmm(120, 30, 3, std_max=0.2, rng=2)
    with pytest.warns(DegenerateProblemWarning):
        sel = skmm.select(data.features, 15, rng=0, sketch_dim=6, formulation="psd", c_s=1.0)
    assert np.unique(sel.indices).size == 15
    assert sel.solution.formulation == "psd"
    assert sel.solution.solution_mode == "interior"
    assert sel.solution.certified_c_s_loewner <= 1.0 * (1 + 1e-9)


def test_vertex_solution_is_rejected_for_psd():
    data = skmm.make_gmm(60, 20, 2, rng=0)
    with pytest.raises(ValidationError, match="solution='vertex' is only available"):
        skmm.select(data.features, 5, sketch_dim=4, formulation="psd", solution="vertex")


def test_diagonal_default_solution_is_still_the_vertex():
    data = skmm.make_gmm(60, 20, 2, rng=0)
    with pytest.warns(DegenerateProblemWarning):
        sel = skmm.select(data.features, 5, rng=0, sketch_dim=4)
    assert sel.solution.solution_mode == "vertex"
    assert sel.solution.formulation == "diagonal"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "frobenius"}, "kind must be one of"),
        ({"n": 0}, "n must be an int"),
        ({"solver": "NOPE"}, "is not installed; installed CVXPY solvers"),
    ],
)
def test_smallest_certifiable_validation(general, kwargs, match):
    arguments = {"moments": general, "n": 10, **kwargs}
    with pytest.raises((ValidationError, skmm.SolverNotInstalledError), match=match):
        skmm.smallest_certifiable_c_s(**arguments)


def test_smallest_certifiable_rejects_raw_arrays():
    with pytest.raises(ValidationError, match="moments must be a SketchedMoments"):
        skmm.smallest_certifiable_c_s(np.ones((5, 2)), 2)


def test_psd_frank_wolfe_gap_vanishes_only_near_the_optimum(general):
    weights = PSDMomentMatchingSDP(general, "paper").weights
    uniform = np.full(general.whitened.shape[0], 1 / general.whitened.shape[0])
    # at s = 1/N the moments equal I, so for c_s < 1 the gap is positive (not optimal for n < N)
    assert psd_frank_wolfe_gap(general, uniform, 20, 0.5, weights) > 0
