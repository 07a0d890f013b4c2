"""Shared parts of the classification experiments: options, the run loop, the report files.

Used by ``reproduce digits`` and ``reproduce probe``; holds no science of its own (that is in
:mod:`skmm_convex.classification`).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .._io import OutputExistsError, atomic_write
from ..classification import BUDGET_SPLITS, Score, run_protocol, summarise
from ..selection import METHODS

__all__ = ["OUTPUT_FILES", "add_protocol_arguments", "check_outputs", "run_regime", "write_report"]

OUTPUT_FILES = ("table.csv", "table.md", "figure.png")
COLUMNS = (
    "regime",
    "balanced",
    "method",
    "n",
    "accuracy_mean",
    "accuracy_se",
    "macro_f1_mean",
    "macro_f1_se",
    "n_seeds",
    "select_seconds",
)


def add_protocol_arguments(parser: argparse.ArgumentParser, default_out: str) -> None:
    """Options every classification experiment takes."""
    parser.add_argument("--out", default=default_out, help=f"output folder (default {default_out})")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument("--seeds", type=int, help="number of seeds 0..K-1")
    parser.add_argument("--sizes", type=int, nargs="+", help="coreset sizes n")
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=tuple(METHODS),
        help=f"selection methods (default: all of {', '.join(METHODS)})",
    )
    parser.add_argument(
        "--balanced",
        nargs="+",
        default=["none"],
        choices=("none", *BUDGET_SPLITS),
        help="global selection ('none') and/or per-class budgets (default none)",
    )
    parser.add_argument("--sketch-dim", type=int, default=32, help="SkMM sketch size m")
    parser.add_argument("--c-s", type=float, default=0.999, help="SkMM moment constant c_S")


def method_options(args: argparse.Namespace, n_features: int) -> dict[str, dict[str, Any]]:
    """SkMM's options from the command line (no sketch when m >= r)."""
    sketch_dim = args.sketch_dim if args.sketch_dim < n_features else None
    return {"skmm": {"sketch_dim": sketch_dim, "c_s": args.c_s}}


def check_outputs(out: str | Path, force: bool) -> Path:
    """Create the output folder; refuse early if an output exists and ``force`` is off."""
    folder = Path(out)
    if not force:
        for name in OUTPUT_FILES:
            if (folder / name).exists():
                raise OutputExistsError(
                    f"output {str(folder / name)!r} exists; pass --force to overwrite it"
                )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_regime(
    regime: str,
    features: Any,
    labels: np.ndarray,
    evaluate: Callable[[np.ndarray, np.random.Generator], Score],
    args: argparse.Namespace,
    sizes: Sequence[int],
    seeds: Sequence[int],
) -> list[dict[str, Any]]:
    """Run the protocol for every balance mode; summary rows tagged with the regime, plus a
    'full data' reference row (the evaluator on every training row)."""
    methods = args.methods or tuple(METHODS)
    options = method_options(args, features.shape[1])
    rows: list[dict[str, Any]] = []
    caught: Counter[str] = Counter()
    for balanced in args.balanced:
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            trials = run_protocol(
                features,
                labels,
                sizes,
                evaluate,
                methods=methods,
                seeds=seeds,
                balanced=balanced,
                method_options=options,
            )
        for record in records:
            caught[f"{record.category.__name__}: {str(record.message)[:160]}"] += 1
        rows += [{"regime": regime, **asdict(row)} for row in summarise(trials)]
        print(
            f"  {regime} / balanced={balanced}: {len(trials)} trials in "
            f"{time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
    full = evaluate(np.arange(labels.shape[0]), np.random.default_rng(0))
    rows.append(
        dict(
            regime=regime,
            balanced="none",
            method="full data",
            n=labels.shape[0],
            accuracy_mean=full.accuracy,
            accuracy_se=math.nan,
            macro_f1_mean=full.macro_f1,
            macro_f1_se=math.nan,
            n_seeds=1,
            select_seconds=0.0,
        )
    )
    for message, count in sorted(caught.items()):
        print(f"  note ({count}x): {message}", file=sys.stderr)
    return rows


def _fmt(mean: float, se: float) -> str:
    return f"{mean:.3f}" if math.isnan(se) else f"{mean:.3f} ± {se:.3f}"


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """One line per (regime, balanced, method, n): accuracy and macro-F1 as mean ± SE."""
    lines = [
        "| regime | balanced | method | n | accuracy | macro-F1 | seeds | select s |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['regime']} | {row['balanced']} | {row['method']} | {row['n']} | "
            f"{_fmt(row['accuracy_mean'], row['accuracy_se'])} | "
            f"{_fmt(row['macro_f1_mean'], row['macro_f1_se'])} | {row['n_seeds']} | "
            f"{row['select_seconds']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def _figure(rows: Sequence[dict[str, Any]], title: str, path: str) -> None:
    # The object API: no pyplot, so a notebook's backend and figure list are left alone.
    from matplotlib.figure import Figure

    panels = list(dict.fromkeys((r["regime"], r["balanced"]) for r in rows if r["n_seeds"] > 1))
    panels = panels or list(dict.fromkeys((r["regime"], r["balanced"]) for r in rows))
    fig = Figure(figsize=(5 * len(panels), 4))
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (regime, balanced) in zip(axes[0], panels, strict=True):
        panel = [r for r in rows if r["regime"] == regime and r["balanced"] == balanced]
        for method in dict.fromkeys(r["method"] for r in panel if r["method"] != "full data"):
            line = [r for r in panel if r["method"] == method]
            ax.errorbar(
                [r["n"] for r in line],
                [r["accuracy_mean"] for r in line],
                yerr=[0.0 if math.isnan(r["accuracy_se"]) else r["accuracy_se"] for r in line],
                marker="o",
                capsize=3,
                label=method,
            )
        for r in rows:
            if r["regime"] == regime and r["method"] == "full data":
                ax.axhline(r["accuracy_mean"], color="gray", ls="--", label="full data")
        ax.set_xscale("log")
        ax.set_xlabel("coreset size n")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"{regime}, balanced={balanced}")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")


def write_report(
    folder: Path, rows: Sequence[dict[str, Any]], title: str, notes: Sequence[str], force: bool
) -> list[Path]:
    """Write table.csv, table.md and figure.png atomically into ``folder``."""

    def write_csv(temporary: str) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: row[k] for k in COLUMNS} for row in rows)
        Path(temporary).write_text(buffer.getvalue())

    def write_md(temporary: str) -> None:
        text = f"# {title}\n\n" + "".join(f"- {note}\n" for note in notes)
        Path(temporary).write_text(text + "\n" + markdown_table(rows))

    return [
        atomic_write(folder / "table.csv", write_csv, force),
        atomic_write(folder / "table.md", write_md, force),
        atomic_write(folder / "figure.png", lambda t: _figure(rows, title, t), force),
    ]
