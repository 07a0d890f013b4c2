"""Reproducible experiments, each run by ``skmm-convex reproduce NAME``.

Each experiment module exposes ``add_arguments(parser)`` (its command-line options) and
``run_from_args(args) -> int`` (the exit code), and is listed in :data:`EXPERIMENTS` by the
dotted path of its module, imported only when its command runs.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["EXPERIMENTS", "load_experiment"]

# name -> (module, one-line description)
EXPERIMENTS: dict[str, tuple[str, str]] = {
    "gmm": (
        "skmm_convex.experiments.gmm.cli",
        "the paper's Table 1: risk of every method on the synthetic GMM data",
    ),
    "digits": (
        "skmm_convex.experiments.digits",
        "linear probing and last-two-layer finetuning on scikit-learn's digits",
    ),
    "probe": (
        "skmm_convex.experiments.probe",
        "the classification protocol on your own features or gradients (.npy)",
    ),
}


def load_experiment(name: str) -> ModuleType:
    """Import the module of experiment ``name``."""
    return importlib.import_module(EXPERIMENTS[name][0])
