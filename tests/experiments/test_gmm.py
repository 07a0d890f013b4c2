"""``skmm-convex reproduce gmm``: outputs, no-clobber, rows equal to ``select``, and workers
that end with the command."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import skmm_convex as skmm
from skmm_convex.baselines import projected_adam
from skmm_convex.cli import main
from skmm_convex.experiments import EXPERIMENTS
from skmm_convex.experiments.gmm.config import (
    PACKAGE_ROWS,
    POSTER_TABLE1,
    ROWS,
    GMMConfig,
    protocol_config,
    row_options,
)
from skmm_convex.experiments.gmm.report import (
    OUTPUT_FILES,
    format_risk,
    format_table,
    summarise,
    within_poster,
)
from skmm_convex.experiments.gmm.run import run_gmm
from skmm_convex.selection import skmm_streams
from skmm_convex.sketch import sketch_features

GMM = Path(skmm.__file__).parent / "experiments" / "gmm"


def test_registered():
    assert EXPERIMENTS["gmm"][0] == "skmm_convex.experiments.gmm.cli"


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (relative names kept)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_the_run_never_imports_the_report_or_the_command():
    for name in ("config.py", "run.py"):
        imported = _imported_modules(GMM / name)
        assert not imported & {".report", ".cli"}, (name, imported)
    assert ".cli" not in _imported_modules(GMM / "report.py")
    assert _imported_modules(GMM / "__init__.py") == set()


@pytest.mark.parametrize(
    ("mean", "std", "text"),
    [
        (3.54e-3, 0.51e-3, "(3.54±0.51)e-3"),
        (740.0, None, "7.40e+2"),
        (9.999e-3, 0.0, "(1.00±0.00)e-2"),
        (0.114, 0.271, "(1.14±2.71)e-1"),
    ],
)
def test_format_risk(mean, std, text):
    assert format_risk(mean, std) == text


SMALL = GMMConfig(
    sizes=(8, 20),
    seeds=2,
    n_samples=150,
    n_features=180,
    n_clusters=4,
    sketch_dim=16,
    rank=16,
    ridge_alpha=10.0,
    adam_steps=200,
)


@pytest.fixture(scope="module", params=["authors", "package"])
def small_result(request):
    return run_gmm(protocol_config(request.param, SMALL), jobs=1)


def _data(config):
    return skmm.make_gmm(
        config.n_samples,
        config.n_features,
        config.n_clusters,
        std_max=config.std_max,
        rng=config.data_seed,
    )


def test_rows_equal_what_select_returns(small_result):
    config = small_result.config
    data = _data(config)
    rows = {row.label: row for row in config.rows}
    assert len(small_result.runs) == sum(
        len(config.sizes) * (config.seeds if row.randomised else 1) for row in config.rows
    )
    for run in small_result.runs:
        row = rows[run.label]
        if row.solution == "adam":
            continue  # not a select method: test_authors_optimiser_row
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", skmm.DegenerateProblemWarning)
            sel = skmm.select(
                data.features, run.n, row.method, rng=run.seed, **row_options(row, config)
            )
        if row.method == "skmm":  # same set, presented in a seeded random order
            np.testing.assert_array_equal(np.sort(run.indices), sel.indices)
        else:
            np.testing.assert_array_equal(run.indices, sel.indices)
        counts = np.bincount(data.cluster_ids[run.indices], minlength=config.n_clusters)
        assert tuple(counts) == run.cluster_counts


def test_authors_protocol_rows_set_the_authors_options():
    options = {row.label: row_options(row, GMMConfig()) for row in ROWS}
    assert options["K-center"] == {"seeding": "authors"}
    assert options["Adaptive"] == {"pivots": "authors"}
    assert options["T-leverage"] == {"rank": 8}  # the number of clusters
    assert options["R-leverage"] == {"alpha": 1e3}
    package = {row.label: row_options(row, GMMConfig()) for row in PACKAGE_ROWS}
    assert package["K-center"] == {} and package["Adaptive"] == {}
    assert package["T-leverage"] == {"rank": 32}
    assert package["R-leverage"] == {"alpha": 1e4}
    assert {row.label for row in PACKAGE_ROWS} <= {row.label for row in ROWS}


def test_authors_optimiser_row(small_result):
    """Adam on the exact rows' sketch, then ``default_rng(seed).choice`` in draw order."""
    config = small_result.config
    runs = [r for r in small_result.runs if r.label.startswith("SkMM (authors' optimiser")]
    if not any(row.solution == "adam" for row in config.rows):
        assert not runs
        return
    assert len(runs) == config.seeds * len(config.sizes)
    data = _data(config)
    exact = {(r.seed, r.n): r for r in small_result.runs if r.label.startswith("SkMM (default")}
    for run in runs:
        sketch_rng, _, _ = skmm_streams(run.seed)
        sketch = sketch_features(data.features, config.sketch_dim, "gaussian", sketch_rng)
        adam = projected_adam(
            sketch, run.n, config.c_s, num_iter=config.adam_steps, lr=config.adam_lr, rng=run.seed
        )
        expected = np.random.default_rng(run.seed).choice(
            data.features.shape[0], run.n, replace=False, p=adam.s / adam.s.sum()
        )
        np.testing.assert_array_equal(run.indices, expected)
        assert run.objective == pytest.approx(adam.objective)
        # the exact solve on the same sketch is optimal: Adam cannot do better
        assert exact[run.seed, run.n].objective <= run.objective * (1 + 1e-9) + 1e-12


def test_within_poster_uses_its_spread_and_rounding():
    assert within_poster(1.22e-2, 1.23e-2, 0.40e-2)
    assert not within_poster(1.64e-2, 1.23e-2, 0.40e-2)
    assert within_poster(2.9521e-3, 2.95e-3, 0.0)  # printed 2.95: half a unit is 0.005e-3
    assert not within_poster(2.96e-3, 2.95e-3, 0.0)
    assert within_poster(740.04, 7.40e2, None)


def test_report_sets_ours_beside_the_poster():
    """At poster sizes the report marks each cell against POSTER_TABLE1."""
    config = protocol_config("authors", SMALL)
    rows = tuple(r for r in config.rows if r.method == "uniform")
    result = run_gmm(replace(SMALL, sizes=(48,), seeds=1, n_samples=300, rows=rows), jobs=1)
    text = format_table(result)
    ours = summarise(result)[0]["mean"]
    poster_mean, poster_std = POSTER_TABLE1["Uniform"][48]
    mark = "✓" if within_poster(ours, poster_mean, poster_std) else "✗"
    cell = f"{format_risk(ours, None)} / {format_risk(poster_mean, None)} {mark}"
    assert f"| Uniform | {cell} |" in text


def test_summary_is_mean_and_population_std(small_result):
    records = summarise(small_result)
    for record in records:
        risks = [
            r.risk for r in small_result.runs if r.label == record["label"] and r.n == record["n"]
        ]
        assert record["mean"] == pytest.approx(np.mean(risks))
        assert record["std"] == pytest.approx(np.std(risks))
    assert {r["label"] for r in records} == {row.label for row in small_result.config.rows}


def test_quick_command_writes_outputs_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "gmm"
    assert main(["reproduce", "gmm", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Full-data ridge risk" in printed and "| Herding |" in printed
    for name in OUTPUT_FILES:
        assert (out / name).stat().st_size > 0
    assert (out / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (out / "table.csv").read_text().splitlines()
    assert table[0].startswith("label,method,solution,sampler,n,seeds,mean,std")
    assert len(table) == 1 + len(ROWS) * 2
    before = {name: (out / name).read_bytes() for name in OUTPUT_FILES}
    assert main(["reproduce", "gmm", "--quick", "--out", str(out)]) == 1
    assert "pass --force" in capsys.readouterr().err
    assert {name: (out / name).read_bytes() for name in OUTPUT_FILES} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left over


def test_sizes_beyond_the_data_are_a_usage_error(tmp_path, capsys):
    assert main(["reproduce", "gmm", "--sizes", "48,5000", "--out", str(tmp_path)]) == 2
    assert "n (in sizes) must be an int in [4, 2000], got 5000" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def _descendants(pid: int) -> list:
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_no_worker_outlives_the_command(tmp_path, signum):
    psutil = pytest.importorskip("psutil")
    command = [sys.executable, "-m", "skmm_convex", "reproduce", "gmm", "--quick"]
    parent = subprocess.Popen(
        [*command, "--jobs", "2", "--out", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(GMM.parents[2])},
    )
    workers = []
    try:
        deadline = time.monotonic() + 300
        while len(workers) < 2 and parent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _descendants(parent.pid)
        assert len(workers) >= 2, "the pool never started"
        parent.send_signal(signum)
        parent.wait(timeout=60)
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, f"workers {[p.pid for p in alive]} outlived the command"
    finally:
        for process in [parent, *workers]:  # leave no process behind, even on failure
            try:
                process.kill()
            except (ProcessLookupError, psutil.NoSuchProcess):
                pass
