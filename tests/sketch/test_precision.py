"""``sketch_features(..., precision=...)``: the float32 products obey Higham's rounding bound,
the float64 default is the float64 product bit for bit, and float32 really is unsafe for
columns many decades apart (why float64 stays the default)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import skmm_convex as skmm
from skmm_convex import cli
from skmm_convex import sketch as sketch_module
from skmm_convex.errors import ValidationError
from skmm_convex.selection import skmm_streams
from skmm_convex.sketch import draw_embedding, sketch_features

U32 = 2.0**-24  # unit roundoff of float32
U64 = 2.0**-53


def _gamma_r(r: int, u: float) -> float:
    """Higham's ``gamma_r = r u / (1 - r u)``: an inner product of length r has relative
    error at most gamma_r against the sum of its absolute terms (any summation order)."""
    return r * u / (1 - r * u)


def _dense_gamma(r: int, m: int, kind: str, seed: int) -> np.ndarray:
    """The float64 ``Gamma`` that ``sketch_features(..., rng=seed)`` draws, densified."""
    gamma = draw_embedding(r, m, kind, np.random.default_rng(seed))
    return gamma.toarray() if sp.issparse(gamma) else gamma


def _features(dtype, seed: int, shape=(500, 300)) -> np.ndarray:
    """Gaussian G with column scales 10^U(-2, 2), so the bound is tested across scales."""
    gen = np.random.default_rng(seed)
    scales = 10.0 ** gen.uniform(-2, 2, size=shape[1])
    return (gen.standard_normal(shape) * scales).astype(dtype)


@pytest.fixture
def small_blocks(monkeypatch):
    """Row blocks of 64 rows, so that the streaming loop really iterates."""
    monkeypatch.setattr(sketch_module, "rows_per_block", lambda n_columns: 64)


def _as_input(features: np.ndarray, how: str, tmp_path):
    if how == "dense":
        return features
    if how == "memmap":
        np.save(tmp_path / "g.npy", features)
        return np.load(tmp_path / "g.npy", mmap_mode="r")
    if how == "csr":
        return sp.csr_matrix(features)
    da = pytest.importorskip("dask.array")
    return da.from_array(features, chunks=(128, 70))


def _sketch(features, m, kind, seed, precision):
    if type(features).__module__.startswith("dask."):
        dask = pytest.importorskip("dask")
        with dask.config.set(scheduler="threads"):
            return sketch_features(features, m, kind, seed, precision=precision)
    return sketch_features(features, m, kind, seed, precision=precision)


@pytest.mark.parametrize("how", ["dense", "memmap", "dask", "csr"])
@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign"])
def test_float32_sketch_obeys_the_rounding_bound(tmp_path, small_blocks, how, kind, global_seed):
    m, seed = 24, global_seed + 7
    g = _features(np.float32, global_seed)
    r = g.shape[1]
    sketched = _sketch(_as_input(g, how, tmp_path), m, kind, seed, "float32")
    assert sketched.dtype == np.float64 and sketched.shape == (g.shape[0], m)

    g64 = g.astype(np.float64)  # exact: G is float32
    gamma64 = _dense_gamma(r, m, kind, seed)
    gamma32 = gamma64.astype(np.float32).astype(np.float64)  # fl32(Gamma), held exactly
    assert np.all(np.abs(gamma32 - gamma64) <= U32 * np.abs(gamma64))
    g_r, g_r64 = _gamma_r(r, U32), _gamma_r(r, U64)
    # |G| |Gamma| has nonnegative terms: its float64 value is within (1 + g_r64) of exact
    abs32 = (np.abs(g64) @ np.abs(gamma32)) * (1 + g_r64)
    abs64 = (np.abs(g64) @ np.abs(gamma64)) * (1 + g_r64)

    # (a) against the product of the SAME float32 Gamma, evaluated in float64: products of
    # two float32 numbers are exact in float64, so that reference is within g_r64 |G||Gamma32|
    reference = g64 @ gamma32
    error = np.abs(sketched - reference)
    assert np.all(error <= (g_r + g_r64) * abs32)

    # (b) against the float64 default output (float64 Gamma): add Gamma's own rounding
    # |G (Gamma32 - Gamma)| <= u |G||Gamma| and |Gamma32| <= (1 + u)|Gamma|
    default = _sketch(_as_input(g, how, tmp_path), m, kind, seed, "float64")
    bound = (g_r * (1 + U32) + U32 + g_r64) * abs64
    assert np.all(np.abs(sketched - default) <= bound)

    # not vacuous: the result is farther from the float64 product than any float64
    # evaluation could be, so the products really were computed in float32
    assert np.max(error / abs32) > 1e3 * g_r64


@pytest.mark.parametrize("how", ["dense", "memmap"])
def test_float32_sketch_of_float64_input_obeys_the_bound(tmp_path, small_blocks, how):
    m, seed = 16, 3
    g = _features(np.float64, 1)  # not float32-representable: G is rounded too
    r = g.shape[1]
    sketched = _sketch(_as_input(g, how, tmp_path), m, "gaussian", seed, "float32")
    gamma = _dense_gamma(r, m, "gaussian", seed)
    g_r, g_r64 = _gamma_r(r, U32), _gamma_r(r, U64)
    abs_product = (np.abs(g) @ np.abs(gamma)) * (1 + g_r64)
    exact = g @ gamma  # within g_r64 |G||Gamma| of the exact product
    # (G + dG)(Gamma + dGamma) - G Gamma with |dG| <= u|G|, |dGamma| <= u|Gamma|, plus the
    # float32 accumulation on |G32||Gamma32| <= (1 + u)^2 |G||Gamma|
    bound = (g_r * (1 + U32) ** 2 + 2 * U32 + U32**2 + g_r64) * abs_product
    assert np.all(np.abs(sketched - exact) <= bound)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign"])
def test_default_precision_is_the_float64_product_bit_for_bit(dtype, kind, global_seed):
    seed = global_seed + 2
    g = _features(dtype, global_seed, shape=(300, 120))
    gamma = _dense_gamma(g.shape[1], 16, kind, seed)  # same draw: default_rng(seed)
    expected = g.astype(np.float64) @ gamma  # one block: the whole matrix
    assert np.array_equal(sketch_features(g, 16, kind, seed), expected)
    assert np.array_equal(sketch_features(g, 16, kind, seed, precision="float64"), expected)


def test_default_precision_streams_blocks_of_the_float64_product(small_blocks, global_seed):
    g = _features(np.float32, global_seed, shape=(300, 120))
    gamma = _dense_gamma(120, 16, "gaussian", 5)
    expected = np.vstack(
        [g[start : start + 64].astype(np.float64) @ gamma for start in range(0, 300, 64)]
    )
    assert np.array_equal(sketch_features(g, 16, "gaussian", 5), expected)


def test_float32_loses_columns_many_decades_smaller(global_seed):
    """The documented unsafe case: column k scaled by 10^-k, k = 0..10.

    The sketch is linear, so the contribution of the smallest column (scale 1e-10) is
    ``sketch(G) - sketch(G without it)``, exactly ``outer(g_10, Gamma[10])``. float64 keeps
    it to within its rounding bound (relative error about 1e-6); float32 rounds it away
    (relative error of order 1 or more), as the bound ``gamma_r |G||Gamma|`` predicts.
    """
    n, r, m, seed = 2000, 11, 8, global_seed + 1
    gen = np.random.default_rng(global_seed)
    g = (gen.standard_normal((n, r)) * 10.0 ** -np.arange(r)).astype(np.float32)
    without = g.copy()
    without[:, -1] = 0
    gamma64 = _dense_gamma(r, m, "gaussian", seed)
    errors, bounds = {}, {}
    for precision, gamma, u in (
        ("float64", gamma64, U64),
        ("float32", gamma64.astype(np.float32).astype(np.float64), U32),
    ):
        part = _sketch(g, m, "gaussian", seed, precision) - _sketch(
            without, m, "gaussian", seed, precision
        )
        # g and gamma are float32 values (or a float32 times a float64): the outer product
        # is exact in float64
        exact = np.outer(g[:, -1].astype(np.float64), gamma[-1])
        errors[precision] = np.linalg.norm(part - exact) / np.linalg.norm(exact)
        # each of the two sketches is within gamma_r |G||Gamma| of its exact value
        abs_product = np.abs(g.astype(np.float64)) @ np.abs(gamma)
        bounds[precision] = 2 * _gamma_r(r, u) * np.linalg.norm(abs_product) / np.linalg.norm(exact)
    # float64 keeps the 1e-10 column to better than 3 digits, guaranteed by its bound
    assert errors["float64"] <= bounds["float64"] < 1e-3, (errors, bounds)
    # float32's bound allows losing it entirely (bound >> 1), and it is lost
    assert bounds["float32"] > 1 and errors["float32"] > 0.5, (errors, bounds)
    assert errors["float32"] > 1e4 * errors["float64"], errors


def test_no_sketch_ignores_precision():
    g = np.random.default_rng(0).standard_normal((20, 5)) * 1e-3
    assert np.array_equal(sketch_features(g, None, precision="float32"), g)


@pytest.mark.parametrize("bad", ["float16", "FLOAT32", np.float32, None, 32])
def test_bad_precision_is_rejected_naming_the_argument(bad):
    g = np.ones((10, 4))
    with pytest.raises(ValidationError, match=r"precision must be one of 'float64', 'float32'"):
        sketch_features(g, 2, precision=bad)
    with pytest.raises(ValidationError, match=r"sketch_precision must be one of 'float64'"):
        skmm.select(g, 3, rng=0, sketch_dim=2, sketch_precision=bad)


def test_float32_overflow_is_a_validation_error_and_nan_is_located():
    g = np.random.default_rng(0).standard_normal((30, 6)) * 1e39  # finite in float64 only
    assert np.all(np.isfinite(sketch_features(g, 3, rng=0)))
    with pytest.raises(ValidationError, match=r"non-finite sketch with precision='float32'"):
        with np.errstate(over="ignore", invalid="ignore"):  # numpy's own note of the overflow
            sketch_features(g, 3, rng=0, precision="float32")
    bad = np.ones((30, 6), dtype=np.float32)
    bad[4, 2] = np.inf
    for precision in ("float64", "float32"):
        with pytest.raises(ValidationError, match=r"features contains NaN .*first at \[4, 2\]"):
            with np.errstate(invalid="ignore"):  # inf * 0 in the product, located afterwards
                sketch_features(bad, 3, rng=0, precision=precision)


@pytest.mark.filterwarnings("ignore::skmm_convex.errors.DegenerateProblemWarning")
def test_select_threads_sketch_precision_to_the_sketch(global_seed):
    data = skmm.make_gmm(300, 60, 3, std_max=0.04, rng=global_seed)
    features = data.features.astype(np.float32)
    chosen = skmm.select(features, 12, rng=4, sketch_dim=8, sketch_precision="float32")
    sketch_rng = skmm_streams(4)[0]
    expected = sketch_features(features, 8, "gaussian", sketch_rng, precision="float32")
    assert np.array_equal(chosen.solution.sketch, expected)
    default = skmm.select(features, 12, rng=4, sketch_dim=8)
    assert not np.array_equal(chosen.solution.sketch, default.solution.sketch)


@pytest.mark.filterwarnings("ignore::skmm_convex.errors.DegenerateProblemWarning")
def test_cli_sketch_precision_flag_end_to_end(tmp_path, monkeypatch, capsys):
    data = skmm.make_gmm(300, 60, 3, std_max=0.04, rng=1)
    features = data.features.astype(np.float32)
    np.save(tmp_path / "g.npy", features)
    monkeypatch.chdir(tmp_path)
    argv = ["select", "g.npy", "--n", "12", "--sketch-dim", "8", "--seed", "4", "--out"]
    assert cli.main([*argv, "o32.npz", "--sketch-precision", "float32"]) == 0
    expected = skmm.select(features, 12, rng=4, sketch_dim=8, sketch_precision="float32")
    with np.load(tmp_path / "o32.npz") as out:
        np.testing.assert_array_equal(out["indices"], expected.indices)
        np.testing.assert_array_equal(out["weights"], expected.weights)
    assert cli.main([*argv, "o64.npz", "--sketch-precision", "float64"]) == 0
    assert cli.main([*argv, "o.npz"]) == 0  # the default is float64
    with np.load(tmp_path / "o64.npz") as explicit, np.load(tmp_path / "o.npz") as default:
        np.testing.assert_array_equal(explicit["weights"], default["weights"])
    assert cli.main([*argv, "bad.npz", "--sketch-precision", "float16"]) == 2
    assert "invalid choice: 'float16'" in capsys.readouterr().err
