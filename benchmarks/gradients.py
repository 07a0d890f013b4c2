"""Sketched per-example gradients of a PyTorch MLP: on the fly against materialising G.

``python -m benchmarks.gradients [--examples N] [--repeat K]`` (needs the ``torch`` extra)
writes ``benchmarks/results/gradients.md``. Three ways to the same N x m ``G Gamma``, timed
in turn in the same run:

- ``sketch_gradients``: ``vmap(grad)`` per batch, each batch multiplied by ``Gamma`` at once;
- materialise G with ``sketch_gradients(sketch_dim=None)`` (the same ``vmap(grad)``), then
  ``sketch_features``;
- materialise G with a per-example ``loss.backward()`` loop (the way LESS collects
  gradients), then ``sketch_features``.
"""

from __future__ import annotations

import argparse
import os

# one BLAS/torch thread, as in the other benchmarks: the machine's 2 cores are shared
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skmm_convex._tables import markdown_table  # noqa: E402
from skmm_convex.gradients import sketch_gradients  # noqa: E402
from skmm_convex.sketch import sketch_features  # noqa: E402

from .common import timed_interleaved, write_result  # noqa: E402

SKETCH_DIM = 64
WIDTHS = (256, 384, 10)  # input, hidden, classes: r = 256*384 + 384 + 384*10 + 10 = 102,538
BATCH_SIZE = 128


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    n_in, hidden, classes = WIDTHS
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes)
    )


def _backward_loop(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """G row by row: one ``loss.backward()`` per example."""
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    G = np.empty((len(x), sum(p.numel() for p in params)), dtype=np.float32)
    inputs, targets = torch.as_tensor(x), torch.as_tensor(y)
    for i in range(len(x)):
        model.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs[i : i + 1]), targets[i : i + 1])
        loss.backward()
        G[i] = torch.cat([p.grad.reshape(-1) for p in params]).numpy()
    return G


def run(n_examples: int, repeat: int) -> str:
    torch.set_num_threads(1)
    model = _model()
    r = sum(p.numel() for p in model.parameters())
    gen = np.random.default_rng(0)
    x = gen.standard_normal((n_examples, WIDTHS[0])).astype(np.float32)
    y = gen.integers(0, WIDTHS[-1], n_examples)
    loss = torch.nn.functional.cross_entropy

    def on_the_fly() -> np.ndarray:
        return sketch_gradients(
            model, loss, x, y, sketch_dim=SKETCH_DIM, rng=1, batch_size=BATCH_SIZE
        )

    def vmap_then_sketch() -> np.ndarray:
        G = sketch_gradients(model, loss, x, y, sketch_dim=None, batch_size=BATCH_SIZE)
        return sketch_features(G, SKETCH_DIM, "gaussian", 1)

    def backward_then_sketch() -> np.ndarray:
        return sketch_features(_backward_loop(model, x, y), SKETCH_DIM, "gaussian", 1)

    def on_the_fly_float32() -> np.ndarray:
        return sketch_gradients(
            model,
            loss,
            x,
            y,
            sketch_dim=SKETCH_DIM,
            rng=1,
            batch_size=BATCH_SIZE,
            precision="float32",
        )

    # warm-up (torch.func's first call, the first large BLAS products), not timed
    sketch_gradients(model, loss, x[:8], y[:8], sketch_dim=SKETCH_DIM, rng=1)
    _backward_loop(model, x[:8], y[:8])
    labels = {
        "sketch_gradients (on the fly)": on_the_fly,
        "sketch_gradients, precision='float32'": on_the_fly_float32,
        "vmap, materialise G, then sketch_features": vmap_then_sketch,
        "loss.backward() per example, materialise G, then sketch_features": backward_then_sketch,
    }
    times = timed_interleaved(labels, repeat)
    ours, reference = times[next(iter(labels))]
    agreement = max(
        float(np.max(np.abs(value - reference)) / np.max(np.abs(reference)))
        for _, value in times.values()
    )
    held = {  # the largest arrays each way holds, in MB
        "sketch_gradients (on the fly)": (BATCH_SIZE * r * 12 + r * SKETCH_DIM * 8) / 1e6,
        "sketch_gradients, precision='float32'": (BATCH_SIZE + SKETCH_DIM) * r * 4 / 1e6,
        "vmap, materialise G, then sketch_features": n_examples * r * 8 / 1e6,
        "loss.backward() per example, materialise G, then sketch_features": (
            n_examples * r * 4 + BATCH_SIZE * r * 8  # G, and one float64 block of it
        )
        / 1e6,
    }
    rows = [
        [
            label,
            f"{seconds:.3g}",
            f"{seconds * 1000 / n_examples:.3g}",
            f"{n_examples / seconds:.0f}",
            f"{seconds / ours:.2f}x",
            f"{held[label]:.0f}",
        ]
        for label, (seconds, _) in times.items()
    ]
    table = markdown_table(
        [
            "method",
            "time (s)",
            "s per 1000 examples",
            "examples/s",
            "time / on the fly",
            "largest arrays held (MB)",
        ],
        rows,
    )
    return (
        f"MLP {WIDTHS[0]}-{WIDTHS[1]}-{WIDTHS[2]} (ReLU), r = {r:,} parameters, "
        f"N = {n_examples:,} examples, m = {SKETCH_DIM}, Gaussian sketch, batch size "
        f"{BATCH_SIZE}, float32 model, float64 products, one torch thread; best of {repeat} "
        f"interleaved runs.\n\n{table}\n"
        "All give the same N x m matrix: the largest difference from the on-the-fly result, "
        f"relative to its largest entry, is {agreement:.1e} (float32 gradients; the "
        "float32 products included).\n\n"
        "The on-the-fly sketch holds one batch of gradients (float32, and its float64 copy "
        "for the float64 products) and `Gamma` (kept whole up to `GAMMA_CACHE_BYTES`, drawn "
        "again per batch beyond); the other two hold G whole (float64 from "
        "`sketch_gradients(sketch_dim=None)`, float32 from the loop). Both on-the-fly and "
        "materialised pay the same N r m product with `Gamma`; what the on-the-fly sketch "
        "saves is holding G.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gradients", description=__doc__)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    command = "python -m benchmarks.gradients"
    if args.examples != 1000:
        command += f" --examples {args.examples}"
    if args.repeat != 2:
        command += f" --repeat {args.repeat}"
    body = run(args.examples, args.repeat)
    path = write_result("gradients", "Per-example gradients, sketched on the fly", body, command)
    print(path.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
