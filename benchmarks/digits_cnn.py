"""Worked example of ``skmm_convex.gradients``: select digits to finetune a small CNN on.

``python -m benchmarks.digits_cnn [--seeds K] [--sizes n ...]`` (needs the ``torch`` extra)
writes ``benchmarks/results/digits_cnn.md``. The digits finetuning experiment of
``skmm-convex reproduce digits`` through a real network and autograd instead of closed-form
gradients:

- **pretraining**: a CNN (two 3x3 convolutions with max pooling, then ``Linear(128, 64)``,
  ReLU, and a linear head) trained on the digits 0-4 of scikit-learn's 8x8 digits;
- **target task**: the digits 5-9, split 60/40 (stratified) into a selection pool and a test
  set; per seed, a fresh 5-class head replaces the pretrained one (as the authors do);
- **selection**: SkMM on ``sketch_gradients`` of the last two layers (``Linear(128, 64)``
  and the head, r = 8,581) against random labels, or uniform sampling;
- **finetuning**: those two layers, full-batch Adam on the coreset, then accuracy on the
  test set; the convolutions stay frozen.
"""

from __future__ import annotations

import argparse
import copy
import os
import time
import warnings
from collections import Counter

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import skmm_convex as skmm  # noqa: E402
from skmm_convex._tables import markdown_table  # noqa: E402
from skmm_convex.gradients import sketch_gradients  # noqa: E402

from .common import write_result  # noqa: E402

SIZES = (20, 40, 80)
SEEDS = 10
SKETCH_DIM = 32
C_S = 0.999  # as in `skmm-convex reproduce digits`
PRETRAIN_STEPS = 300
FINETUNE_STEPS = 100
LEARNING_RATE = 1e-2
TUNED = ["7.weight", "7.bias", "9.weight", "9.bias"]  # Linear(128, 64) and the head
METHODS = ("skmm", "uniform")


def cnn(n_classes: int) -> torch.nn.Sequential:
    """The network: 1x8x8 -> 16x4x4 -> 32x2x2 -> 128 -> 64 -> n_classes."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(128, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, n_classes),
    )


def train(model, names, inputs, labels, steps: int) -> None:
    """Full-batch Adam on the mean cross-entropy, on the parameters ``names`` only."""
    named = dict(model.named_parameters())
    optimizer = torch.optim.Adam([named[name] for name in names], lr=LEARNING_RATE)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(inputs), labels).backward()
        optimizer.step()


def accuracy(model, inputs, labels) -> float:
    with torch.no_grad():
        return float((model(inputs).argmax(1) == labels).float().mean())


def prepare(data_seed: int = 0):
    """Pretrain on digits 0-4; the 5-9 pool and test split, as tensors."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    pixels, digits = load_digits(return_X_y=True)
    x = torch.as_tensor(pixels.reshape(-1, 1, 8, 8) / 16.0, dtype=torch.float32)
    source = np.flatnonzero(digits < 5)
    src_train, src_test = train_test_split(
        source, test_size=0.2, stratify=digits[source], random_state=data_seed
    )
    torch.manual_seed(data_seed)
    model = cnn(5)
    y = torch.as_tensor(digits)
    train(
        model, [n for n, _ in model.named_parameters()], x[src_train], y[src_train], PRETRAIN_STEPS
    )
    source_accuracy = accuracy(model, x[src_test], y[src_test])
    target = np.flatnonzero(digits >= 5)
    pool, test = train_test_split(
        target, test_size=0.4, stratify=digits[target], random_state=data_seed
    )
    return model, source_accuracy, (x[pool], y[pool] - 5), (x[test], y[test] - 5)


def run(sizes, seeds: int, data_seed: int = 0) -> str:
    torch.set_num_threads(1)
    start = time.perf_counter()
    pretrained, source_accuracy, (x_pool, y_pool), (x_test, y_test) = prepare(data_seed)
    scores = {(n, method): [] for n in sizes for method in METHODS}
    full_pool = []
    caught: Counter[str] = Counter()
    sketch_seconds = 0.0
    for seed in range(seeds):
        torch.manual_seed(1000 + seed)
        fresh = copy.deepcopy(pretrained)
        fresh[9] = torch.nn.Linear(64, 5)  # a fresh head, as the authors do
        tic = time.perf_counter()
        features = sketch_gradients(
            fresh,
            torch.nn.functional.cross_entropy,
            x_pool,
            "random",
            params=TUNED,
            sketch_dim=SKETCH_DIM,
            rng=seed,
            batch_size=128,
        )
        sketch_seconds += time.perf_counter() - tic
        full = copy.deepcopy(fresh)
        train(full, TUNED, x_pool, y_pool, FINETUNE_STEPS)
        full_pool.append(accuracy(full, x_test, y_test))
        for n in sizes:
            for method in METHODS:
                options = {"sketch_dim": None, "c_s": C_S} if method == "skmm" else {}
                with warnings.catch_warnings(record=True) as records:
                    warnings.simplefilter("always")
                    chosen = skmm.select(features, n, method, rng=seed, **options).indices
                if method == "skmm":
                    caught.update(type(record.message).__name__ for record in records)
                model = copy.deepcopy(fresh)
                train(model, TUNED, x_pool[chosen], y_pool[chosen], FINETUNE_STEPS)
                scores[n, method].append(accuracy(model, x_test, y_test))
    seconds = time.perf_counter() - start
    rows, ahead_sizes, behind_sizes = [], 0, 0
    for n in sizes:
        ours, uniform = np.array(scores[n, "skmm"]), np.array(scores[n, "uniform"])
        difference = ours - uniform
        error = difference.std(ddof=1) / np.sqrt(seeds) if seeds > 1 else float("nan")
        ahead_sizes += bool(difference.mean() > 2 * error)
        behind_sizes += bool(difference.mean() < -2 * error)
        rows.append(
            [
                str(n),
                f"{ours.mean():.3f} ± {ours.std():.3f}",
                f"{uniform.mean():.3f} ± {uniform.std():.3f}",
                f"{difference.mean():+.3f} ± {error:.3f}",
                f"{int(np.sum(difference > 0))} / {int(np.sum(difference < 0))}",
            ]
        )
    full = np.array(full_pool)
    rows.append(
        [f"{len(y_pool)} (whole pool)", f"{full.mean():.3f} ± {full.std():.3f}", "", "", ""]
    )
    table = markdown_table(
        [
            "n",
            "SkMM accuracy (mean ± std)",
            "uniform accuracy (mean ± std)",
            "SkMM - uniform (mean ± s.e.)",
            "seeds SkMM ahead / behind",
        ],
        rows,
    )
    r = sum(dict(pretrained.named_parameters())[name].numel() for name in TUNED)
    warned = ", ".join(f"{name} x{count}" for name, count in sorted(caught.items())) or "none"
    return (
        f"CNN pretrained on digits 0-4 (held-out accuracy {source_accuracy:.3f}, "
        f"{PRETRAIN_STEPS} full-batch Adam steps); target digits 5-9: pool N = {len(y_pool)}, "
        f"test {len(y_test)}. Per seed 0..{seeds - 1}: a fresh 5-class head, "
        f"`sketch_gradients` of the last two layers (r = {r:,}) against random labels, "
        f"m = {SKETCH_DIM}, Gaussian sketch; SkMM with c_S = {C_S} (vertex solution, "
        f"stratified sampler) or uniform sampling draws n; the two layers are finetuned "
        f"{FINETUNE_STEPS} full-batch Adam steps (lr {LEARNING_RATE:g}); the whole-pool row "
        f"finetunes on the whole pool.\n\n{table}\n"
        "The difference is paired (same seed, same fresh head); s.e. is its standard error "
        f"over the seeds. SkMM is ahead by more than two standard errors at {ahead_sizes} of "
        f"{len(sizes)} coreset sizes and behind by more than two at {behind_sizes}. Warnings "
        f"during the {seeds * len(sizes)} SkMM selections: {warned}. Sketching took "
        f"{sketch_seconds:.2f} s for {seeds} seeds; the whole run {seconds:.0f} s.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.digits_cnn", description=__doc__)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    command = "python -m benchmarks.digits_cnn"
    if args.seeds != SEEDS:
        command += f" --seeds {args.seeds}"
    if tuple(args.sizes) != SIZES:
        command += " --sizes " + " ".join(map(str, args.sizes))
    body = run(tuple(args.sizes), args.seeds)
    path = write_result(
        "digits_cnn",
        "Selecting digits to finetune a CNN on, from its sketched gradients",
        body,
        command,
    )
    print(path.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
