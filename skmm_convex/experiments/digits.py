"""``skmm-convex reproduce digits``: the paper's real-data protocol on scikit-learn's digits.

A shipped-data analogue of the paper's StanfordCars experiments, which need downloads:

* **pretraining** (the ImageNet stand-in): an MLP ``64 -> 128 -> 64 -> 5`` (scikit-learn,
  ReLU, Adam) trained on the digits 0-4 only;
* **target task** (the StanfordCars stand-in): the digits 5-9, split 60/40 (stratified) into a
  selection pool and a test set; the frozen first layer gives inputs z, the pretrained second
  layer is kept and a fresh 5-class head is drawn, as the authors do;
* **LP regime**: methods select on the penultimate features ``h = relu(z W1 + b1)`` (64-d)
  and a logistic-regression probe is fitted on them;
* **FT regime**: methods select on the per-example gradients of the last two layers
  (``r = 128*64 + 64 + 64*5 + 5 = 8,581`` > N = 537) against random labels (the authors'
  trick; ``--gradient-targets true`` uses the labels), and both layers are finetuned on the
  coreset from the point where the gradients were taken (full-batch Adam).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .. import __version__
from ..evaluation.probe import LinearProbe, Score, score_predictions
from .last_layers import (
    GRADIENT_TARGETS,
    TwoLayerHead,
    finetune,
    gradient_targets,
    init_head,
    per_example_gradients,
)
from .protocol import add_protocol_arguments, run_regime
from .report import check_outputs, write_report

__all__ = ["DigitsTask", "FinetuneEvaluator", "add_arguments", "prepare_digits", "run_from_args"]

SOURCE_CLASSES = (0, 1, 2, 3, 4)
HIDDEN = (128, 64)
FULL = {"sizes": (10, 20, 30, 50, 80, 120, 200), "seeds": 10, "steps": 100}
QUICK = {"sizes": (20, 60), "seeds": 2, "steps": 60}


@dataclass(frozen=True)
class DigitsTask:
    """The digits transfer task, ready for selection.

    Attributes
    ----------
    inputs_train, inputs_test : ndarray, shape (N, 128), (N_test, 128)
        Frozen first-layer activations z of the target examples.
    labels_train, labels_test : ndarray of int, shape (N,), (N_test,)
        Target classes 0..4 (digits 5..9).
    head : TwoLayerHead
        The pretrained hidden layer with a fresh head: where the gradients are taken and
        where finetuning starts.
    features_train, features_test : ndarray, shape (N, 64), (N_test, 64)
        Penultimate features (linear-probing inputs).
    gradients : ndarray, shape (N, r)
        Per-example gradients of the last two layers on the pool.
    source_accuracy : float
        The pretrained MLP's accuracy on held-out source digits.
    """

    inputs_train: np.ndarray
    inputs_test: np.ndarray
    labels_train: np.ndarray
    labels_test: np.ndarray
    head: TwoLayerHead
    features_train: np.ndarray
    features_test: np.ndarray
    gradients: np.ndarray
    source_accuracy: float


def prepare_digits(
    seed: int = 0, targets: str = "random", test_fraction: float = 0.4
) -> DigitsTask:
    """Pretrain on digits 0-4, build the 5-9 target task, its features and gradients.

    ``seed`` fixes the splits, the pretraining, the fresh head and the random labels.
    """
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    pixels, digits = load_digits(return_X_y=True)
    pixels = pixels / 16.0
    gen = np.random.default_rng(seed)
    split_rng, head_rng, label_rng = gen.spawn(3)
    source = np.isin(digits, SOURCE_CLASSES)
    src_train, src_test = train_test_split(
        np.flatnonzero(source), test_size=0.2, stratify=digits[source], random_state=seed
    )
    from threadpoolctl import threadpool_limits

    network = MLPClassifier(HIDDEN, max_iter=400, random_state=seed)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        network.fit(pixels[src_train], digits[src_train])
    source_accuracy = float(network.score(pixels[src_test], digits[src_test]))

    target = np.flatnonzero(~source)
    labels = digits[target] - len(SOURCE_CLASSES)
    split_seed = int(split_rng.integers(2**31))
    pool, test = train_test_split(
        np.arange(target.size), test_size=test_fraction, stratify=labels, random_state=split_seed
    )
    frozen = np.maximum(pixels[target] @ network.coefs_[0] + network.intercepts_[0], 0.0)
    head = init_head(network.coefs_[1], network.intercepts_[1], 5, rng=head_rng)
    t = gradient_targets(labels[pool], 5, targets, rng=label_rng)
    return DigitsTask(
        inputs_train=frozen[pool],
        inputs_test=frozen[test],
        labels_train=labels[pool],
        labels_test=labels[test],
        head=head,
        features_train=head.penultimate(frozen[pool]),
        features_test=head.penultimate(frozen[test]),
        gradients=per_example_gradients(head, frozen[pool], t),
        source_accuracy=source_accuracy,
    )


class FinetuneEvaluator:
    """Finetune the last two layers on a coreset (from ``task.head``), score on the test set."""

    def __init__(self, task: DigitsTask, steps: int, learning_rate: float = 1e-2) -> None:
        self.task, self.steps, self.learning_rate = task, steps, learning_rate

    def __call__(self, indices: np.ndarray, rng: np.random.Generator | None = None) -> Score:
        task = self.task
        trained = finetune(
            task.head,
            task.inputs_train[indices],
            task.labels_train[indices],
            steps=self.steps,
            learning_rate=self.learning_rate,
        )
        return score_predictions(task.labels_test, trained.predict(task.inputs_test))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line options of ``reproduce digits``."""
    parser.add_argument("--quick", action="store_true", help="2 sizes, 2 seeds (CI smoke run)")
    add_protocol_arguments(parser, default_out="results/digits")
    parser.add_argument(
        "--regimes", nargs="+", default=["lp", "ft"], choices=("lp", "ft"), help="default both"
    )
    parser.add_argument(
        "--gradient-targets",
        default="random",
        choices=GRADIENT_TARGETS,
        help="targets of the FT gradients: random labels (authors) or true labels",
    )
    parser.add_argument("--steps", type=int, help="finetuning Adam steps")
    parser.add_argument("--data-seed", type=int, default=0, help="seed of split and pretraining")


def run_from_args(args: argparse.Namespace) -> int:
    """Run the experiment from parsed arguments; returns the exit code.

    BLAS runs single-threaded inside: the matrices are small, and on a shared machine
    several OpenBLAS threads only contend for the cores and slow the pretraining down.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    folder = check_outputs(args.out, args.force)
    mode = QUICK if args.quick else FULL
    sizes = tuple(args.sizes or mode["sizes"])
    seeds = tuple(range(args.seeds if args.seeds is not None else mode["seeds"]))
    steps = args.steps if args.steps is not None else mode["steps"]
    task = prepare_digits(args.data_seed, args.gradient_targets)
    n_pool, rank = task.gradients.shape
    print(
        f"digits: pool N={n_pool}, test {task.labels_test.size}, LP d="
        f"{task.features_train.shape[1]}, FT r={rank}; source accuracy "
        f"{task.source_accuracy:.3f}",
        file=sys.stderr,
    )
    rows = []
    if "lp" in args.regimes:
        probe = LinearProbe(
            task.features_train, task.labels_train, task.features_test, task.labels_test
        )
        rows += run_regime("lp", task.features_train, task.labels_train, probe, args, sizes, seeds)
    if "ft" in args.regimes:
        tune = FinetuneEvaluator(task, steps)
        rows += run_regime("ft", task.gradients, task.labels_train, tune, args, sizes, seeds)
    seconds = time.perf_counter() - start
    notes = [
        f"skmm-convex {__version__}; {'quick' if args.quick else 'full'} mode; "
        f"seeds 0..{len(seeds) - 1}; wall time {seconds:.1f} s",
        f"pretraining: MLP 64-128-64-5 on digits 0-4 (held-out accuracy "
        f"{task.source_accuracy:.3f}); target: digits 5-9, pool N={n_pool}, "
        f"test {task.labels_test.size}",
        f"lp: select on penultimate features (d={task.features_train.shape[1]}), "
        "StandardScaler + LogisticRegression(C=1)",
        f"ft: select on last-two-layer gradients (r={rank}, targets "
        f"{args.gradient_targets!r}), finetune both layers, {steps} full-batch Adam steps, "
        "lr 1e-2",
        f"SkMM: sketch_dim {args.sketch_dim}, c_S {args.c_s}, vertex solution, stratified "
        "systematic sampler; 'full data' = the evaluator on the whole pool",
    ]
    title = "Digits: linear probing (lp) and last-two-layer finetuning (ft)"
    for path in write_report(folder, rows, title, notes, args.force):
        print(f"wrote {path}")
    print(f"digits: done in {seconds:.1f} s", file=sys.stderr)
    return 0
