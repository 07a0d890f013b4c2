"""Helpers shared by the benchmarks: timing, subprocess runs with peak memory, Markdown."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


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

    A fresh process per measurement makes its ``VmHWM`` (peak resident memory) the
    measurement's own peak.
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


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # nan
            return "-"
        return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.3e}"
    return str(value)


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
