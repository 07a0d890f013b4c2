"""``skmm-convex reproduce probe``: the classification protocol on arrays you bring.

Linear probing on your features (e.g. CLIP embeddings of StanfordCars), with selection on the
same features or on a separate selection matrix (e.g. sketched per-example gradients, the
paper's finetuning regime). Every ``.npy`` input is memory-mapped.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .. import __version__
from .._io import load_array
from ..errors import ValidationError
from ..evaluation.probe import LinearProbe
from .protocol import add_protocol_arguments, run_regime
from .report import check_outputs, write_report

__all__ = ["add_arguments", "run_from_args"]

DEFAULT_SEEDS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line options of ``reproduce probe``."""
    parser.add_argument("--features", required=True, help="train features, N x d (.npy/.npz)")
    parser.add_argument("--labels", required=True, help="train labels, N (.npy/.npz)")
    parser.add_argument("--test-features", required=True, help="test features, N_test x d")
    parser.add_argument("--test-labels", required=True, help="test labels, N_test")
    parser.add_argument(
        "--selection-features",
        help="N x r matrix the methods select on (e.g. per-example gradients); default: --features",
    )
    parser.add_argument("--C", type=float, default=1.0, help="logistic regression C (default 1)")
    add_protocol_arguments(parser, default_out="results/probe")


def _labels(path: str, name: str) -> np.ndarray:
    labels = np.asarray(load_array(path))
    if labels.ndim == 2 and 1 in labels.shape:
        labels = labels.ravel()
    if labels.ndim != 1:
        raise ValidationError(f"{name} must hold a 1-d array, got shape {labels.shape}")
    return labels


def run_from_args(args: argparse.Namespace) -> int:
    """Run the protocol on the user's arrays; returns the exit code."""
    start = time.perf_counter()
    if args.sizes is None:
        raise ValidationError("--sizes is required for reproduce probe (e.g. --sizes 500 1000)")
    folder = check_outputs(args.out, args.force)
    features = load_array(args.features)
    labels = _labels(args.labels, "--labels")
    selection = features if args.selection_features is None else load_array(args.selection_features)
    if selection.shape[0] != features.shape[0]:
        raise ValidationError(
            f"--selection-features has {selection.shape[0]} rows, --features has "
            f"{features.shape[0]}; they must describe the same examples"
        )
    probe = LinearProbe(
        features,
        labels,
        load_array(args.test_features),
        _labels(args.test_labels, "--test-labels"),
        C=args.C,
    )
    seeds = tuple(range(args.seeds if args.seeds is not None else DEFAULT_SEEDS))
    regime = "lp" if args.selection_features is None else "selection-matrix"
    print(
        f"probe: N={features.shape[0]}, d={features.shape[1]}, selecting on "
        f"{selection.shape[1]} columns, {np.unique(labels).size} classes",
        file=sys.stderr,
    )
    rows = run_regime(regime, selection, labels, probe, args, args.sizes, seeds)
    seconds = time.perf_counter() - start
    notes = [
        f"skmm-convex {__version__}; seeds 0..{len(seeds) - 1}; wall time {seconds:.1f} s",
        f"features {args.features} (N={features.shape[0]}, d={features.shape[1]}); selection on "
        f"{args.selection_features or args.features} ({selection.shape[1]} columns)",
        f"StandardScaler + LogisticRegression(C={args.C}); SkMM sketch_dim {args.sketch_dim}, "
        f"c_S {args.c_s}",
    ]
    for path in write_report(folder, rows, "Linear probe on your data", notes, args.force):
        print(f"wrote {path}")
    return 0
