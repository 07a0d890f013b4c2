"""Closed-form per-example gradients of the last two layers against finite differences."""

import numpy as np
import pytest

from skmm_convex.errors import ValidationError
from skmm_convex.experiments.last_layers import (
    cross_entropy,
    finetune,
    gradient_targets,
    init_head,
    mean_gradient,
    per_example_gradients,
)


def _small_head(seed, d=6, width=5, n_classes=3):
    gen = np.random.default_rng(seed)
    return init_head(gen.normal(size=(d, width)), gen.normal(size=width), n_classes, rng=gen)


def _loss_of_vector(head, vector, z, t):
    return cross_entropy(head.from_vector(vector), z[None, :], np.array([t]))[0]


def _central_difference_gradient(head, z, t, eps=1e-6, coordinates=None):
    theta = head.to_vector()
    coordinates = range(theta.size) if coordinates is None else coordinates
    grad = np.empty(len(coordinates))
    for j, k in enumerate(coordinates):
        step = np.zeros_like(theta)
        step[k] = eps
        grad[j] = (
            _loss_of_vector(head, theta + step, z, t) - _loss_of_vector(head, theta - step, z, t)
        ) / (2 * eps)
    return grad


def _relative_error(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_per_example_gradients_match_central_differences_coordinatewise(global_seed):
    head = _small_head(global_seed)
    gen = np.random.default_rng(global_seed + 1)
    z = np.abs(gen.normal(size=(4, 6)))
    targets = gen.integers(3, size=4)
    pre = z @ head.hidden_weight + head.hidden_bias
    assert np.min(np.abs(pre)) > 1e-4  # no ReLU kink within the difference step
    grads = per_example_gradients(head, z, targets)
    assert grads.shape == (4, head.n_parameters) == (4, 6 * 5 + 5 + 5 * 3 + 3)
    for i in range(4):
        numeric = _central_difference_gradient(head, z[i], targets[i])
        assert _relative_error(grads[i], numeric) < 1e-5


def test_digits_gradients_match_directional_central_differences():
    from skmm_convex.experiments.digits import prepare_digits

    task = prepare_digits(0, targets="random")
    n_pool, rank = task.gradients.shape
    assert rank > n_pool  # r > N, the paper's finetuning regime
    head, theta = task.head, task.head.to_vector()
    gen = np.random.default_rng(7)
    for i in (0, 100, 400):
        z = task.inputs_train[i]
        t = _recover_target(head, z, task.gradients[i])  # the random label that was drawn
        row = task.gradients[i]
        for _ in range(3):  # derivative along random directions v touches every coordinate
            v = gen.normal(size=rank)
            eps = 1e-6 / np.linalg.norm(v)
            numeric = (
                _loss_of_vector(head, theta + eps * v, z, t)
                - _loss_of_vector(head, theta - eps * v, z, t)
            ) / (2 * eps)
            assert abs(numeric - row @ v) <= 1e-5 * abs(row @ v)
    # true-label rows are the same closed form with t = y
    true_rows = per_example_gradients(head, task.inputs_train[:3], task.labels_train[:3])
    some = np.sort(gen.choice(rank, 400, replace=False))  # a random subset of coordinates
    for i in range(3):
        numeric = _central_difference_gradient(
            head, task.inputs_train[i], task.labels_train[i], coordinates=some
        )
        assert _relative_error(true_rows[i, some], numeric) < 1e-5


def _recover_target(head, z, row):
    """The class t whose gradient row equals ``row`` (the random label that was drawn)."""
    matches = [
        t
        for t in range(head.n_classes)
        if np.allclose(per_example_gradients(head, z[None, :], np.array([t]))[0], row)
    ]
    assert len(matches) == 1
    return matches[0]


def test_mean_gradient_is_the_mean_of_the_rows(global_seed):
    head = _small_head(global_seed)
    gen = np.random.default_rng(global_seed + 2)
    z = gen.normal(size=(50, 6))
    targets = gen.integers(3, size=50)
    np.testing.assert_allclose(
        mean_gradient(head, z, targets),
        per_example_gradients(head, z, targets, block_rows=7).mean(axis=0),
        rtol=1e-12,
        atol=1e-14,
    )


def test_vector_round_trip_and_random_targets_are_seeded(global_seed):
    head = _small_head(global_seed)
    np.testing.assert_array_equal(head.from_vector(head.to_vector()).to_vector(), head.to_vector())
    labels = np.zeros(200, dtype=int)
    a = gradient_targets(labels, 4, "random", rng=global_seed)
    np.testing.assert_array_equal(a, gradient_targets(labels, 4, "random", rng=global_seed))
    assert set(np.unique(a)) == {0, 1, 2, 3}
    np.testing.assert_array_equal(gradient_targets(labels, 4, "true"), labels)


def test_finetune_fits_a_separable_training_set(global_seed):
    gen = np.random.default_rng(global_seed)
    head = _small_head(global_seed)
    labels = np.repeat(np.arange(3), 10)
    z = gen.normal(size=(30, 6)) * 0.1 + 3 * np.eye(6)[labels]
    before = cross_entropy(head, z, labels).mean()
    trained = finetune(head, z, labels, steps=200, learning_rate=3e-2)
    assert cross_entropy(trained, z, labels).mean() < before / 10
    np.testing.assert_array_equal(trained.predict(z), labels)


def test_bad_targets_are_rejected():
    head = _small_head(0)
    with pytest.raises(ValidationError, match=r"targets must be 2 ints in \[0, 3\)"):
        per_example_gradients(head, np.ones((2, 6)), np.array([0, 3]))
