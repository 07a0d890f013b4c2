"""Sketched per-example gradients of a PyTorch MLP: on the fly against materialising G.

``python -m benchmarks.gradients [--examples N] [--repeat K]`` (needs the ``torch`` extra)
writes ``benchmarks/results/gradients.md``. Ways to the same N x m ``G Gamma``, timed in
turn in the same run, on an MLP (all layers) and on the digits CNN's last two layers:

- ``sketch_gradients``: ``vmap(grad)`` per batch, each batch multiplied by ``Gamma`` in torch
  (float64 or float32 products, two batch sizes), and ``torch.compile`` of the same per-batch
  step (gradients and float32 product);
- materialise G with ``sketch_gradients(sketch_dim=None)`` (the same ``vmap(grad)``), then
  ``sketch_features``;
- a per-example ``loss.backward()`` loop, then ``sketch_features`` of the materialised G, or
  projected a few gradients at a time in float32 as LESS does;
- the two pieces alone: the loop without a sketch, and the product ``G Gamma`` of a given G.
"""

from __future__ import annotations

import argparse
import os
import time

# one BLAS/torch thread, as in the other benchmarks: the machine's 2 cores are shared
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skmm_convex._tables import markdown_table  # noqa: E402
from skmm_convex.gradients import sketch_gradients  # noqa: E402
from skmm_convex.sketch import draw_embedding, sketch_features  # noqa: E402

from .common import timed_interleaved, write_result  # noqa: E402

SKETCH_DIM = 64
WIDTHS = (256, 384, 10)  # input, hidden, classes: r = 256*384 + 384 + 384*10 + 10 = 102,538
BATCH_SIZE = 128
LARGE_BATCH = 512
PROJECT_EVERY = 16  # LESS projects its per-example gradients in groups of this many
CNN_SKETCH_DIM = 32
CNN_TUNED = ["7.weight", "7.bias", "9.weight", "9.bias"]


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    n_in, hidden, classes = WIDTHS
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes)
    )


def _backward_rows(model: torch.nn.Module, names, x: np.ndarray, y: np.ndarray):
    """Per-example gradients, one ``loss.backward()`` each, yielded as flat float32 tensors.

    Only the parameters ``names`` require gradients meanwhile (as when finetuning them), so
    that ``backward`` does not compute the others'.
    """
    model.eval()
    named = dict(model.named_parameters())
    params = [named[name] for name in names]
    flags = {name: p.requires_grad for name, p in named.items()}
    for name, p in named.items():
        p.requires_grad_(name in names)
    inputs, targets = torch.as_tensor(x), torch.as_tensor(y)
    try:
        for i in range(len(x)):
            model.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(inputs[i : i + 1]), targets[i : i + 1])
            loss.backward()
            yield torch.cat([p.grad.reshape(-1) for p in params])
    finally:
        for name, p in named.items():
            p.requires_grad_(flags[name])


def _backward_loop(model: torch.nn.Module, names, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """G row by row: one ``loss.backward()`` per example, G held whole (float32)."""
    return torch.stack(list(_backward_rows(model, names, x, y))).numpy()


def _less_loop(model, names, x, y, gamma32: torch.Tensor) -> np.ndarray:
    """LESS's way: ``loss.backward()`` per example, every ``PROJECT_EVERY`` gradients
    projected together (float32 product with the same ``Gamma``)."""
    out, group = [], []
    for row in _backward_rows(model, names, x, y):
        group.append(row)
        if len(group) == PROJECT_EVERY:
            out.append(torch.stack(group) @ gamma32)
            group = []
    if group:
        out.append(torch.stack(group) @ gamma32)
    return torch.cat(out).double().numpy()


def _compiled(model, names, x, y, gamma32: torch.Tensor):
    """``torch.compile`` of one batch's ``vmap(grad)`` and its float32 product with ``Gamma``
    (the same computation as ``sketch_gradients(precision="float32")``, in one graph).

    Returns the function running it over every batch, and the seconds its first run took
    (the compilation, for the two batch shapes of the data, and one run).
    """
    model.eval()
    named = {n: p.detach() for n, p in model.named_parameters()}
    selected = {n: named[n] for n in names}
    frozen = {n: p for n, p in named.items() if n not in selected}
    frozen.update(dict(model.named_buffers()))

    def loss(params, xi, yi):
        output = torch.func.functional_call(model, {**frozen, **params}, (xi[None],))
        return torch.nn.functional.cross_entropy(output, yi[None])

    per_example = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))

    def step(xb, yb):
        grads = per_example(selected, xb, yb)
        flat = torch.cat([grads[n].reshape(xb.shape[0], -1) for n in names], dim=1)
        return flat @ gamma32

    compiled = torch.compile(step)
    inputs, targets = torch.as_tensor(x), torch.as_tensor(y)

    def run() -> np.ndarray:
        parts = [
            compiled(inputs[i : i + BATCH_SIZE], targets[i : i + BATCH_SIZE])
            for i in range(0, len(x), BATCH_SIZE)
        ]
        return torch.cat(parts).double().numpy()

    start = time.perf_counter()
    run()
    return run, time.perf_counter() - start


def _compare(model, names, x, y, sketch_dim: int, repeat: int):
    """Time every way to the same ``G Gamma`` on one model, interleaved; rows and ratios."""
    r = sum(dict(model.named_parameters())[name].numel() for name in names)
    n_examples = len(x)
    loss = torch.nn.functional.cross_entropy
    gamma = draw_embedding(r, sketch_dim, "gaussian", np.random.default_rng(1))  # sketch_features's
    gamma32 = torch.as_tensor(gamma, dtype=torch.float32)

    def ours(batch_size: int, precision: str):
        return lambda: sketch_gradients(
            model,
            loss,
            x,
            y,
            params=names,
            sketch_dim=sketch_dim,
            rng=1,
            batch_size=batch_size,
            precision=precision,
        )

    def vmap_then_sketch() -> np.ndarray:
        G = sketch_gradients(
            model, loss, x, y, params=names, sketch_dim=None, batch_size=BATCH_SIZE
        )
        return sketch_features(G, sketch_dim, "gaussian", 1)

    G32 = torch.as_tensor(_backward_loop(model, names, x, y))
    compiled, compile_seconds = _compiled(model, names, x, y, gamma32)
    compiled_label = (
        f"torch.compile of vmap(grad) and the float32 product (first run, compiling: "
        f"{compile_seconds:.0f} s, not counted)"
    )
    less_label = (
        f"loss.backward() per example, projected {PROJECT_EVERY} at a time in float32 (LESS)"
    )
    alone_label = "loss.backward() per example alone (G held, no sketch)"
    product_label = "the product G Gamma alone (float32, G given)"
    functions = {
        "sketch_gradients (float64 products)": ours(BATCH_SIZE, "float64"),
        "sketch_gradients, precision='float32'": ours(BATCH_SIZE, "float32"),
        f"sketch_gradients, precision='float32', batch size {LARGE_BATCH}": ours(
            LARGE_BATCH, "float32"
        ),
        compiled_label: compiled,
        "vmap, materialise G, then sketch_features": vmap_then_sketch,
        "loss.backward() per example, materialise G, then sketch_features": (
            lambda: sketch_features(_backward_loop(model, names, x, y), sketch_dim, "gaussian", 1)
        ),
        less_label: lambda: _less_loop(model, names, x, y, gamma32),
        alone_label: lambda: _backward_loop(model, names, x, y),
        product_label: lambda: (G32 @ gamma32).double().numpy(),
    }
    # warm-up (torch.func's first call, the first large BLAS products), not timed
    sketch_gradients(model, loss, x[:8], y[:8], params=names, sketch_dim=sketch_dim, rng=1)
    _backward_loop(model, names, x[:8], y[:8])
    times = timed_interleaved(functions, repeat)
    labels = list(functions)
    reference = times[labels[0]][1]
    sketched = [label for label in labels if label != alone_label]
    agreement = max(
        float(np.max(np.abs(times[label][1] - reference)) / np.max(np.abs(reference)))
        for label in sketched
    )
    ours_best = min(times[label][0] for label in labels[:3])
    less = times[less_label][0]
    rows = [
        [
            label,
            f"{seconds:.3g}",
            f"{n_examples / seconds:.0f}",
            f"{less / seconds:.2f}x",
        ]
        for label, (seconds, _) in times.items()
    ]
    table = markdown_table(
        ["method", "time (s)", "examples/s", "speed-up over the LESS loop"], rows
    )
    loop_alone, product = times[alone_label][0], times[product_label][0]
    facts = {
        "r": r,
        "agreement": agreement,
        "best": less / ours_best,
        "compiled": less / times[compiled_label][0],
        "bound": less / product,
        "loop_alone": loop_alone,
        "product": product,
    }
    return table, facts


def _cnn_case(n_examples: int):
    from .digits_cnn import cnn

    torch.manual_seed(0)
    model = cnn(5)
    gen = np.random.default_rng(0)
    x = gen.random((n_examples, 1, 8, 8)).astype(np.float32)
    return model, x, gen.integers(0, 5, n_examples)


def run(n_examples: int, repeat: int) -> str:
    torch.set_num_threads(1)
    gen = np.random.default_rng(0)
    x = gen.standard_normal((n_examples, WIDTHS[0])).astype(np.float32)
    y = gen.integers(0, WIDTHS[-1], n_examples)
    mlp = _model()
    mlp_names = [name for name, _ in mlp.named_parameters()]
    mlp_table, mlp_facts = _compare(mlp, mlp_names, x, y, SKETCH_DIM, repeat)
    cnn_model, cnn_x, cnn_y = _cnn_case(n_examples)
    cnn_table, cnn_facts = _compare(cnn_model, CNN_TUNED, cnn_x, cnn_y, CNN_SKETCH_DIM, repeat)

    def verdict(facts) -> str:
        return (
            f"Best speed-up of `sketch_gradients` over the LESS loop: {facts['best']:.1f}x "
            f"({facts['compiled']:.1f}x for the compiled step, after its compilation). "
            f"The loop alone (no sketch) takes {facts['loop_alone']:.3g} s and the product "
            f"`G Gamma` alone {facts['product']:.3g} s; any way to `G Gamma` pays that "
            f"product, so no method can beat the LESS loop by more than their ratio "
            f"(loop with its projection / product alone) = {facts['bound']:.1f}x here. "
            f"All rows give the same N x m matrix: the largest difference from the first row, "
            f"relative to its largest entry, is {facts['agreement']:.1e} (float32 gradients, "
            "float32 products included).\n"
        )

    return (
        f"N = {n_examples:,} examples, Gaussian sketch, float32 models, one torch thread, "
        f"batch size {BATCH_SIZE} unless stated; best of {repeat} interleaved runs. The "
        "speed-up is the LESS loop's time over the row's.\n\n"
        f"## MLP {WIDTHS[0]}-{WIDTHS[1]}-{WIDTHS[2]} (ReLU), all layers: r = "
        f"{mlp_facts['r']:,}, m = {SKETCH_DIM}\n\n{mlp_table}\n{verdict(mlp_facts)}\n"
        f"## The digits CNN of `benchmarks.digits_cnn`, last two layers: r = "
        f"{cnn_facts['r']:,}, m = {CNN_SKETCH_DIM}\n\n{cnn_table}\n{verdict(cnn_facts)}\n"
        "The on-the-fly sketch holds one batch of gradients and `Gamma` (kept whole up to "
        "`GAMMA_CACHE_BYTES`, drawn again per batch beyond); the materialising rows hold G "
        "whole. With a dense `Gamma` the N r m product is the same in every row; what "
        "`sketch_gradients` saves is the per-example Python and autograd overhead of the "
        "loop (a large share when r m is small, a small one when r m is large) and holding G.\n"
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
