"""The command line: exit codes, one-line errors, no clobbering, atomic writes, .npy/.npz."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skmm_convex import cli
from skmm_convex._io import load_array


@pytest.fixture
def workdir(tmp_path, monkeypatch, global_seed):
    features = np.random.default_rng(global_seed).standard_normal((40, 10))
    np.save(tmp_path / "g.npy", features)
    np.savez(tmp_path / "g.npz", mine=features, other=features[:5])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _error_lines(captured) -> list[str]:
    """The ``error:`` lines on stderr; every stderr line is a ``skmm-convex`` message."""
    lines = [line for line in captured.err.splitlines() if line]
    assert all(line.startswith("skmm-convex") for line in lines), lines
    return [line for line in lines if ": error: " in line]


def _run(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], r"required: COMMAND"),
        (["select", "g.npy", "--out", "o.npz"], r"required: --n"),
        (["select", "g.npy", "--n", "x", "--out", "o.npz"], r"invalid int value: 'x'"),
        (["select", "g.npy", "--n", "5"], r"--out is required"),
        (["select", "g.npy", "--n", "0", "--out", "o.npz"], r"n must be an int in \[1, 40\]"),
        (["select", "g.npy", "--n", "5", "--out", "o.npz", "--c-s", "-1"], r"c_s must be"),
        (["select", "g.npy", "--n", "5", "--out", "o.npz", "--solver", "FOO"], r"'FOO' is not"),
    ],
)
def test_usage_errors_exit_2_with_one_line(workdir, capsys, argv, message):
    code, captured = _run(capsys, *argv)
    lines = _error_lines(captured)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("skmm-convex")
    assert ": error: " in lines[0]
    assert re.search(message, lines[0])
    assert not (workdir / "o.npz").exists()


@pytest.mark.parametrize(
    "setup, argv, message",
    [
        (None, ["select", "missing.npy", "--n", "5", "--out", "o.npz"], r"does not exist"),
        ("notes.txt", ["select", "notes.txt", "--n", "5", "--out", "o.npz"], r"neither a \.npy"),
        ("fake.npy", ["select", "fake.npy", "--n", "5", "--out", "o.npz"], r"neither a \.npy"),
        (None, ["select", "g.npz", "--n", "5", "--out", "o.npz"], r"name one with --key"),
    ],
)
def test_runtime_errors_exit_1_with_one_line(workdir, capsys, setup, argv, message):
    if setup is not None:
        (workdir / setup).write_text("not numpy\n")
    code, captured = _run(capsys, *argv)
    lines = _error_lines(captured)
    assert code == 1 and len(lines) == 1
    assert re.search(message, lines[0])
    assert not (workdir / "o.npz").exists()


def test_existing_output_is_never_overwritten_without_force(workdir, capsys):
    (workdir / "o.npz").write_bytes(b"precious")
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz")
    assert code == 1 and "pass --force" in captured.err
    assert (workdir / "o.npz").read_bytes() == b"precious"
    code, _ = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz", "--force")
    assert code == 0
    with np.load(workdir / "o.npz") as out:
        assert out["indices"].shape == (5,)


def test_output_holds_indices_weights_and_info(workdir, capsys):
    code, captured = _run(capsys, "select", "g.npy", "--n", "6", "--out", "o.npz", "--seed", "3")
    assert code == 0 and "wrote o.npz" in captured.out
    with np.load(workdir / "o.npz") as out:
        indices, weights = out["indices"], out["weights"]
        info = json.loads(str(out["info"]))
    assert np.unique(indices).size == 6 and indices.min() >= 0 and indices.max() < 40
    assert weights.shape == (40,) and abs(weights.sum() - 1) < 1e-8
    assert info["n"] == 6 and info["seed"] == 3
    # the QP solver, or HiGHS when the degeneracy LP settled the (vertex-mode) solve alone
    assert info["solver"] == ("HIGHS" if info["degenerate"] else "CLARABEL")
    assert oct(os.stat(workdir / "o.npz").st_mode & 0o777) != oct(0o600)  # not mkstemp's mode


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_interrupted_write_leaves_no_file(workdir, capsys, monkeypatch, error):
    def savez(file, **arrays):
        file.write(b"PK\x03\x04 the first half of an archive")  # a half-written file ...
        raise error  # ... then the interruption

    monkeypatch.setattr(np, "savez", savez)
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz")
    assert code == (130 if isinstance(error, KeyboardInterrupt) else 1)
    assert len(_error_lines(captured)) == 1
    assert sorted(p.name for p in workdir.iterdir()) == ["g.npy", "g.npz"]  # nothing left


def test_interrupted_overwrite_keeps_the_old_file(workdir, capsys, monkeypatch):
    (workdir / "o.npz").write_bytes(b"previous result")

    def savez(file, **arrays):
        file.write(b"PK\x03\x04 half")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(np, "savez", savez)
    code, _ = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz", "--force")
    assert code == 1
    assert (workdir / "o.npz").read_bytes() == b"previous result"
    assert sorted(p.name for p in workdir.iterdir()) == ["g.npy", "g.npz", "o.npz"]


def test_npy_is_memory_mapped_and_npz_read_by_key(workdir, capsys):
    assert isinstance(load_array(workdir / "g.npy"), np.memmap)
    code, _ = _run(capsys, "select", "g.npy", "--n", "5", "--out", "a.npz")
    assert code == 0
    code, _ = _run(capsys, "select", "g.npz", "--key", "mine", "--n", "5", "--out", "b.npz")
    assert code == 0
    with np.load(workdir / "a.npz") as a, np.load(workdir / "b.npz") as b:
        np.testing.assert_array_equal(a["indices"], b["indices"])
        np.testing.assert_array_equal(a["weights"], b["weights"])


def test_unexpected_exception_is_one_line_not_a_traceback(workdir, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something nobody anticipated")

    monkeypatch.setattr(cli, "select", broken)
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz")
    lines = _error_lines(captured)
    assert code == 1 and len(lines) == 1
    assert "unexpected RuntimeError: something nobody anticipated" in lines[0]


def test_help_and_version_exit_0(capsys):
    assert cli.main(["--version"]) == 0
    assert cli.main(["select", "--help"]) == 0


LOADED_EXPERIMENTS = """
import sys
from skmm_convex.cli import main
code = main(sys.argv[1:])
print(code, sorted(m for m in sys.modules if m.startswith("skmm_convex.experiments.")))
"""


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["select", "--help"], []),
        (["--version"], []),
        (["reproduce", "--help"], []),
        (
            ["reproduce", "gmm", "--help"],
            ["skmm_convex.experiments.gmm"]
            + [f"skmm_convex.experiments.gmm.{m}" for m in ("cli", "config", "report", "run")],
        ),
    ],
)
def test_an_experiment_is_imported_only_when_its_command_runs(argv, loaded):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", LOADED_EXPERIMENTS, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"0 {loaded}"


def test_subprocess_usage_error(workdir):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "skmm_convex", "select", "g.npy", "--n", "99", "--out", "o.npz"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "skmm-convex: error: n must be an int in [1, 40], got 99"
    ]
    assert not (workdir / "o.npz").exists()


def test_solver_failure_exits_1_with_one_line(workdir, capsys, monkeypatch):
    import cvxpy as cp

    def fail(self, *args, **kwargs):
        raise cp.error.SolverError("simulated numerical trouble")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    args = ("select", "g.npy", "--n", "5", "--out", "o.npz", "--solution", "interior")
    code, captured = _run(capsys, *args)
    lines = _error_lines(captured)
    assert code == 1 and len(lines) == 1
    assert re.search(r"CLARABEL: simulated numerical trouble; SCS: simulated", lines[0])
    assert not (workdir / "o.npz").exists()
