"""``skmm_convex.gradients.sketch_gradients``: per-example gradients sketched on the fly equal
``sketch_features`` of the materialised gradient matrix, whose rows come from an independent
per-example ``loss.backward()`` loop (or a closed form); torch stays optional."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from skmm_convex.errors import DegenerateProblemWarning, ValidationError
from skmm_convex.sketch import draw_embedding, sketch_features

torch = pytest.importorskip("torch")
gradients = pytest.importorskip("skmm_convex.gradients")
sketch_gradients = gradients.sketch_gradients
F = torch.nn.functional

U32 = 2.0**-24  # unit roundoff of float32, the arithmetic of the gradients
U64 = 2.0**-53


def test_core_package_never_imports_torch():
    """Every module of the package but ``gradients`` imports without torch being loaded."""
    code = (
        "import importlib, pkgutil, sys, skmm_convex\n"
        "for info in pkgutil.walk_packages(skmm_convex.__path__, 'skmm_convex.'):\n"
        "    if info.name not in ('skmm_convex.gradients', 'skmm_convex.__main__'):\n"
        "        importlib.import_module(info.name)\n"
        "print(len(sys.modules), 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, loaded = done.stdout.split()
    assert int(count) > 100 and loaded == "False"
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, skmm_convex.gradients; print('torch' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "True"  # the check above can see torch being loaded


def test_without_torch_the_core_imports_and_gradients_says_how_to_install():
    """With torch made unimportable, ``skmm_convex`` works and ``gradients`` names the extra."""
    code = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import skmm_convex\n"
        "skmm_convex.select([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], 2, rng=0)\n"
        "try:\n"
        "    import skmm_convex.gradients\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == (
        'skmm_convex.gradients needs PyTorch: pip install "skmm-convex[torch]"'
    )


def _mlp(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 4))


def _bn_cnn(seed: int = 0) -> torch.nn.Module:
    """A small CNN with BatchNorm whose running statistics are not the defaults."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 3),
    )
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(16, 1, 6, 6) * 2 + 1)
    return model


def _data(model: torch.nn.Module, n: int, seed: int = 1):
    gen = np.random.default_rng(seed)
    shape = (n, 1, 6, 6) if isinstance(model[0], torch.nn.Conv2d) else (n, 6)
    classes = model[-1].out_features
    return gen.standard_normal(shape).astype(np.float32), gen.integers(0, classes, n)


def _backward_gradients(model, loss_fn, inputs, targets, names) -> np.ndarray:
    """The oracle: G row by row through ``loss.backward()`` on a float64 copy of ``model`` in
    eval mode, columns in ``names``."""
    model = copy.deepcopy(model).double().eval()
    named = dict(model.named_parameters())
    rows = []
    for x, y in zip(inputs, targets, strict=True):
        model.zero_grad()
        x = torch.as_tensor(np.asarray(x)[None]).double()
        loss_fn(model(x), torch.as_tensor(np.asarray(y)[None])).backward()
        rows.append(np.concatenate([named[n].grad.reshape(-1).numpy() for n in names]))
    return np.asarray(rows)


def _gamma(r: int, m: int, kind: str, seed: int) -> np.ndarray:
    gamma = draw_embedding(r, m, kind, np.random.default_rng(seed))
    return gamma.toarray() if sp.issparse(gamma) else gamma


def _assert_close(ours, G, gamma, fan: int, u: float = U32) -> None:
    """``ours`` is ``G Gamma`` up to the rounding of the model's arithmetic and of the product.

    The model's gradients differ from the float64 oracle ``G`` by at most ``fan u max|G|``
    per entry (normwise: each entry is a float sum of at most ``fan`` terms of about that
    size), which moves ``G Gamma`` by that times ``sum_k |Gamma_kj|``; the float64 product
    adds Higham's ``gamma_r |G| |Gamma|``. ``gamma`` is the identity for the unsketched G.
    """
    r = G.shape[1]
    bound = fan * u * np.abs(G).max() * np.abs(gamma).sum(axis=0)
    bound = bound + (r + 2) * U64 * (np.abs(G) @ np.abs(gamma))
    assert ours.shape == (G.shape[0], gamma.shape[1]) and ours.dtype == np.float64
    assert np.all(np.abs(ours - G @ gamma) <= bound), np.max(np.abs(ours - G @ gamma) / bound)


@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign"])
@pytest.mark.parametrize("build", [_mlp, _bn_cnn], ids=["mlp", "batchnorm-cnn"])
def test_equals_sketch_of_materialised_gradients(build, kind, global_seed):
    model = build(global_seed)
    x, y = _data(model, 23, global_seed + 1)
    G = _backward_gradients(model, F.cross_entropy, x, y, gradients.gradient_names(model))
    fan = 64  # the widest sum in a gradient: the CNN's conv weight, 4 x 4 positions x 4
    raw = sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=None, batch_size=5)
    _assert_close(raw, G, np.eye(G.shape[1]), fan)
    ours = sketch_gradients(
        model, F.cross_entropy, x, y, sketch_dim=8, sketch=kind, rng=global_seed, batch_size=5
    )
    gamma = _gamma(G.shape[1], 8, kind, global_seed)
    np.testing.assert_array_equal(sketch_features(G, 8, kind, global_seed), G @ gamma)
    _assert_close(ours, G, gamma, fan)


def test_float64_model_matches_to_float64_rounding(global_seed):
    model = _mlp(global_seed).double()
    x, y = _data(model, 11)
    G = _backward_gradients(model, F.cross_entropy, x, y, gradients.gradient_names(model))
    ours = sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=5, rng=3, batch_size=4)
    _assert_close(ours, G, _gamma(G.shape[1], 5, "gaussian", 3), fan=16, u=U64)


def test_batchnorm_in_eval_mode_and_training_flags_restored(global_seed):
    model = _bn_cnn(global_seed)
    model[1].eval()  # a mixed state, restored module by module
    x, y = _data(model, 7)
    running_mean = model[1].running_mean.clone()
    sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=6, rng=global_seed)
    assert model.training and model[0].training and not model[1].training
    assert torch.equal(model[1].running_mean, running_mean)  # eval: statistics untouched
    entered_in_train = sketch_gradients(model.train(), F.cross_entropy, x, y, sketch_dim=None)
    entered_in_eval = sketch_gradients(model.eval(), F.cross_entropy, x, y, sketch_dim=None)
    np.testing.assert_array_equal(entered_in_train, entered_in_eval)
    model[1].reset_running_stats()  # the running statistics really are what is used
    assert not np.allclose(
        sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=None), entered_in_eval
    )


def test_params_subset_in_the_given_order():
    model = _mlp(0)
    x, y = _data(model, 9)
    names = ["2.weight", "0.bias"]
    G = _backward_gradients(model, F.cross_entropy, x, y, names)
    assert G.shape[1] == 4 * 16 + 16
    ours = sketch_gradients(model, F.cross_entropy, x, y, params=names, sketch_dim=None)
    _assert_close(ours, G, np.eye(G.shape[1]), fan=16)
    swapped = sketch_gradients(model, F.cross_entropy, x, y, params=names[::-1], sketch_dim=None)
    np.testing.assert_array_equal(swapped, np.concatenate([ours[:, 64:], ours[:, :64]], axis=1))
    sketched = sketch_gradients(
        model, F.cross_entropy, x, y, params=names, sketch_dim=7, rng=4, batch_size=2
    )
    _assert_close(sketched, G, _gamma(G.shape[1], 7, "gaussian", 4), fan=16)


def test_closed_form_softmax_regression_gradients():
    """For a linear softmax layer, the gradient of cross entropy is ``(p - e_y) x^T`` and
    ``p - e_y`` for the bias: an oracle that does not go through autograd."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 3)).double()
    gen = np.random.default_rng(2)
    x, y = gen.standard_normal((10, 5)), gen.integers(0, 3, 10)
    weight = model[0].weight.detach().numpy()
    bias = model[0].bias.detach().numpy()
    logits = x @ weight.T + bias
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    residual = p - np.eye(3)[y]
    G = np.concatenate([np.einsum("nc,nd->ncd", residual, x).reshape(10, -1), residual], axis=1)
    ours = sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=None, batch_size=3)
    np.testing.assert_allclose(ours, G, rtol=0, atol=64 * 2.0**-53)


class _TorchTwoLayerHead(torch.nn.Module):
    """``experiments.last_layers.TwoLayerHead`` in torch, with the same parameter shapes and
    order (W1 (d, h), b1, W2 (h, C), b2), so that G's columns line up with the closed form."""

    def __init__(self, head) -> None:
        super().__init__()
        for name, value in zip(
            ("hidden_weight", "hidden_bias", "head_weight", "head_bias"),
            head.parameters(),
            strict=True,
        ):
            self.register_parameter(name, torch.nn.Parameter(torch.as_tensor(value)))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        hidden = torch.relu(z @ self.hidden_weight + self.hidden_bias)
        return hidden @ self.head_weight + self.head_bias


def test_closed_form_two_layer_head_gradients(global_seed):
    """The numpy head of ``experiments.last_layers`` (closed-form gradients, no autograd) and
    the same head in torch give the same G, and with ``targets="random"`` the same sketch as
    ``sketch_features`` of the closed-form G against ``gradient_targets``'s random labels."""
    from skmm_convex.experiments.last_layers import (
        gradient_targets,
        init_head,
        per_example_gradients,
    )

    gen = np.random.default_rng(global_seed)
    d, h, classes, n = 7, 9, 4, 31
    head = init_head(gen.standard_normal((d, h)), gen.standard_normal(h), classes, gen)
    z = gen.standard_normal((n, d))
    labels = gen.integers(0, classes, n)
    model = _TorchTwoLayerHead(head)
    assert gradients.gradient_names(model) == [
        "hidden_weight",
        "hidden_bias",
        "head_weight",
        "head_bias",
    ]
    closed = per_example_gradients(head, z, labels)
    assert np.abs(closed).max() > 0 and np.mean(closed == 0) < 0.5  # ReLUs both ways
    ours = sketch_gradients(model, F.cross_entropy, z, labels, sketch_dim=None, batch_size=8)
    np.testing.assert_allclose(ours, closed, rtol=0, atol=64 * U64 * np.abs(closed).max())

    sketched = sketch_gradients(
        model, F.cross_entropy, z, "random", sketch_dim=6, rng=global_seed + 1, batch_size=8
    )
    oracle_rng = np.random.default_rng(global_seed + 1)
    targets = gradient_targets(labels, classes, "random", oracle_rng)
    expected = sketch_features(per_example_gradients(head, z, targets), 6, "gaussian", oracle_rng)
    assert not np.array_equal(targets, labels)
    np.testing.assert_allclose(sketched, expected, rtol=0, atol=256 * U64 * np.abs(expected).max())


def test_random_targets_reproducible_and_drawn_before_gamma(global_seed):
    model = _mlp(global_seed)
    x, _ = _data(model, 17)
    first = sketch_gradients(model, F.cross_entropy, x, "random", sketch_dim=4, rng=global_seed)
    again = sketch_gradients(model, F.cross_entropy, x, "random", sketch_dim=4, rng=global_seed)
    np.testing.assert_array_equal(first, again)
    other = sketch_gradients(model, F.cross_entropy, x, "random", sketch_dim=4, rng=global_seed + 1)
    assert not np.allclose(first, other)
    gen = np.random.default_rng(global_seed)
    labels = gen.integers(0, 4, size=17)  # the documented order: labels, then Gamma
    with_labels = sketch_gradients(model, F.cross_entropy, x, labels, sketch_dim=4, rng=gen)
    np.testing.assert_array_equal(first, with_labels)


def test_generator_left_as_sketch_features_leaves_it(monkeypatch):
    model = _mlp(0)
    x, y = _data(model, 6)
    for cached in (True, False):
        if not cached:  # force the per-batch redraw path
            monkeypatch.setattr(gradients, "GAMMA_CACHE_BYTES", 0)
        ours, theirs = np.random.default_rng(5), np.random.default_rng(5)
        sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=3, rng=ours)
        draw_embedding(16 * 6 + 16 + 4 * 16 + 4, 3, "gaussian", theirs)
        assert ours.random() == theirs.random()


@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign"])
def test_batch_size_and_gamma_redraw_do_not_change_the_result(kind, monkeypatch):
    model = _bn_cnn(1)
    x, y = _data(model, 19)
    G = _backward_gradients(model, F.cross_entropy, x, y, gradients.gradient_names(model))
    gamma = _gamma(G.shape[1], 5, kind, 7)

    def run(batch_size: int) -> np.ndarray:
        return sketch_gradients(
            model, F.cross_entropy, x, y, sketch_dim=5, sketch=kind, rng=7, batch_size=batch_size
        )

    kept = {b: run(b) for b in (1, 4, 19, 50)}
    for ours in kept.values():  # the batch shape changes only the float32 rounding
        _assert_close(ours, G, gamma, fan=64)
    np.testing.assert_array_equal(kept[19], kept[50])  # one batch either way
    # past the cache: a Gaussian Gamma redrawn for every batch, a sparse-sign one kept sparse
    monkeypatch.setattr(gradients, "GAMMA_CACHE_BYTES", 0)
    for b in (1, 4):
        big = run(b)
        _assert_close(big, G, gamma, fan=64)
        if kind == "gaussian":
            np.testing.assert_array_equal(big, kept[b])


def test_float32_precision_within_float32_rounding():
    model = _mlp(0)
    x, y = _data(model, 8)
    G = _backward_gradients(model, F.cross_entropy, x, y, gradients.gradient_names(model))
    ours = sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=6, rng=2, precision="float32")
    # float32 Gamma and products: Higham's gamma_r with u = 2^-24 on top of the gradients'
    gamma = _gamma(G.shape[1], 6, "gaussian", 2)
    excess = (G.shape[1] + 2) * U32 * (np.abs(G) @ np.abs(gamma))
    bound = 16 * U32 * np.abs(G).max() * np.abs(gamma).sum(axis=0) + excess
    assert np.all(np.abs(ours - G @ gamma) <= bound)
    assert not np.array_equal(
        ours, sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=6, rng=2)
    )


def test_out_writes_a_memmap_and_interruption_leaves_no_file(tmp_path):
    model = _mlp(0)
    x, y = _data(model, 10)
    path = tmp_path / "sketch.npy"
    expected = sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=4, rng=1, batch_size=3)
    written = sketch_gradients(
        model, F.cross_entropy, x, y, sketch_dim=4, rng=1, batch_size=3, out=path
    )
    assert isinstance(written, np.memmap) and not written.flags.writeable
    np.testing.assert_array_equal(np.load(path), expected)

    calls = {"n": 0}

    def failing(output, target):
        calls["n"] += 1
        if calls["n"] > 2:  # the check on the first example and the first batch pass
            raise KeyboardInterrupt
        return F.cross_entropy(output, target)

    broken = tmp_path / "broken.npy"
    with pytest.raises(KeyboardInterrupt):
        sketch_gradients(model, failing, x, y, sketch_dim=4, rng=1, batch_size=3, out=broken)
    assert sorted(os.listdir(tmp_path)) == ["sketch.npy"]


def test_memmap_inputs_are_streamed(tmp_path):
    model = _mlp(0)
    x, y = _data(model, 12)
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    np.testing.assert_array_equal(
        sketch_gradients(model, F.cross_entropy, mapped, y, sketch_dim=3, rng=0, batch_size=5),
        sketch_gradients(model, F.cross_entropy, x, y, sketch_dim=3, rng=0, batch_size=5),
    )


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"params": ["0.weight", "missing.bias"]}, r"params names \['missing.bias'\]"),
        ({"params": ["0.bias", "0.bias"]}, r"params names \['0.bias'\] more than once"),
        ({"params": []}, "params must name at least one"),
        ({"params": "0.bias"}, "params must be a sequence"),
        ({"sketch_dim": 0}, r"sketch_dim must be an int in \[1, 180\]"),
        ({"sketch_dim": 181}, r"sketch_dim must be an int in \[1, 180\]"),
        ({"sketch": "fourier"}, "sketch must be one of"),
        ({"batch_size": 0}, "batch_size must be an int >= 1"),
        ({"precision": "half"}, "precision must be one of"),
        ({"rng": -1}, "rng must be a non-negative int"),
        ({"targets": np.zeros(9, dtype=int)}, r"targets must have one entry per input \(10\)"),
        ({"targets": "shuffled"}, "targets must be labels or 'random'"),
        ({"inputs": np.zeros((0, 6))}, "inputs must hold at least one example"),
        ({"inputs": [[0.0] * 6] * 10}, "inputs must be a torch.Tensor or array"),
        ({"model": lambda t: t}, "model must be a torch.nn.Module"),
        ({"loss_fn": 3}, "loss_fn must be callable"),
        ({"loss_fn": lambda o, t: F.cross_entropy(o, t, reduction="none").repeat(2)}, "loss_fn"),
        ({"out": "sketch.npz"}, "out must end in .npy"),
        ({"out": "/no/such/folder/sketch.npy"}, "out's folder"),
    ],
)
def test_bad_inputs_name_the_argument(change, match):
    model = _mlp(0)
    x, y = _data(model, 10)
    call = {"model": model, "loss_fn": F.cross_entropy, "inputs": x, "targets": y}
    call.update({"sketch_dim": 4, "rng": 0} | change)
    with pytest.raises(ValidationError, match=match):
        positional = [call.pop(k) for k in ("model", "loss_fn", "inputs", "targets")]
        sketch_gradients(*positional, **call)


def test_non_finite_gradient_names_the_example(tmp_path):
    model = _mlp(0)
    x, y = _data(model, 10)
    x[7, 2] = np.nan
    with pytest.raises(ValidationError, match="the gradient of example 7 is not finite"):
        sketch_gradients(
            model, F.cross_entropy, x, y, sketch_dim=4, rng=0, batch_size=3, out=tmp_path / "g.npy"
        )
    assert os.listdir(tmp_path) == []


def test_random_targets_need_a_batch_by_classes_output():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 1), torch.nn.Flatten(0))  # output (batch,)
    x = np.zeros((4, 6), dtype=np.float32)
    with pytest.raises(ValidationError, match=r"targets='random' needs .* model gives \(1,\)"):
        sketch_gradients(model, F.mse_loss, x, "random", sketch_dim=2, rng=0)


def test_docs_example_runs(capsys):
    """The worked example of docs/gradients.md, executed as written."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "gradients.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    example = next(block for block in blocks if "load_digits" in block)
    namespace: dict = {}
    with warnings.catch_warnings():  # the page says the small program is often degenerate
        warnings.simplefilter("ignore", DegenerateProblemWarning)
        exec(compile(example, "docs/gradients.md", "exec"), namespace)  # noqa: S102
    chosen, pool = namespace["chosen"], namespace["pool"]
    assert len(set(chosen.tolist())) == 40 and set(chosen.tolist()) <= set(pool.tolist())
    assert namespace["features"].shape == (len(pool), 32)
    printed = capsys.readouterr().out
    accuracy = float(re.search(r"finetuning on 40 of them: ([0-9.]+)", printed).group(1))
    assert accuracy == pytest.approx(namespace["accuracy"], abs=5e-4)
