"""select(): its documented public contract, reproducibility, and the CLI's select command."""

import json
import warnings

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.cli import main


@pytest.fixture(scope="module")
def small_gmm():
    return skmm.make_gmm(400, 500, 5, std_max=0.04, rng=2)


def select_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skmm.DegenerateProblemWarning)
        return skmm.select(*args, **kwargs)


def test_skmm_selection_contract(small_gmm):
    sel = select_quietly(small_gmm.features, 24, rng=0, sketch_dim=16, c_s=0.999)
    assert sel.method == "skmm" and sel.sampler == "stratified"
    assert sel.indices.shape == (24,) and np.unique(sel.indices).size == 24
    s = sel.weights
    assert s.shape == (400,) and s.min() >= 0 and s.max() <= 1 / 24 + 1e-12
    assert s.sum() == pytest.approx(1, abs=1e-9)
    sol = sel.solution
    assert sol.sketch.shape == (400, 16) and sol.eigenvalues.shape == (16,)
    assert sol.status == "optimal" and sol.solve_seconds > 0
    assert sol.certified_c_s_loewner >= sol.certified_c_s * (1 - 1e-9)
    assert np.all(sol.gamma >= 1 / 0.999 - 1e-12)


def test_same_rng_same_indices_different_rng_different_sketch(small_gmm):
    a = select_quietly(small_gmm.features, 20, rng=5, sketch_dim=8)
    b = select_quietly(small_gmm.features, 20, rng=np.random.default_rng(5), sketch_dim=8)
    c = select_quietly(small_gmm.features, 20, rng=6, sketch_dim=8)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.allclose(a.solution.sketch, c.solution.sketch)


def test_options_are_checked_by_name(small_gmm):
    with pytest.raises(skmm.ValidationError, match="method must be one of"):
        skmm.select(small_gmm.features, 5, method="nope")
    with pytest.raises(skmm.ValidationError, match="does not take these options"):
        skmm.select(small_gmm.features, 5, method="uniform", sketch_dim=3)
    with pytest.raises(skmm.ValidationError, match="n must be an int in \\[1, 400\\], got 0"):
        skmm.select(small_gmm.features, 0)
    with pytest.raises(skmm.SolverNotInstalledError, match="installed CVXPY solvers"):
        skmm.select(small_gmm.features, 5, solver="NOT_A_SOLVER")


def test_working_set_strategy_and_piqp_reach_the_full_programs_optimum(small_gmm):
    """select(strategy=..., solver=...): the same certified optimum, validated by name."""
    full = select_quietly(small_gmm.features, 24, rng=3, sketch_dim=16, c_s=0.5)
    ws = select_quietly(
        small_gmm.features,
        24,
        rng=3,
        sketch_dim=16,
        c_s=0.5,
        strategy="working-set",
        solver="PIQP",
    )
    assert not full.solution.degenerate and ws.solution.solver == "PIQP"
    gaps = full.solution.suboptimality_bound + ws.solution.suboptimality_bound
    assert abs(ws.solution.objective - full.solution.objective) <= gaps
    with pytest.raises(skmm.ValidationError, match="strategy must be one of"):
        skmm.select(small_gmm.features, 5, strategy="fastest")
    with pytest.raises(skmm.ValidationError, match="strategy='working-set' is only available"):
        skmm.select(small_gmm.features, 5, formulation="psd", strategy="working-set")


def test_cli_select_writes_once_and_refuses_to_overwrite(tmp_path, small_gmm, capsys):
    features = tmp_path / "g.npy"
    np.save(features, small_gmm.features)
    out = tmp_path / "sel.npz"
    assert main(["select", str(features), "--n", "12", "--out", str(out), "--seed", "1"]) == 0
    with np.load(out) as saved:
        indices, info = saved["indices"], json.loads(str(saved["info"]))
    assert indices.shape == (12,) and info["method"] == "skmm" and info["n"] == 12
    expected = select_quietly(small_gmm.features, 12, rng=1)
    np.testing.assert_array_equal(indices, expected.indices)
    before = out.read_bytes()
    assert main(["select", str(features), "--n", "5", "--out", str(out)]) == 1
    assert "exists" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["select", str(features), "--n", "5", "--out", str(out), "--force"]) == 0
    assert sorted(tmp_path.iterdir()) == sorted([features, out]), "no temporary file left"


def test_cli_demo_prints_the_summary(capsys):
    assert main(["select", "--demo", "--n", "48"]) == 0
    text = capsys.readouterr().out
    assert "coreset counts" in text and "certified c_S" in text
    # the demo (c_S = 0.999) is degenerate: the degeneracy LP settles it without the QP
    assert "degeneracy LP (optimum 0, no QP needed): status optimal (HIGHS" in text


def test_cli_psd_formulation_defaults_to_the_interior_point(tmp_path, small_gmm, capsys):
    features = tmp_path / "g.npy"
    np.save(features, small_gmm.features)
    out = tmp_path / "psd.npz"
    args = ["select", str(features), "--n", "10", "--out", str(out), "--formulation", "psd"]
    assert main([*args, "--sketch-dim", "4"]) == 0
    with np.load(out) as saved:
        info = json.loads(str(saved["info"]))
    assert info["solution_mode"] == "interior"
    assert main([*args, "--force", "--solution", "vertex"]) == 2
    assert "only available for formulation='diagonal'" in capsys.readouterr().err


def test_cli_strategy_and_solver_reach_the_solve(tmp_path, small_gmm):
    features = tmp_path / "g.npy"
    np.save(features, small_gmm.features)
    out = tmp_path / "ws.npz"
    args = ["select", str(features), "--n", "24", "--out", str(out), "--c-s", "0.5"]
    assert main([*args, "--strategy", "working-set", "--solver", "piqp", "--seed", "3"]) == 0
    with np.load(out) as saved:
        indices, info = saved["indices"], json.loads(str(saved["info"]))
    assert info["strategy"] == "working-set" and info["solver"] == "PIQP"
    expected = select_quietly(
        small_gmm.features, 24, rng=3, c_s=0.5, strategy="working-set", solver="PIQP"
    )
    np.testing.assert_array_equal(indices, expected.indices)
