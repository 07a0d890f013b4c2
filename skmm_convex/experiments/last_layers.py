"""The last two layers of a network, in numpy: per-example gradients in closed form, finetuning.

The trainable slice of the paper's finetuning experiments is the last two layers of a
pretrained network (ResNet18's ``layer4.1.conv2`` and a freshly initialised ``fc`` in the
authors' code, github.com/Xiang-Pan/sketchy_moment_matching). Here the slice is a ReLU
hidden layer and a linear head on top of frozen inputs ``z`` (the output of the frozen part
of the network):

    a = z W1 + b1,   h = relu(a),   o = h W2 + b2,   loss = -log softmax(o)[t].

Its per-example cross-entropy gradients, stacked as rows, are the matrix G that SkMM sketches;
with ``r = d h + h + h C + C`` parameters and few examples, ``r > N`` as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import RngLike, as_generator, check_choice, check_int
from ..errors import ValidationError

__all__ = [
    "GRADIENT_TARGETS",
    "TwoLayerHead",
    "cross_entropy",
    "finetune",
    "gradient_targets",
    "init_head",
    "mean_gradient",
    "per_example_gradients",
]

GRADIENT_TARGETS = ("random", "true")


@dataclass(frozen=True)
class TwoLayerHead:
    """A ReLU hidden layer and a linear classifier head.

    Attributes
    ----------
    hidden_weight : ndarray, shape (d, h)
    hidden_bias : ndarray, shape (h,)
    head_weight : ndarray, shape (h, C)
    head_bias : ndarray, shape (C,)
    """

    hidden_weight: np.ndarray
    hidden_bias: np.ndarray
    head_weight: np.ndarray
    head_bias: np.ndarray

    @property
    def n_classes(self) -> int:
        return self.head_weight.shape[1]

    @property
    def n_parameters(self) -> int:
        """r = d h + h + h C + C, the length of one gradient row."""
        return sum(p.size for p in self.parameters())

    def parameters(self) -> tuple[np.ndarray, ...]:
        """(W1, b1, W2, b2): the order of the flattened parameter and gradient vectors."""
        return (self.hidden_weight, self.hidden_bias, self.head_weight, self.head_bias)

    def to_vector(self) -> np.ndarray:
        """Flatten (W1, b1, W2, b2), each row-major, into one vector of length r."""
        return np.concatenate([p.ravel() for p in self.parameters()])

    def from_vector(self, vector: np.ndarray) -> TwoLayerHead:
        """A head of the same shapes with parameters read from ``vector`` (inverse of
        :meth:`to_vector`)."""
        parts, start = [], 0
        for p in self.parameters():
            parts.append(np.asarray(vector[start : start + p.size]).reshape(p.shape))
            start += p.size
        return TwoLayerHead(*parts)

    def penultimate(self, inputs: np.ndarray) -> np.ndarray:
        """``h = relu(z W1 + b1)``, shape (N, h): the features a linear probe sees."""
        return np.maximum(inputs @ self.hidden_weight + self.hidden_bias, 0.0)

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        """``o = h W2 + b2``, shape (N, C)."""
        return self.penultimate(inputs) @ self.head_weight + self.head_bias

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """Predicted class indices, shape (N,)."""
        return np.argmax(self.logits(inputs), axis=1)


def init_head(
    hidden_weight: np.ndarray, hidden_bias: np.ndarray, n_classes: int, rng: RngLike = None
) -> TwoLayerHead:
    """Keep a pretrained hidden layer and draw a fresh head, as the authors do.

    The head's weight and bias are ``U(-1/sqrt(h), 1/sqrt(h))``, PyTorch's default for
    ``nn.Linear(h, C)``.
    """
    n_classes = check_int(n_classes, "n_classes", 2)
    hidden_weight = np.asarray(hidden_weight, dtype=np.float64)
    hidden_bias = np.asarray(hidden_bias, dtype=np.float64)
    if hidden_weight.ndim != 2 or hidden_bias.shape != (hidden_weight.shape[1],):
        raise ValidationError(
            f"hidden_weight (d, h) and hidden_bias (h,) do not match: {hidden_weight.shape}, "
            f"{hidden_bias.shape}"
        )
    width = hidden_weight.shape[1]
    bound = 1.0 / np.sqrt(width)
    gen = as_generator(rng)
    head_weight = gen.uniform(-bound, bound, (width, n_classes))
    head_bias = gen.uniform(-bound, bound, n_classes)
    return TwoLayerHead(hidden_weight, hidden_bias, head_weight, head_bias)


def gradient_targets(
    labels: np.ndarray, n_classes: int, kind: str = "random", rng: RngLike = None
) -> np.ndarray:
    """The targets t of the per-example gradients.

    ``"random"``: uniformly random classes, the authors' ``use_target=random`` trick, which
    makes G label-agnostic; ``"true"``: the labels themselves.
    """
    check_choice(kind, "kind", GRADIENT_TARGETS)
    labels = np.asarray(labels)
    if kind == "true":
        return labels.astype(np.int64)
    return as_generator(rng).integers(n_classes, size=labels.shape[0])


def _forward(head: TwoLayerHead, inputs: np.ndarray, targets: np.ndarray):
    pre = inputs @ head.hidden_weight + head.hidden_bias
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ head.head_weight + head.head_bias
    logits = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(logits).sum(axis=1))
    log_p = logits - log_norm[:, None]
    # delta_o = p - e_t, the gradient of the loss with respect to the logits
    delta_out = np.exp(log_p)
    delta_out[np.arange(targets.size), targets] -= 1.0
    delta_pre = (delta_out @ head.head_weight.T) * (pre > 0)
    loss = -log_p[np.arange(targets.size), targets]
    return hidden, delta_out, delta_pre, loss


def cross_entropy(head: TwoLayerHead, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-example losses ``-log softmax(o_i)[t_i]``, shape (N,)."""
    return _forward(head, np.asarray(inputs, dtype=np.float64), np.asarray(targets))[3]


def per_example_gradients(
    head: TwoLayerHead, inputs: np.ndarray, targets: np.ndarray, *, block_rows: int = 256
) -> np.ndarray:
    """Rows ``g_i = d loss_i / d (W1, b1, W2, b2)``, shape (N, r), in closed form.

    Parameters
    ----------
    head : TwoLayerHead
    inputs : ndarray, shape (N, d)
        Frozen inputs z of the hidden layer.
    targets : ndarray of int, shape (N,)
        Classes in ``[0, C)`` (see :func:`gradient_targets`).
    block_rows : int
        Rows computed at a time (memory of the outer products).

    Returns
    -------
    ndarray, shape (N, r)
        Ordered as :meth:`TwoLayerHead.to_vector`.

    Notes
    -----
    With ``delta_o = softmax(o_i) - e_{t_i}`` and ``delta_a = (W2 delta_o) * 1[a_i > 0]``:
    ``dW2 = h_i delta_o'``, ``db2 = delta_o``, ``dW1 = z_i delta_a'``, ``db1 = delta_a``.
    For the head alone this is the ``(p_i - e_{y_i}) x [h_i; 1]`` of the authors' gradient features.
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    targets = np.asarray(targets)
    if targets.shape != (inputs.shape[0],) or targets.min() < 0 or targets.max() >= head.n_classes:
        raise ValidationError(
            f"targets must be {inputs.shape[0]} ints in [0, {head.n_classes}), got shape "
            f"{targets.shape} with range [{targets.min()}, {targets.max()}]"
        )
    n_rows = inputs.shape[0]
    out = np.empty((n_rows, head.n_parameters))
    for start in range(0, n_rows, block_rows):
        z, t = inputs[start : start + block_rows], targets[start : start + block_rows]
        hidden, delta_out, delta_pre, _ = _forward(head, z, t)
        rows = z.shape[0]
        out[start : start + rows] = np.concatenate(
            [
                np.einsum("ni,nj->nij", z, delta_pre).reshape(rows, -1),
                delta_pre,
                np.einsum("ni,nj->nij", hidden, delta_out).reshape(rows, -1),
                delta_out,
            ],
            axis=1,
        )
    return out


def mean_gradient(head: TwoLayerHead, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Gradient of the mean loss, shape (r,): the mean of :func:`per_example_gradients` rows,
    computed with matrix products instead of outer products."""
    inputs = np.asarray(inputs, dtype=np.float64)
    hidden, delta_out, delta_pre, _ = _forward(head, inputs, np.asarray(targets))
    n_rows = inputs.shape[0]
    return (
        np.concatenate(
            [
                (inputs.T @ delta_pre).ravel(),
                delta_pre.sum(axis=0),
                (hidden.T @ delta_out).ravel(),
                delta_out.sum(axis=0),
            ]
        )
        / n_rows
    )


def finetune(
    head: TwoLayerHead,
    inputs: np.ndarray,
    labels: np.ndarray,
    *,
    steps: int = 100,
    learning_rate: float = 1e-2,
) -> TwoLayerHead:
    """Train both layers on (inputs, labels) by full-batch Adam on the mean cross-entropy.

    Deterministic given its inputs. Adam with ``beta = (0.9, 0.999)``, ``eps = 1e-8``, no
    weight decay and no schedule, as the authors' ``finetune.py``, but
    full-batch since coresets here are smaller than their batch of 512.
    """
    steps = check_int(steps, "steps", 0)
    theta = head.to_vector().copy()
    first, second = np.zeros_like(theta), np.zeros_like(theta)
    labels = np.asarray(labels, dtype=np.int64)
    for step in range(1, steps + 1):
        grad = mean_gradient(head.from_vector(theta), inputs, labels)
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad**2
        corrected = first / (1 - 0.9**step)
        theta -= learning_rate * corrected / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return head.from_vector(theta)
