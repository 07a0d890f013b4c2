"""The classification protocol of the paper's real-data experiments, and its command options.

Select a coreset from a training split with any method of :data:`skmm_convex.selection.METHODS`
(globally or class by class), score it with an evaluator (a linear probe, or finetuning), and
summarise accuracy and macro-F1 as mean and standard error over seeds for every method and
coreset size. Used by ``reproduce digits`` and ``reproduce probe``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .._validation import check_choice, check_int, check_matrix
from ..evaluation.probe import Score
from ..selection import (
    BUDGET_SPLITS,
    METHODS,
    PAPER_METHODS,
    check_labels,
    select,
    select_per_class,
)

__all__ = [
    "SummaryRow",
    "Trial",
    "add_protocol_arguments",
    "method_options",
    "run_protocol",
    "run_regime",
    "summarise",
]

Evaluator = Callable[[np.ndarray, np.random.Generator], Score]


@dataclass(frozen=True)
class Trial:
    """One (method, n, seed) run of the protocol."""

    method: str
    n: int
    seed: int
    accuracy: float
    macro_f1: float
    select_seconds: float
    balanced: str


@dataclass(frozen=True)
class SummaryRow:
    """Mean and standard error (``std(ddof=1) / sqrt(k)``, NaN for k=1) over k seeds."""

    method: str
    n: int
    balanced: str
    accuracy_mean: float
    accuracy_se: float
    macro_f1_mean: float
    macro_f1_se: float
    n_seeds: int
    select_seconds: float


def run_protocol(
    features: Any,
    labels: Any,
    sizes: Sequence[int],
    evaluate: Evaluator,
    *,
    methods: Sequence[str] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    balanced: str = "none",
    method_options: dict[str, dict[str, Any]] | None = None,
    progress: bool = False,
) -> list[Trial]:
    """Select with every method at every size and seed, and score each coreset.

    Parameters
    ----------
    features : array_like, shape (N, r)
        What the methods select on: features (linear probing) or per-example gradients
        (finetuning), possibly memory-mapped.
    labels : array_like, shape (N,)
        Training labels (used by class-balanced selection only).
    sizes : sequence of int
        Coreset sizes n, each in ``[1, N]``.
    evaluate : callable ``(indices, rng) -> Score``
        E.g. a :class:`~skmm_convex.evaluation.probe.LinearProbe`; ``rng`` is an independent
        stream of the trial.
    methods : sequence of str, optional
        Keys of :data:`~skmm_convex.selection.METHODS`; by default the paper's
        (:data:`~skmm_convex.selection.PAPER_METHODS`).
    seeds : sequence of int
        One replicate per seed; seed k, size n and method name get the stream
        ``SeedSequence([k, n, crc32(name)])``, so a method's coresets do not depend on which
        other methods or sizes run beside it.
    balanced : {"none", "proportional", "equal"}
        Global selection, or :func:`~skmm_convex.selection.select_per_class` with that budget
        split.
    method_options : dict, optional
        Method name -> keyword options for that method (e.g. ``{"skmm": {"sketch_dim": 64}}``).
    progress : bool
        Show a progress bar on stderr (only when stderr is a terminal).

    Returns
    -------
    list of Trial
    """
    matrix = check_matrix(features)
    labels = check_labels(labels, matrix.shape[0])
    methods = PAPER_METHODS if methods is None else tuple(methods)
    for method in methods:
        check_choice(method, "methods", tuple(METHODS))
    check_choice(balanced, "balanced", ("none", *BUDGET_SPLITS))
    sizes = [check_int(n, "sizes", 1, matrix.shape[0]) for n in sizes]
    seeds = [check_int(seed, "seeds", 0) for seed in seeds]
    method_options = dict(method_options or {})
    trials = []
    bar = tqdm(
        total=len(seeds) * len(sizes) * len(methods),
        desc=f"balanced={balanced}",
        unit="trial",
        file=sys.stderr,
        disable=None if progress else True,
        leave=False,
    )
    with bar:
        for seed in seeds:
            for n in sizes:
                for method in methods:
                    stream = np.random.default_rng([seed, n, zlib.crc32(method.encode())])
                    select_rng, eval_rng = stream.spawn(2)
                    options = method_options.get(method, {})
                    start = time.perf_counter()
                    if balanced == "none":
                        selection = select(matrix, n, method, rng=select_rng, **options)
                    else:
                        selection = select_per_class(
                            matrix, labels, n, method, split=balanced, rng=select_rng, **options
                        )
                    seconds = time.perf_counter() - start
                    score = evaluate(selection.indices, eval_rng)
                    trials.append(
                        Trial(method, n, seed, score.accuracy, score.macro_f1, seconds, balanced)
                    )
                    bar.update()
    return trials


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    se = float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")
    return float(values.mean()), se


def summarise(trials: Sequence[Trial]) -> list[SummaryRow]:
    """Mean and standard error over seeds per (balanced, method, n), in first-seen order.

    Parameters
    ----------
    trials : sequence of Trial

    Returns
    -------
    list of SummaryRow
    """
    groups: dict[tuple[str, str, int], list[Trial]] = {}
    for trial in trials:
        groups.setdefault((trial.balanced, trial.method, trial.n), []).append(trial)
    rows = []
    for (balanced, method, n), group in groups.items():
        acc = _mean_se(np.array([t.accuracy for t in group]))
        f1 = _mean_se(np.array([t.macro_f1 for t in group]))
        seconds = float(np.mean([t.select_seconds for t in group]))
        rows.append(SummaryRow(method, n, balanced, *acc, *f1, len(group), seconds))
    return rows


def add_protocol_arguments(parser: argparse.ArgumentParser, default_out: str) -> None:
    """Add the options every classification experiment takes to ``parser``."""
    parser.add_argument("--out", default=default_out, help=f"output folder (default {default_out})")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument("--seeds", type=int, help="number of seeds 0..K-1")
    parser.add_argument("--sizes", type=int, nargs="+", help="coreset sizes n")
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=tuple(METHODS),
        help=f"selection methods (default: the paper's, {' '.join(PAPER_METHODS)})",
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


def run_regime(
    regime: str,
    features: Any,
    labels: np.ndarray,
    evaluate: Evaluator,
    args: argparse.Namespace,
    sizes: Sequence[int],
    seeds: Sequence[int],
) -> list[dict[str, Any]]:
    """Run the protocol for every balance mode of ``args.balanced``.

    Returns
    -------
    list of dict
        Summary rows (:class:`SummaryRow` fields) tagged with the regime, plus a 'full data'
        reference row (the evaluator on every training row). Warnings raised during the runs
        are counted and printed once each on stderr.
    """
    methods = args.methods or PAPER_METHODS
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
                progress=True,
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
