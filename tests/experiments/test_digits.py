"""``skmm-convex reproduce digits`` and ``reproduce probe`` end to end (quick settings)."""

import csv

import numpy as np
import pytest

from skmm_convex.cli import main
from skmm_convex.experiments import EXPERIMENTS
from skmm_convex.selection import PAPER_METHODS


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_digits_is_registered():
    assert "digits" in EXPERIMENTS and "probe" in EXPERIMENTS


def test_reproduce_digits_quick_writes_files_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "digits"
    assert main(["reproduce", "digits", "--quick", "--out", str(out)]) == 0
    names = ("table.csv", "table.md", "figure.png")
    for name in names:
        assert (out / name).stat().st_size > 0
    assert (out / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = _rows(out / "table.csv")
    selected = [r for r in rows if r["method"] != "full data"]
    # every method of the paper, at both quick sizes, in both regimes, 2 seeds each
    assert {(r["regime"], r["method"], r["n"]) for r in selected} == {
        (regime, method, n)
        for regime in ("lp", "ft")
        for method in PAPER_METHODS
        for n in ("20", "60")
    }
    assert all(r["n_seeds"] == "2" for r in selected)
    for r in rows:
        assert 0.0 <= float(r["accuracy_mean"]) <= 1.0
        if r["method"] in ("skmm", "uniform"):
            assert float(r["accuracy_mean"]) > 0.5  # 5 classes: well above chance 0.2
    full = {r["regime"]: float(r["accuracy_mean"]) for r in rows if r["method"] == "full data"}
    assert full["lp"] > 0.9 and full["ft"] > 0.9
    assert "| lp | none | skmm | 20 |" in (out / "table.md").read_text()

    before = {name: (out / name).read_bytes() for name in names}
    capsys.readouterr()
    assert main(["reproduce", "digits", "--quick", "--out", str(out)]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert {name: (out / name).read_bytes() for name in names} == before
    assert not [p for p in out.iterdir() if p.name not in names]  # no temporary left behind


@pytest.fixture
def user_arrays(tmp_path):
    gen = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), [40, 25, 5])
    test_labels = np.repeat(np.arange(3), 10)
    for name, y in (("train", labels), ("test", test_labels)):
        x = 3.0 * np.eye(3)[y] + 0.05 * gen.normal(size=(y.size, 3))
        np.save(tmp_path / f"{name}.npy", x)
        np.save(tmp_path / f"{name}_labels.npy", y)
    np.save(tmp_path / "grads.npy", gen.normal(size=(labels.size, 50)))
    np.save(tmp_path / "short.npy", gen.normal(size=(labels.size - 1, 50)))
    return tmp_path


def _probe_args(folder, *extra):
    return [
        "reproduce",
        "probe",
        "--features",
        str(folder / "train.npy"),
        "--labels",
        str(folder / "train_labels.npy"),
        "--test-features",
        str(folder / "test.npy"),
        "--test-labels",
        str(folder / "test_labels.npy"),
        *extra,
    ]


@pytest.mark.filterwarnings("ignore::skmm_convex.errors.DegenerateProblemWarning")
def test_reproduce_probe_on_user_arrays(user_arrays, capsys):
    out = user_arrays / "out"
    args = _probe_args(
        user_arrays,
        *("--selection-features", str(user_arrays / "grads.npy")),
        *("--sizes", "12", "--seeds", "2", "--balanced", "equal", "--sketch-dim", "8"),
        *("--out", str(out)),
    )
    assert main(args) == 0
    rows = _rows(out / "table.csv")
    assert {r["method"] for r in rows} == {*PAPER_METHODS, "full data"}
    # equal budgets of 4 per class: every class is present and the clusters are separable
    for r in rows:
        assert float(r["accuracy_mean"]) == 1.0
    assert main(args) == 1  # refuses to overwrite
    capsys.readouterr()
    # a class of 5 examples cannot give 8: the run warns and goes on
    args = _probe_args(user_arrays, "--sizes", "24", "--seeds", "1", "--balanced", "equal")
    assert main([*args, "--methods", "uniform", "--out", str(out), "--force"]) == 0
    assert [r["method"] for r in _rows(out / "table.csv")] == ["uniform", "full data"]
    assert "ClassBudgetWarning: class-balanced selection ('equal' split, n=24): class 2 has 5" in (
        capsys.readouterr().err
    )


def test_reproduce_probe_rejects_mismatched_rows(user_arrays, capsys):
    args = _probe_args(
        user_arrays, "--selection-features", str(user_arrays / "short.npy"), "--sizes", "5"
    )
    assert main([*args, "--out", str(user_arrays / "out")]) == 2
    assert "--selection-features has 69 rows, --features has 70" in capsys.readouterr().err


def test_reproduce_probe_requires_sizes(user_arrays, capsys):
    out = user_arrays / "nosizes"
    assert main([*_probe_args(user_arrays), "--out", str(out)]) == 2
    assert "--sizes is required" in capsys.readouterr().err
    assert not out.exists()


def test_select_command_balanced_with_labels(user_arrays, capsys):
    out = user_arrays / "coreset.npz"
    args = ["select", str(user_arrays / "grads.npy"), "--n", "24", "--out", str(out)]
    args += ["--method", "uniform", "--balanced", "equal"]
    assert main(args) == 2  # a usage error, like the other select checks
    assert "--balanced needs --labels" in capsys.readouterr().err
    assert main([*args, "--labels", str(user_arrays / "train_labels.npy")]) == 0
    assert "class 2 has 5 < budget 8" in capsys.readouterr().err
    with np.load(out) as saved:
        labels = np.load(user_arrays / "train_labels.npy")
        assert np.bincount(labels[saved["indices"]]).tolist() == [10, 9, 5]
