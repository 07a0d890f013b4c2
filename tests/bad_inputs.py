"""The bad inputs tried against every public entry point, and the table of what each gets.

Each :class:`Case` names an entry point, a bad input, the outcome it must get (an exception
type, or a CLI exit code) and a regular expression its message must match.
``tests/test_bad_inputs.py`` runs them all, checks each outcome and checks that
``docs/bad_inputs.md`` is exactly the table they produce now. After changing a message or a
case, regenerate the table from the repository root with::

    PYTHONPATH=. python tests/bad_inputs.py
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

import skmm_convex as skmm
from skmm_convex import cli
from skmm_convex.errors import (
    ClassBudgetWarning,
    DegenerateProblemWarning,
    InaccurateSolutionWarning,
    InfeasibleProblemError,
    SolverError,
    SolverFallbackWarning,
    SolverNotInstalledError,
    ValidationError,
)

PACKAGE_WARNINGS = (
    DegenerateProblemWarning,
    InaccurateSolutionWarning,
    SolverFallbackWarning,
    ClassBudgetWarning,
)
TABLE = Path(__file__).resolve().parent.parent / "docs" / "bad_inputs.md"

_RNG = np.random.default_rng(0)
G = _RNG.standard_normal((40, 10))  # the good matrix every case spoils in one way
S = np.full(10, 0.1)  # good weights for sample_indices


@dataclass(frozen=True)
class Case:
    """One bad input and the outcome it must get.

    ``run`` is called with no argument; for the CLI it returns the exit code (``expected`` is
    then an int) and runs in a folder holding the files of :func:`_make_files`.
    """

    entry: str
    what: str
    run: Callable[[], Any]
    expected: type[BaseException] | int
    match: str


@dataclass(frozen=True)
class Outcome:
    """What a case got: an exception type name or ``exit N``, and the message."""

    kind: str
    message: str


def _with(array: np.ndarray, index: tuple[int, int], value: float) -> np.ndarray:
    array = array.copy()
    array[index] = value
    return array


def _select(*args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: skmm.select(*args, **{"rng": 0, **kwargs})


def _sample(*args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: skmm.sample_indices(*args, **{"rng": 0, **kwargs})


def _gmm(**kwargs: Any) -> Callable[[], Any]:
    return lambda: skmm.make_gmm(**{"n_samples": 20, "n_features": 6, "n_clusters": 2, **kwargs})


def _sketch(*args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: skmm.sketch_features(*args, **kwargs)


def _overflowing(run: Callable[[], Any]) -> Callable[[], Any]:
    """``run`` with numpy's overflow and invalid-value warnings off: the case is about them."""

    def quiet() -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            return run()

    return quiet


def _cli(*argv: str) -> Callable[[], int]:
    return lambda: cli.main(list(argv))


def _solve_patched_to_fail() -> Any:
    """Make every CVXPY solve raise, as a solver in numerical trouble does."""

    def fail(self: cp.Problem, *args: Any, **kwargs: Any) -> None:
        raise cp.error.SolverError(f"simulated numerical trouble in {kwargs.get('solver')}")

    return mock.patch.object(cp.Problem, "solve", fail)


def _all_solvers_fail() -> Any:
    with _solve_patched_to_fail():
        return skmm.select(G, 5, solution="interior", rng=0)


def _cli_all_solvers_fail() -> int:
    with _solve_patched_to_fail():
        args = ["select", "g.npy", "--n", "5", "--out", "fail.npz", "--solution", "interior"]
        return cli.main(args)


def _iteration_limit_without_fallback() -> Any:
    moments = skmm.compute_moments(G)
    program = skmm.MomentMatching(moments, solver_options={"max_iter": 1}, fallback=False)
    return program.solve(5, 0.5, rng=0)


def _infeasible() -> Any:
    """A cap 1/(2N) leaves no s with sum(s) = 1: a truly infeasible QP for the solvers."""
    moments = skmm.compute_moments(G)
    program = skmm.MomentMatching(moments)
    qp = program.program

    def set_parameters(n: int, c_s: float) -> None:
        qp.cap.value = 0.5 / G.shape[0]
        qp.gamma_floor.value = 1.0 / c_s

    with mock.patch.object(qp, "set_parameters", set_parameters):
        return program.solve(5, 0.5, rng=0)


def _cli_interrupted_write() -> int:
    """np.savez writes part of the archive, then the disk fills up."""

    def savez(file: Any, **arrays: Any) -> None:
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device (simulated)")

    with mock.patch.object(np, "savez", savez):
        code = cli.main(["select", "g.npy", "--n", "5", "--out", "cut.npz"])
    left = sorted(name for name in os.listdir(".") if "cut" in name)
    if left:
        raise AssertionError(f"an interrupted write left files behind: {left}")
    return code


def _cli_probe_missing_input() -> int:
    """``reproduce probe`` with a missing input: the error, and no output folder made."""
    code = cli.main(
        ["reproduce", "probe", "--features", "missing.npy", "--labels", "labels_nan.npy",
         "--test-features", "g.npy", "--test-labels", "labels_nan.npy", "--sizes", "5",
         "--out", "probe_out"]
    )  # fmt: skip
    if os.path.lexists("probe_out"):
        raise AssertionError("a failed reproduce probe left its output folder behind")
    return code


def _per_class(labels: np.ndarray) -> Callable[[], Any]:
    from skmm_convex.selection import select_per_class

    return lambda: select_per_class(G, labels, 6, split="equal", rng=0)


def _dask(array: np.ndarray, masked: bool = False) -> Any:
    """``array`` as a dask array in row chunks (with unknown chunk sizes if ``masked``)."""
    import dask.array as da

    chunked = da.from_array(array, chunks=(8, array.shape[1]))
    return chunked[da.from_array(array[:, 0] > 0)] if masked else chunked


LABELS = np.repeat(np.arange(2.0), 20)  # two classes of 20 rows, as floats
LABELS_NAN = _with(LABELS[None], (0, 20), np.nan)[0]
LABELS_INF = _with(LABELS[None], (0, 3), np.inf)[0]


# fmt: off
CASES: list[Case] = [
    # select: the feature matrix
    Case("select", "features with a NaN", _select(_with(G, (7, 3), np.nan), 5),
         ValidationError, r"features contains NaN or infinite values \(first at \[7, 3\]: nan"),
    Case("select", "features with an inf", _select(_with(G, (0, 0), np.inf), 5),
         ValidationError, r"features contains NaN or infinite values .*inf"),
    Case("select", "sparse features with a NaN",
         _select(sp.csr_matrix(_with(G, (1, 1), np.nan)), 5),
         ValidationError, r"features contains NaN"),
    Case("select", "1-d features", _select(G[0], 1), ValidationError,
         r"features must be 2-d .*got shape \(10,\)"),
    Case("select", "3-d features", _select(G[None], 1), ValidationError,
         r"features must be 2-d .*got shape \(1, 40, 10\)"),
    Case("select", "features with 0 rows", _select(np.empty((0, 10)), 1), ValidationError,
         r"features must be non-empty, got shape \(0, 10\)"),
    Case("select", "features with 0 columns", _select(np.empty((40, 0)), 1), ValidationError,
         r"features must be non-empty, got shape \(40, 0\)"),
    Case("select", "features = []", _select([], 1), ValidationError,
         r"features must be 2-d .*got shape \(0,\)"),
    Case("select", "features = None", _select(None, 1), ValidationError,
         r"features must hold real numbers .*got dtype object"),
    Case("select", "bool features", _select(G > 0, 5), ValidationError,
         r"features must hold real numbers .*got dtype bool"),
    Case("select", "complex features", _select(G + 0j, 5), ValidationError,
         r"features must hold real numbers .*got dtype complex128"),
    Case("select", "object features", _select(G.astype(object), 5), ValidationError,
         r"features must hold real numbers .*got dtype object"),
    Case("select", "string features", _select([["a", "b"]], 1), ValidationError,
         r"features must hold real numbers .*got dtype <U1"),
    Case("select", "ragged list of rows", _select([[1.0, 2.0], [3.0]], 1), ValidationError,
         r"features must be a 2-d array, got list"),
    Case("select", "all-zero features", _select(np.zeros((40, 10)), 5), ValidationError,
         r"features must not be all zero"),
    Case("select", "features of scale 1e200", _select(G * 1e200, 5), ValidationError,
         r"features is badly scaled: .*largest absolute entry .*e\+200"),
    Case("select", "features of scale 1e-200", _select(G * 1e-200, 5), ValidationError,
         r"features is badly scaled: .*largest absolute entry .*e-200"),
    # select: the budget and the sketch
    Case("select", "n = 0", _select(G, 0), ValidationError,
         r"n must be an int in \[1, 40\], got 0"),
    Case("select", "n = N + 1", _select(G, 41), ValidationError,
         r"n must be an int in \[1, 40\], got 41"),
    Case("select", "n = 2.5", _select(G, 2.5), ValidationError, r"n must be an int .*got 2\.5"),
    Case("select", "n = True", _select(G, True), ValidationError, r"n must be an int .*got True"),
    Case("select", "n = '5'", _select(G, "5"), ValidationError, r"n must be an int .*got '5'"),
    Case("select", "sketch_dim = 0", _select(G, 5, sketch_dim=0), ValidationError,
         r"sketch_dim must be an int in \[1, 10\], got 0"),
    Case("select", "sketch_dim = r + 1", _select(G, 5, sketch_dim=11), ValidationError,
         r"sketch_dim must be an int in \[1, 10\], got 11"),
    Case("select", "sketch_dim = 'all'", _select(G, 5, sketch_dim="all"), ValidationError,
         r"sketch_dim must be an int in \[1, 10\], None or 'auto', got 'all'"),
    Case("select", "sketch_dim = 4.0", _select(G, 5, sketch_dim=4.0), ValidationError,
         r"sketch_dim must be an int .*got 4\.0"),
    Case("select", "c_s = 0", _select(G, 5, c_s=0), ValidationError,
         r"c_s must be a positive finite number, got 0\.0"),
    Case("select", "c_s = -1", _select(G, 5, c_s=-1), ValidationError,
         r"c_s must be a positive finite number, got -1\.0"),
    Case("select", "c_s = nan", _select(G, 5, c_s=float("nan")), ValidationError,
         r"c_s must be a positive finite number, got nan"),
    Case("select", "c_s = inf", _select(G, 5, c_s=float("inf")), ValidationError,
         r"c_s must be a positive finite number, got inf"),
    Case("select", "c_s = '0.9'", _select(G, 5, c_s="0.9"), ValidationError,
         r"c_s must be a positive number, got '0\.9'"),
    # select: names
    Case("select", "method = 'foo'", _select(G, 5, method="foo"), ValidationError,
         r"method must be one of 'skmm', .*'uniform'.*; got 'foo'"),
    Case("select", "sketch = 'srht'", _select(G, 5, sketch="srht"), ValidationError,
         r"sketch must be one of 'gaussian', 'sparse-sign'; got 'srht'"),
    Case("select", "sketch_precision = 'half'", _select(G, 5, sketch_precision="half"),
         ValidationError, r"sketch_precision must be one of 'float64', 'float32'; got 'half'"),
    Case("select", "formulation = 'lp'", _select(G, 5, formulation="lp"), ValidationError,
         r"formulation must be one of 'diagonal'.*; got 'lp'"),
    Case("select", "solution = 'best'", _select(G, 5, solution="best"), ValidationError,
         r"solution must be one of 'vertex', 'interior'; got 'best'"),
    Case("select", "strategy = 'fastest'", _select(G, 5, strategy="fastest"), ValidationError,
         r"strategy must be one of 'auto', 'full', 'working-set'; got 'fastest'"),
    Case("select", "strategy = 'working-set' with formulation = 'psd'",
         _select(G, 5, strategy="working-set", formulation="psd"), ValidationError,
         r"strategy='working-set' is only available for formulation='diagonal'"),
    Case("select", "sampler = 'random'", _select(G, 5, sampler="random"), ValidationError,
         r"sampler must be one of 'stratified', 'systematic', 'authors', 'top'; got 'random'"),
    Case("select", "weighting = 'equal'", _select(G, 5, weighting="equal"), ValidationError,
         r"weighting must be one of 'paper', 'relative'; got 'equal'"),
    Case("select", "solver = 'FOO' (unknown)", _select(G, 5, solver="FOO"),
         SolverNotInstalledError, r"solver 'FOO' is not installed; installed CVXPY solvers: "),
    Case("select", "solver = 'MOSEK' (not installed)", _select(G, 5, solver="MOSEK"),
         SolverNotInstalledError, r"solver 'MOSEK' is not installed; .*install it"),
    Case("select", "solver = None", _select(G, 5, solver=None), SolverNotInstalledError,
         r"solver must be a str naming an installed CVXPY solver .*got None"),
    Case("select", "solver_options = [1]", _select(G, 5, solver_options=[1]), ValidationError,
         r"solver_options must be a dict with str keys or None, got \[1\]"),
    Case("select", "solver_options = {'foo': 1}", _select(G, 5, solver_options={"foo": 1}),
         ValidationError, r"solver_options \{'foo': 1\} were rejected by CLARABEL"),
    Case("select", "fallback = 'yes'", _select(G, 5, fallback="yes"), ValidationError,
         r"fallback must be True or False, got 'yes'"),
    Case("select", "rng = -1", _select(G, 5, rng=-1), ValidationError,
         r"rng must be a non-negative int, got -1"),
    Case("select", "rng = 1.5", _select(G, 5, rng=1.5), ValidationError,
         r"rng must be None, an int, .*got 1\.5"),
    Case("select", "an option skmm does not take (foo=1)", _select(G, 5, foo=1),
         ValidationError, r"method 'skmm' does not take these options: .*'foo'"),
    Case("select", "an skmm option for method='uniform'",
         _select(G, 5, method="uniform", c_s=0.5), ValidationError,
         r"method 'uniform' does not take these options: .*'c_s'"),
    Case("select", "method='uniform', n = 0", _select(G, 0, method="uniform"), ValidationError,
         r"n must be an int in \[1, 40\], got 0"),
    # select: solver failures
    Case("select", "every QP solver fails (simulated; interior mode)", _all_solvers_fail,
         SolverError, r"CLARABEL: simulated .*SCS: simulated .*Try another solver"),
    # MomentMatching
    Case("MomentMatching", "iteration limit, fallback=False", _iteration_limit_without_fallback,
         SolverError, r"CLARABEL: status user_limit\. Try a larger iteration or time limit"),
    Case("MomentMatching", "an infeasible program (cap forced to 1/(2N))", _infeasible,
         InfeasibleProblemError, r"reported infeasible .*try another solver"),
    Case("MomentMatching", "moments = G (not SketchedMoments)",
         lambda: skmm.MomentMatching(G), ValidationError,
         r"moments must be a SketchedMoments .*got ndarray"),
    Case("MomentMatching", "solve(n = N + 1)",
         lambda: skmm.MomentMatching(skmm.compute_moments(G)).solve(41, 0.5), ValidationError,
         r"n must be an int in \[1, 40\], got 41"),
    Case("compute_moments", "sketch with a NaN",
         lambda: skmm.compute_moments(_with(G, (2, 2), np.nan)), ValidationError,
         r"sketch contains NaN"),
    # select_per_class: the labels
    Case("select_per_class", "labels with a NaN", _per_class(LABELS_NAN),
         ValidationError, r"labels contains NaN or infinite values \(first at \[20\]: nan\)"),
    Case("select_per_class", "labels with an inf", _per_class(LABELS_INF),
         ValidationError, r"labels contains NaN or infinite values \(first at \[3\]: inf\)"),
    Case("select_per_class", "labels of the wrong length", _per_class(LABELS[:39]),
         ValidationError, r"labels must be 1-d with 40 entries \(one per row\), got shape \(39,\)"),
    # dask arrays
    Case("sketch_features", "a dask array with a NaN",
         lambda: skmm.sketch_features(_dask(_with(G, (7, 3), np.nan)), 4, rng=0), ValidationError,
         r"features contains NaN or infinite values \(found in its sketch\)"),
    Case("select", "a dask array with a NaN", lambda: skmm.select(_dask(_with(G, (7, 3), np.nan)),
         5, rng=0), ValidationError, r"features contains NaN or infinite values"),
    Case("select", "a dask array of unknown chunk sizes (boolean-masked)",
         lambda: skmm.select(_dask(G, masked=True), 5, rng=0), ValidationError,
         r"features must have known chunk sizes \(call compute_chunk_sizes\(\)\)"),
    Case("select", "a complex dask array", lambda: skmm.select(_dask(G + 0j), 5, rng=0),
         ValidationError, r"features must hold real numbers, got dtype complex128"),
    # sample_indices
    Case("sample_indices", "s with a NaN", _sample(_with(S[None], (0, 4), np.nan)[0], 3),
         ValidationError, r"s contains NaN or infinite values \(first at \[4\]: nan\)"),
    Case("sample_indices", "s with a negative entry", _sample(_with(S[None], (0, 2), -0.1)[0], 3),
         ValidationError, r"s must be non-negative, got s\[2\] = -0\.1"),
    Case("sample_indices", "2-d s", _sample(S[None], 3), ValidationError,
         r"s must be a non-empty 1-d array, got shape \(1, 10\)"),
    Case("sample_indices", "empty s", _sample([], 1), ValidationError,
         r"s must be a non-empty 1-d array, got shape \(0,\)"),
    Case("sample_indices", "bool s", _sample(S > 0, 3), ValidationError,
         r"s must hold real numbers .*got dtype bool"),
    Case("sample_indices", "complex s", _sample(S + 0j, 3), ValidationError,
         r"s must hold real numbers .*got dtype complex128"),
    Case("sample_indices", "all-zero s", _sample(np.zeros(10), 1), ValidationError,
         r"s must have at least n=1 positive entries .*got 0"),
    Case("sample_indices", "fewer positive entries than n",
         _sample(np.r_[np.ones(2), np.zeros(8)], 3), ValidationError,
         r"s must have at least n=3 positive entries .*got 2"),
    Case("sample_indices", "n = 0", _sample(S, 0), ValidationError,
         r"n must be an int in \[1, 10\], got 0"),
    Case("sample_indices", "n = N + 1", _sample(S, 11), ValidationError,
         r"n must be an int in \[1, 10\], got 11"),
    Case("sample_indices", "s above the cap sum(s)/n, systematic",
         _sample(np.r_[1.0, np.full(9, 0.01)], 3), ValidationError,
         r"s must satisfy max\(s\) <= sum\(s\)/n for sampler='systematic'.*2\.75"),
    Case("sample_indices", "strata of the wrong length", _sample(S, 3, strata=np.zeros(9, int)),
         ValidationError, r"strata must have shape \(10,\).*got \(9,\)"),
    Case("sample_indices", "float strata", _sample(S, 3, strata=np.zeros(10)), ValidationError,
         r"strata must be an array of ints .*got dtype float64"),
    Case("sample_indices", "strata with sampler = 'top'",
         _sample(S, 3, sampler="top", strata=np.zeros(10, int)), ValidationError,
         r"strata is only used by sampler='systematic', got sampler='top'"),
    Case("sample_indices", "sampler = 'poisson'", _sample(S, 3, sampler="poisson"),
         ValidationError, r"sampler must be one of .*got 'poisson'"),
    Case("sample_indices", "rng = 'seed'", _sample(S, 3, rng="seed"), ValidationError,
         r"rng must be None, an int, .*got 'seed'"),
    # make_gmm
    Case("make_gmm", "n_samples = 2", _gmm(n_samples=2), ValidationError,
         r"n_samples must be an int >= 3, got 2"),
    Case("make_gmm", "n_samples = 20.5", _gmm(n_samples=20.5), ValidationError,
         r"n_samples must be an int >= 3, got 20\.5"),
    Case("make_gmm", "n_clusters = 0", _gmm(n_clusters=0), ValidationError,
         r"n_clusters must be an int in \[1, 20\], got 0"),
    Case("make_gmm", "n_features < n_clusters", _gmm(n_features=1), ValidationError,
         r"n_features must be an int >= 2, got 1"),
    Case("make_gmm", "std_max = 0", _gmm(std_max=0), ValidationError,
         r"std_max must be a positive finite number, got 0\.0"),
    Case("make_gmm", "std_max = nan", _gmm(std_max=float("nan")), ValidationError,
         r"std_max must be a positive finite number, got nan"),
    Case("make_gmm", "rng = -1", _gmm(rng=-1), ValidationError,
         r"rng must be a non-negative int, got -1"),
    # sketch_features
    Case("sketch_features", "sketch_dim = 0", _sketch(G, 0), ValidationError,
         r"sketch_dim must be an int in \[1, 10\], got 0"),
    Case("sketch_features", "kind = 'srht'", _sketch(G, 4, "srht"), ValidationError,
         r"kind must be one of 'gaussian', 'sparse-sign'; got 'srht'"),
    Case("sketch_features", "features with a NaN", _sketch(_with(G, (0, 1), np.nan), 4),
         ValidationError, r"features contains NaN"),
    Case("sketch_features", "precision = 'float16'", _sketch(G, 4, precision="float16"),
         ValidationError, r"precision must be one of 'float64', 'float32'; got 'float16'"),
    Case("sketch_features", "features of scale 1e39, precision = 'float32'",
         _overflowing(_sketch(G * 1e39, 4, precision="float32")), ValidationError,
         r"non-finite sketch with precision='float32'.*use precision='float64'"),
    Case("sketch_features", "rng = 'x'", _sketch(G, 4, rng="x"), ValidationError,
         r"rng must be None, an int, .*got 'x'"),
    # the command line: usage errors (exit 2)
    Case("CLI", "no command", _cli(), 2, r"^skmm-convex: error: .*required: COMMAND"),
    Case("CLI", "select without --n", _cli("select", "g.npy", "--out", "o.npz"), 2,
         r"^skmm-convex select: error: the following arguments are required: --n"),
    Case("CLI", "--n x", _cli("select", "g.npy", "--n", "x", "--out", "o.npz"), 2,
         r"argument --n: invalid int value: 'x'"),
    Case("CLI", "an unknown option --foo",
         _cli("select", "g.npy", "--n", "5", "--out", "o.npz", "--foo"), 2,
         r"unrecognized arguments: --foo"),
    Case("CLI", "--strategy fast",
         _cli("select", "g.npy", "--n", "5", "--out", "o.npz", "--strategy", "fast"), 2,
         r"argument --strategy: invalid choice: 'fast'"),
    Case("CLI", "both FEATURES and --demo", _cli("select", "g.npy", "--demo", "--n", "5"), 2,
         r"give exactly one of FEATURES or --demo"),
    Case("CLI", "no --out", _cli("select", "g.npy", "--n", "5"), 2,
         r"--out is required unless --demo is given"),
    Case("CLI", "--n 0", _cli("select", "g.npy", "--n", "0", "--out", "o.npz"), 2,
         r"^skmm-convex: error: n must be an int in \[1, 40\], got 0$"),
    Case("CLI", "--n 41 (N = 40)", _cli("select", "g.npy", "--n", "41", "--out", "o.npz"), 2,
         r"n must be an int in \[1, 40\], got 41"),
    Case("CLI", "--c-s nan", _cli("select", "g.npy", "--n", "5", "--out", "o.npz", "--c-s",
                                  "nan"), 2, r"c_s must be a positive finite number, got nan"),
    Case("CLI", "--c-s 0", _cli("select", "g.npy", "--n", "5", "--out", "o.npz", "--c-s", "0"),
         2, r"c_s must be a positive finite number, got 0\.0"),
    Case("CLI", "--sketch-dim 0",
         _cli("select", "g.npy", "--n", "5", "--out", "o.npz", "--sketch-dim", "0"), 2,
         r"sketch_dim must be an int in \[1, 10\], got 0"),
    Case("CLI", "--sketch-dim x",
         _cli("select", "g.npy", "--n", "5", "--out", "o.npz", "--sketch-dim", "x"), 2,
         r"expected an int, 'auto' or 'none', got 'x'"),
    Case("CLI", "--sketch-precision float16", _cli("select", "g.npy", "--n", "5", "--out",
         "o.npz", "--sketch-precision", "float16"), 2,
         r"--sketch-precision: invalid choice: 'float16'"),
    Case("CLI", "--method foo", _cli("select", "g.npy", "--n", "5", "--out", "o.npz",
                                     "--method", "foo"), 2,
         r"argument --method: invalid choice: 'foo' \(choose from .*skmm"),
    Case("CLI", "--solver FOO", _cli("select", "g.npy", "--n", "5", "--out", "o.npz",
                                     "--solver", "FOO"), 2, r"solver 'FOO' is not installed"),
    Case("CLI", "--seed -1", _cli("select", "g.npy", "--n", "5", "--out", "o.npz", "--seed",
                                  "-1"), 2, r"rng must be a non-negative int, got -1"),
    Case("CLI", "a .npy with a NaN", _cli("select", "nan.npy", "--n", "5", "--out", "o.npz"), 2,
         r"features contains NaN or infinite values \(first at \[3, 4\]: nan\)"),
    Case("CLI", "a complex .npy", _cli("select", "complex.npy", "--n", "5", "--out", "o.npz"), 2,
         r"features must hold real numbers .*complex128"),
    Case("CLI", "a 1-d .npy", _cli("select", "row.npy", "--n", "1", "--out", "o.npz"), 2,
         r"features must be 2-d .*got shape \(10,\)"),
    Case("CLI", "--labels with a NaN, --balanced equal",
         _cli("select", "g.npy", "--n", "6", "--out", "o.npz", "--labels", "labels_nan.npy",
              "--balanced", "equal"), 2,
         r"labels contains NaN or infinite values \(first at \[20\]: nan\)"),
    Case("CLI", "--labels with an inf, --balanced proportional",
         _cli("select", "g.npy", "--n", "6", "--out", "o.npz", "--labels", "labels_inf.npy",
              "--balanced", "proportional"), 2,
         r"labels contains NaN or infinite values \(first at \[3\]: inf\)"),
    # the command line: runtime errors (exit 1)
    Case("CLI", "a missing input file", _cli("select", "missing.npy", "--n", "5", "--out",
                                             "o.npz"), 1,
         r"input file 'missing\.npy' does not exist"),
    Case("CLI", "a text file", _cli("select", "notes.txt", "--n", "5", "--out", "o.npz"), 1,
         r"'notes\.txt' is neither a \.npy nor a \.npz file"),
    Case("CLI", "a truncated .npy", _cli("select", "truncated.npy", "--n", "5", "--out",
                                         "o.npz"), 1, r"cannot read 'truncated\.npy'"),
    Case("CLI", "a .npy of Python objects", _cli("select", "objects.npy", "--n", "5", "--out",
                                                 "o.npz"), 1,
         r"cannot read 'objects\.npy': .*Python objects"),
    Case("CLI", "an .npz of two arrays, no --key",
         _cli("select", "two.npz", "--n", "5", "--out", "o.npz"), 1,
         r"'two\.npz' holds arrays \['a', 'b'\]; name one with --key"),
    Case("CLI", "--key naming no array",
         _cli("select", "two.npz", "--key", "c", "--n", "5", "--out", "o.npz"), 1,
         r"'two\.npz' has no array 'c' \(it holds \['a', 'b'\]\)"),
    Case("CLI", "an existing output, no --force",
         _cli("select", "g.npy", "--n", "5", "--out", "existing.npz"), 1,
         r"output 'existing\.npz' exists; pass --force to overwrite it"),
    Case("CLI", "an output folder that does not exist",
         _cli("select", "g.npy", "--n", "5", "--out", "nowhere/o.npz"), 1,
         r"output folder 'nowhere' does not exist"),
    Case("CLI", "an output that is a folder",
         _cli("select", "g.npy", "--n", "5", "--out", "folder", "--force"), 1,
         r"output 'folder' is a folder"),
    Case("CLI", "an input that is a FIFO", _cli("select", "pipe", "--n", "5", "--out", "o.npz"),
         1, r"^skmm-convex: error: input 'pipe' is a FIFO \(named pipe\), not a regular file$"),
    Case("CLI", "an input that is a symbolic link to a FIFO",
         _cli("select", "link_to_pipe", "--n", "5", "--out", "o.npz"), 1,
         r"input 'link_to_pipe' is a FIFO \(named pipe\), not a regular file"),
    Case("CLI", "an input that is a broken symbolic link",
         _cli("select", "broken_link", "--n", "5", "--out", "o.npz"), 1,
         r"input 'broken_link' is a broken symbolic link, not a regular file"),
    Case("CLI", "a .npy with a valid magic and a corrupt header",
         _cli("select", "corrupt_header.npy", "--n", "5", "--out", "o.npz"), 1,
         r"cannot read 'corrupt_header\.npy': its numpy header is corrupt"),
    Case("CLI", "an output that is a socket",
         _cli("select", "g.npy", "--n", "5", "--out", "socket", "--force"), 1,
         r"output 'socket' is a socket; give a regular file name"),
    Case("CLI", "an output folder that is a file",
         _cli("select", "g.npy", "--n", "5", "--out", "notes.txt/o.npz"), 1,
         r"output folder 'notes\.txt' is a regular file"),
    Case("CLI", "reproduce gmm --out naming a file",
         _cli("reproduce", "gmm", "--quick", "--out", "notes.txt"), 1,
         r"output folder 'notes\.txt' is a regular file, not a folder"),
    Case("CLI", "reproduce probe with a missing input (no output folder is made)",
         _cli_probe_missing_input, 1, r"input file 'missing\.npy' does not exist"),
    Case("CLI", "every QP solver fails (simulated; --solution interior)", _cli_all_solvers_fail, 1,
         r"CLARABEL: simulated .*SCS: simulated"),
    Case("CLI", "the disk fills up while writing (simulated)", _cli_interrupted_write, 1,
         r"No space left on device"),
]
# fmt: on


def _make_files(folder: Path) -> None:
    """The input files the CLI cases read, in ``folder``."""
    np.save(folder / "g.npy", G)
    np.save(folder / "nan.npy", _with(G, (3, 4), np.nan))
    np.save(folder / "complex.npy", G + 0j)
    np.save(folder / "row.npy", G[0])
    np.save(folder / "objects.npy", np.array([[1.0, None]], dtype=object), allow_pickle=True)
    np.savez(folder / "two.npz", a=G, b=G)
    (folder / "truncated.npy").write_bytes((folder / "g.npy").read_bytes()[:300])
    (folder / "notes.txt").write_text("not an array\n")
    (folder / "existing.npz").write_bytes(b"precious")
    (folder / "folder").mkdir()
    np.save(folder / "labels_nan.npy", LABELS_NAN)
    np.save(folder / "labels_inf.npy", LABELS_INF)
    os.mkfifo(folder / "pipe")
    os.symlink("pipe", folder / "link_to_pipe")
    os.symlink("nothing_here.npy", folder / "broken_link")
    header = (folder / "g.npy").read_bytes()
    start = header.index(b"{")  # a valid magic and version, then a header cut mid-dict
    corrupt = header[:start] + b'{"descr": "<f8", "fortran_order": Fa((' + header[start + 34 :]
    (folder / "corrupt_header.npy").write_bytes(corrupt)  # the header's tokenizer fails
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "socket"))


def run_case(case: Case) -> Outcome:
    """Run one case and return what it got (never raises for the case's own failure)."""
    stderr = io.StringIO()
    with warnings.catch_warnings():
        # a warning of the package is the case's outcome, under pytest or not
        for category in PACKAGE_WARNINGS:
            warnings.simplefilter("error", category)
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                result = case.run()
        except Exception as exc:  # noqa: BLE001 - recording what the case got is the point
            return Outcome(type(exc).__name__, " ".join(str(exc).split()))
    if isinstance(case.expected, int):
        lines = [line for line in stderr.getvalue().splitlines() if ": error: " in line]
        return Outcome(f"exit {result}", "\n".join(lines))
    return Outcome("no error", repr(result)[:80])


def run_all() -> dict[str, Outcome]:
    """Run every case in a fresh folder of input files; outcomes keyed by :func:`case_id`."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        _make_files(Path(folder))
        os.chdir(folder)
        try:
            return {case_id(case): run_case(case) for case in CASES}
        finally:
            os.chdir(here)


def case_id(case: Case) -> str:
    return f"{case.entry}: {case.what}"


def check(case: Case, outcome: Outcome) -> list[str]:
    """The ways ``outcome`` differs from what ``case`` must get (empty when it is right)."""
    problems = []
    expected = f"exit {case.expected}" if isinstance(case.expected, int) else case.expected.__name__
    if outcome.kind != expected:
        problems.append(f"expected {expected}, got {outcome.kind}: {outcome.message}")
    if not re.search(case.match, outcome.message):
        problems.append(f"message {outcome.message!r} does not match {case.match!r}")
    if isinstance(case.expected, int) and outcome.message.count("\n") != 0:
        problems.append(f"expected exactly one error line, got {outcome.message!r}")
    return problems


def _normalise(message: str) -> str:
    """Replace what depends on the machine (the installed solvers) by a placeholder."""
    installed = str(sorted(cp.installed_solvers()))
    return message.replace(installed, "[<installed solvers>]")


def render(outcomes: dict[str, Outcome]) -> str:
    """The Markdown table of every case and its outcome."""
    lines = [
        "# Bad input and failures: what each gets",
        "",
        "Generated by `tests/bad_inputs.py` (regenerate with `PYTHONPATH=. python "
        "tests/bad_inputs.py`); `tests/test_bad_inputs.py` fails when this file differs from "
        "what the cases produce now. Library calls raise the exception shown (every one "
        "derives from `skmm_convex.SkmmError`); the command line `skmm-convex` prints the "
        "one-line message shown and exits with code 2 (usage error) or 1 (runtime error), "
        "without a traceback. The list of installed solvers is shown as "
        "`[<installed solvers>]`.",
        "",
        "| entry point | bad input | outcome | message |",
        "|---|---|---|---|",
    ]
    for case in CASES:
        outcome = outcomes[case_id(case)]
        message = _normalise(outcome.message).replace("|", "\\|").replace("\n", "<br>")
        lines.append(f"| {case.entry} | {case.what} | {outcome.kind} | {message} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    outcomes = run_all()
    wrong = {
        case_id(case): problems
        for case in CASES
        if (problems := check(case, outcomes[case_id(case)]))
    }
    for name, problems in wrong.items():
        print(f"WRONG {name}: {'; '.join(problems)}", file=sys.stderr)
    TABLE.parent.mkdir(exist_ok=True)
    TABLE.write_text(render(outcomes))
    print(f"wrote {TABLE} ({len(CASES)} cases, {len(wrong)} not as expected)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
