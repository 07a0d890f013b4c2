"""Helpers shared by the benchmarks: timing, peak memory, subprocess runs, progress, Markdown.

Peak memory, one method for every benchmark: :func:`peak_rss_gb`, the ``VmHWM`` line of
``/proc/self/status`` read by the measured process itself, at the end of the measurement (the
high-water mark of its resident set, native solver memory included, which ``tracemalloc`` misses).
Not ``resource.getrusage(...).ru_maxrss``: Linux carries the parent's high-water mark over a
fork + exec into the child's ``ru_maxrss``, so a worker started by a big parent (the benchmark
driver holding the data) would report the parent's peak. Not a child's ``VmHWM`` read from the
parent either (it is gone once the child exits). Every measurement that reports memory therefore
runs in a fresh process (:func:`run_worker`, ``psd_scaling``'s workers) and prints its own peak.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

import skmm_convex as skmm
from skmm_convex._tables import markdown_table

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
# the stages of MomentMatchingSolution.timings that are face LPs (HiGHS)
LP_STAGES = ("degeneracy_lp", "seed_lp", "vertex_lp")


def lp_seconds(timings: dict[str, float]) -> float:
    """The face LPs' share of a solve's stage ``timings``, in seconds."""
    return sum(timings.get(stage, 0.0) for stage in LP_STAGES)


def table1_family(**sizes: Any) -> skmm.GMMData:
    """The Table-1 GMM (``TABLE1_GMM``) with some of its settings replaced (``n_samples``,
    ``n_features``, ``rng``): same clusters and spread at another size."""
    return skmm.make_gmm(**{**skmm.TABLE1_GMM, **sizes})


def timed(function: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """The shortest wall time of ``repeat`` calls of ``function()``, and its last value.

    The minimum is the usual estimate on a shared machine (``timeit``'s advice): other jobs
    only ever add time.
    """
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def timed_interleaved(
    functions: dict[str, Callable[[], Any]], repeat: int
) -> dict[str, tuple[float, Any]]:
    """:func:`timed` for several functions, called in turn ``repeat`` times.

    Interleaving gives every function a share of each quiet and each loaded stretch of a
    shared machine, so that their ratios are not decided by which ran during a load spike.
    """
    best = dict.fromkeys(functions, float("inf"))
    values: dict[str, Any] = {}
    for _ in range(repeat):
        for label, function in functions.items():
            start = time.perf_counter()
            values[label] = function()
            best[label] = min(best[label], time.perf_counter() - start)
    return {label: (best[label], values[label]) for label in functions}


def run_worker(task: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    """Run ``benchmarks.worker`` on ``task`` in a fresh process; its JSON result plus peak RSS.

    A fresh process per measurement makes its :func:`peak_rss_gb` the measurement's own peak.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", json.dumps(task)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def format_cell(value: Any) -> str:
    """A table cell: floats to 3 significant digits (scientific from 1e4 on), nan as ``-``."""
    if isinstance(value, float):
        if value != value:  # nan
            return "-"
        return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.3e}"
    return str(value)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """:func:`skmm_convex._tables.markdown_table` with the benchmarks' :func:`format_cell`."""
    return markdown_table(headers, rows, cell=format_cell)


def dict_table(rows: list[dict[str, Any]], keys: list[str]) -> str:
    """:func:`table` of the ``keys`` of each row (a missing key is an empty cell)."""
    return table(keys, [[row.get(key, "") for key in keys] for row in rows])


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far (``VmHWM``), in GB; nan without /proc.

    See the module docstring for why this and not ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    return float("nan")


T = TypeVar("T")


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterable[T]:
    """``tqdm`` over ``items`` on stderr (off when stderr is not a terminal)."""
    return tqdm(items, desc=description, total=total, file=sys.stderr, disable=None, leave=False)


def report(message: str) -> None:
    """One progress line on stdout that does not break a running progress bar."""
    tqdm.write(message, file=sys.stdout)
    sys.stdout.flush()


def environment_note() -> str:
    """One line naming the machine, the BLAS thread setting and the time of the run."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    return (
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared with other jobs: times are noisy, compare the ratios, "
        f"measured in the same run), Python {platform.python_version()}, "
        f"OPENBLAS_NUM_THREADS={threads}."
    )


def write_result(name: str, title: str, body: str, command: str) -> Path:
    """Write ``results/<name>.md`` with a title, the command and the environment."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(
        f"# {title}\n\nProduced by `{command}`. {environment_note()}\n\n{body}", encoding="utf-8"
    )
    return path
