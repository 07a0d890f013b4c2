"""Per-example gradients of a PyTorch model, sketched on the fly: the ``G Gamma`` of SkMM.

The paper's pipeline starts from G (N x r), the per-example gradients of the parameters being
finetuned, and sketches it to ``G Gamma`` (N x m). :func:`sketch_gradients` computes those
gradients with ``torch.func`` (``vmap`` of ``grad`` over ``functional_call``), batch by batch,
and multiplies each batch by the rows of ONE embedding ``Gamma`` parameter block by parameter
block, so G is never materialised. The result is the one :func:`skmm_convex.sketch_features`
gives for the materialised G with the same ``sketch_dim``, ``sketch`` and ``rng`` (to float
rounding), which is what the tests check.

PyTorch is an optional dependency (``pip install "skmm-convex[torch]"``); importing
:mod:`skmm_convex` never imports it, only importing this module does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

try:
    import torch
    from torch.func import functional_call, grad, vmap
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError(
        'skmm_convex.gradients needs PyTorch: pip install "skmm-convex[torch]"'
    ) from exc

from ._io import atomic_write
from ._validation import RngLike, as_generator, check_choice, check_int
from .errors import ValidationError
from .sketch import SKETCH_KINDS, SKETCH_PRECISIONS, draw_embedding

__all__ = ["GAMMA_CACHE_BYTES", "gradient_names", "sketch_gradients"]

GAMMA_CACHE_BYTES = 256 * 2**20
"""A Gaussian ``Gamma`` of at most this many float64 bytes is drawn once and kept; a larger
one is drawn again, block by block from the same seed state, for every batch."""


def gradient_names(model: torch.nn.Module) -> list[str]:
    """The default ``params`` of :func:`sketch_gradients`: every parameter with ``requires_grad``.

    In the order of ``model.named_parameters()``.
    """
    return [name for name, p in model.named_parameters() if p.requires_grad]


def sketch_gradients(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    inputs: Any,
    targets: Any,
    *,
    params: Sequence[str] | None = None,
    sketch_dim: int | None,
    sketch: str = "gaussian",
    rng: RngLike = None,
    batch_size: int = 64,
    out: str | os.PathLike | None = None,
    precision: str = "float64",
    progress: bool = False,
) -> np.ndarray:
    """Sketched per-example gradients ``G Gamma`` (N x m) of ``loss_fn(model(x_i), y_i)``.

    Parameters
    ----------
    model : torch.nn.Module
        Evaluated in eval mode (BatchNorm uses its running statistics, dropout is off, as in
        the authors' code); each submodule's training flag is restored afterwards.
    loss_fn : callable
        ``loss_fn(output, target)`` on a batch of ONE example (output of shape ``(1, ...)``,
        target of shape ``(1, ...)``), returning a scalar tensor, e.g.
        ``torch.nn.functional.cross_entropy``.
    inputs : torch.Tensor or array_like, shape (N, ...)
        Read ``batch_size`` rows at a time (a ``np.memmap`` is streamed); floating inputs are
        cast to the dtype of the model's parameters.
    targets : torch.Tensor, array_like of length N, or "random"
        Labels, or ``"random"``: labels drawn uniformly from ``rng`` first,
        ``rng.integers(0, n_classes, size=N)``, with ``n_classes`` the width of the model's
        (batch, classes) output (the authors' choice), and ``Gamma`` drawn after them.
    params : sequence of str, optional
        Names from ``model.named_parameters()``; the columns of G are these parameters, in
        this order, each flattened row-major. Default: :func:`gradient_names` (every
        parameter with ``requires_grad``, in the model's order).
    sketch_dim : int or None
        m, in ``[1, r]`` with r the total size of ``params``; None returns G itself (N x r).
    sketch : {"gaussian", "sparse-sign"}
        The embedding (:func:`skmm_convex.sketch.draw_embedding`).
    rng : int, Generator or None
        Draws ``Gamma`` as :func:`skmm_convex.sketch_features` does (after the random labels
        if ``targets="random"``); a Generator is left in the state that draw leaves it in.
    batch_size : int
        Examples per ``vmap`` call; the output does not depend on it (beyond float rounding).
        One batch holds its ``batch_size x r`` gradients (and, with float64 products, a
        float64 copy of each parameter's block).
    out : str or path-like, optional
        A ``.npy`` file to write the result to, as a memory map filled batch by batch in a
        temporary file of the same folder that is renamed into place at the end (so an
        interrupted run leaves no file under this name; an existing one is replaced). The
        return value is then that file opened read-only with ``mmap_mode="r"``.
    precision : {"float64", "float32"}
        Arithmetic of the products with ``Gamma``, as in :func:`skmm_convex.sketch_features`;
        they are taken in torch, per parameter block, and summed in float64. The gradients
        themselves are in the model's dtype.
    progress : bool
        A tqdm progress bar on stderr.

    Returns
    -------
    ndarray, shape (N, m), float64
        Row i is ``g_i Gamma`` with ``g_i`` the gradient of example i.

    Raises
    ------
    ValidationError
        A bad model, loss_fn, inputs, targets, params, sketch_dim, sketch, rng, batch_size,
        out or precision; the message names the argument. A gradient (or its sketch) that
        is not finite names the example.

    Notes
    -----
    ``Gamma`` is never formed whole when it is large: the Gaussian embedding is drawn in row
    blocks, one per parameter, by :func:`~skmm_convex.sketch.draw_embedding` on the same
    Generator, and numpy's Generator gives the same numbers for consecutive row blocks as
    for the whole matrix in one call, so the blocks are exactly the rows of the ``Gamma`` of
    ``sketch_features``. Up to :data:`GAMMA_CACHE_BYTES` the blocks are kept; beyond, they
    are drawn again for every batch from a copy of the starting state (cost: r m normal
    draws per batch, so prefer large batches then). The sparse-sign embedding draws all its
    keys before its signs, so its rows cannot be drawn block by block: it is drawn whole
    (``r zeta`` nonzeros, ``zeta = min(8, m)``) and sliced per parameter.
    """
    if not isinstance(model, torch.nn.Module):
        raise ValidationError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise ValidationError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    n_examples = _check_inputs(inputs)
    names = _check_params(model, params)
    sizes = [_named(model)[name].numel() for name in names]
    n_features = int(sum(sizes))
    if sketch_dim is not None:
        sketch_dim = check_int(sketch_dim, "sketch_dim", 1, n_features)
    check_choice(sketch, "sketch", SKETCH_KINDS)
    check_choice(precision, "precision", SKETCH_PRECISIONS)
    batch_size = check_int(batch_size, "batch_size", 1)
    out_path = _check_out(out)
    generator = as_generator(rng)
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        labels = _check_targets(model, inputs, targets, n_examples, generator)
        step = _PerExampleGradients(model, loss_fn, names)
        step.check_loss(_batch(inputs, 0, 1, step.dtype, step.device), labels[:1])
        blocks = (
            None
            if sketch_dim is None
            else _EmbeddingBlocks(sizes, sketch_dim, sketch, generator, precision, step.device)
        )
        width = n_features if sketch_dim is None else sketch_dim

        def fill(result: np.ndarray) -> None:
            bar = tqdm(total=n_examples, disable=not progress, file=sys.stderr, unit="example")
            for start in range(0, n_examples, batch_size):
                stop = min(start + batch_size, n_examples)
                batch = _batch(inputs, start, stop, step.dtype, step.device)
                grads = step(batch, labels[start:stop].to(step.device))
                if blocks is None:
                    rows = torch.cat(grads, dim=1).cpu().numpy().astype(np.float64, copy=False)
                else:
                    rows = blocks.apply(grads)
                if not np.all(np.isfinite(rows)):
                    bad = start + int(np.flatnonzero(~np.isfinite(rows).all(axis=1))[0])
                    raise ValidationError(
                        f"the gradient of example {bad} is not finite (NaN or inf from its "
                        "inputs, targets or the model)"
                    )
                result[start:stop] = rows
                bar.update(stop - start)
            bar.close()

        if out_path is None:
            result = np.empty((n_examples, width))
            fill(result)
            return result

        def write(temporary: str) -> None:
            array = np.lib.format.open_memmap(
                temporary, mode="w+", dtype=np.float64, shape=(n_examples, width)
            )
            fill(array)
            array.flush()
            del array

        atomic_write(out_path, write, force=True)
        return np.load(out_path, mmap_mode="r")
    finally:
        for module, mode in modes:
            module.training = mode


class _PerExampleGradients:
    """``vmap(grad(loss))`` over ``functional_call``: per-example gradients of ``names``."""

    def __init__(self, model: torch.nn.Module, loss_fn: Callable, names: list[str]) -> None:
        named = _named(model)
        self.names = names
        self.selected = {name: named[name].detach() for name in names}
        self.frozen = {n: p.detach() for n, p in named.items() if n not in self.selected}
        self.frozen.update(dict(model.named_buffers()))
        first = next(iter(self.selected.values()))
        self.dtype, self.device = first.dtype, first.device
        self.model, self.loss_fn = model, loss_fn
        self.per_example = vmap(grad(self._loss), in_dims=(None, 0, 0))

    def _loss(self, selected: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        output = functional_call(self.model, {**self.frozen, **selected}, (x.unsqueeze(0),))
        return self.loss_fn(output, y.unsqueeze(0))

    def check_loss(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Raise naming ``loss_fn`` unless it gives a real scalar on the first example."""
        with torch.no_grad():
            loss = self._loss(self.selected, x[0], y[0].to(self.device))
        if not isinstance(loss, torch.Tensor) or loss.ndim != 0 or not loss.is_floating_point():
            shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
            raise ValidationError(
                f"loss_fn must return a floating scalar tensor for one example, got {shape}"
            )

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> list[torch.Tensor]:
        """One (batch, size) tensor per name, in the order of ``names``."""
        grads = self.per_example(self.selected, x, y)
        return [grads[name].detach().reshape(x.shape[0], -1) for name in self.names]


class _EmbeddingBlocks:
    """The row blocks of one ``Gamma`` (one block per parameter), applied to a batch in torch.

    Dense blocks are torch tensors in the arithmetic of ``precision`` on the model's device,
    so that each batch's gradient block is multiplied where it was computed; a large
    sparse-sign block stays a scipy matrix and its product is taken in scipy.
    """

    def __init__(
        self,
        sizes: list[int],
        sketch_dim: int,
        kind: str,
        rng: np.random.Generator,
        precision: str,
        device: torch.device,
    ) -> None:
        self.sizes, self.sketch_dim, self.device = sizes, sketch_dim, device
        self.single = precision == "float32"
        self.dtype = torch.float32 if self.single else torch.float64
        n_features = int(sum(sizes))
        self.cached: list[Any] | None = None
        if kind == "sparse-sign":
            whole = draw_embedding(n_features, sketch_dim, kind, rng)
            dense = n_features * sketch_dim * 8 <= GAMMA_CACHE_BYTES
            edges = np.cumsum([0, *sizes])
            self.cached = [
                self._cast(whole[a:b].toarray() if dense else whole[a:b])
                for a, b in zip(edges[:-1], edges[1:], strict=True)
            ]
        elif n_features * sketch_dim * 8 <= GAMMA_CACHE_BYTES:
            self.cached = [self._cast(block) for block in self._draw(rng)]
        else:  # drawn again per batch from this state; the caller's rng ends past one draw
            self.start = rng.bit_generator.state
            self.bit_type = type(rng.bit_generator)
            for _ in self._draw(rng):
                pass

    def _cast(self, block: Any) -> Any:
        """A dense block as a torch tensor (float32: rounded once), a sparse one in scipy."""
        if sp.issparse(block):
            return block.astype(np.float32) if self.single else block
        array = np.ascontiguousarray(block, dtype=np.float32 if self.single else np.float64)
        return torch.from_numpy(array).to(self.device)

    def _draw(self, rng: np.random.Generator) -> Iterator[np.ndarray]:
        for size in self.sizes:
            yield draw_embedding(size, self.sketch_dim, "gaussian", rng)

    def blocks(self) -> Iterator[Any]:
        """The blocks in order (kept, or drawn again from the starting state)."""
        if self.cached is not None:
            yield from self.cached
            return
        bit_generator = self.bit_type()
        bit_generator.state = self.start
        for block in self._draw(np.random.Generator(bit_generator)):
            yield self._cast(block)

    def apply(self, grads: list[torch.Tensor]) -> np.ndarray:
        """``sum_k G_k Gamma_k`` for the per-parameter blocks ``G_k`` of one batch, float64.

        Each block's product is taken in the arithmetic of ``precision`` (a float32 product
        accumulates in float32, as :func:`skmm_convex.sketch_features`'s does) where the
        gradients are, and the blocks' products are summed in float64.
        """
        total = torch.zeros((grads[0].shape[0], self.sketch_dim), dtype=torch.float64)
        for part, gamma in zip(grads, self.blocks(), strict=True):
            part = part.to(self.dtype)
            if sp.issparse(gamma):
                product = torch.from_numpy((gamma.T @ part.cpu().numpy().T).T)
            else:
                product = (part @ gamma).cpu()
            total += product.to(torch.float64)
        return total.numpy()


def _named(model: torch.nn.Module) -> dict[str, torch.nn.Parameter]:
    return dict(model.named_parameters())


def _check_params(model: torch.nn.Module, params: Sequence[str] | None) -> list[str]:
    named = _named(model)
    if params is None:
        names = gradient_names(model)
        if not names:
            raise ValidationError("params: the model has no parameter with requires_grad")
        return names
    if isinstance(params, str) or not isinstance(params, Sequence):
        raise ValidationError(f"params must be a sequence of parameter names, got {params!r}")
    names = list(params)
    if not names:
        raise ValidationError("params must name at least one parameter, got an empty sequence")
    unknown = [name for name in names if name not in named]
    if unknown:
        raise ValidationError(
            f"params names {unknown} not in model.named_parameters(); it has {list(named)}"
        )
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise ValidationError(f"params names {repeated} more than once")
    return names


def _check_inputs(inputs: Any) -> int:
    shape = getattr(inputs, "shape", None)
    if shape is None:
        raise ValidationError(
            f"inputs must be a torch.Tensor or array with a shape, got {type(inputs).__name__}"
        )
    if len(shape) == 0 or shape[0] == 0:
        raise ValidationError(f"inputs must hold at least one example, got shape {tuple(shape)}")
    return int(shape[0])


def _check_targets(
    model: torch.nn.Module, inputs: Any, targets: Any, n_examples: int, rng: np.random.Generator
) -> torch.Tensor:
    if isinstance(targets, str):
        if targets != "random":
            raise ValidationError(f"targets must be labels or 'random', got {targets!r}")
        parameter = next(model.parameters(), None)
        dtype = parameter.dtype if parameter is not None else torch.float32
        device = parameter.device if parameter is not None else torch.device("cpu")
        with torch.no_grad():
            output = model(_batch(inputs, 0, 1, dtype, device))
        if not isinstance(output, torch.Tensor) or output.ndim != 2:
            shape = tuple(output.shape) if isinstance(output, torch.Tensor) else None
            raise ValidationError(
                "targets='random' needs a model whose output is (batch, classes); "
                f"model gives {shape if shape is not None else type(output).__name__}"
            )
        return torch.as_tensor(rng.integers(0, output.shape[1], size=n_examples))
    labels = targets if isinstance(targets, torch.Tensor) else torch.as_tensor(np.asarray(targets))
    if labels.ndim == 0 or labels.shape[0] != n_examples:
        got = "a scalar" if labels.ndim == 0 else f"{labels.shape[0]} entries"
        raise ValidationError(f"targets must have one entry per input ({n_examples}), got {got}")
    return labels


def _check_out(out: str | os.PathLike | None) -> Path | None:
    if out is None:
        return None
    if not isinstance(out, str | os.PathLike):
        raise ValidationError(f"out must be a path to a .npy file, got {type(out).__name__}")
    path = Path(out)
    if path.suffix != ".npy":
        raise ValidationError(f"out must end in .npy, got {str(path)!r}")
    if path.is_dir():
        raise ValidationError(f"out {str(path)!r} is a folder; give a file name")
    if not path.parent.is_dir():
        raise ValidationError(f"out's folder {str(path.parent)!r} does not exist")
    return path


def _batch(inputs: Any, start: int, stop: int, dtype: torch.dtype, device) -> torch.Tensor:
    """Rows ``start:stop`` of ``inputs`` as a tensor on ``device`` (floats cast to ``dtype``)."""
    rows = inputs[start:stop]
    if isinstance(rows, torch.Tensor):
        batch = rows
    else:
        rows = np.asarray(rows)  # a read-only memmap's rows are copied (torch wants writable)
        batch = torch.as_tensor(rows if rows.flags.writeable else rows.copy())
    if batch.is_floating_point() and batch.dtype != dtype:
        batch = batch.to(dtype)
    return batch.to(device)
