"""Gradient sketching: project the N x r feature or gradient matrix to m columns with a JLT.

One embedding ``Gamma`` (r x m) is drawn per call and applied to every row, in row blocks for
memory-mapped input (whose pages are released block by block, so peak memory stays at the
output plus one block), chunk by chunk on Dask's scheduler for a ``dask.array`` (so the same
code runs on a Dask cluster), and without densifying sparse input (the authors' real-data code
draws a new sketch per batch, which breaks the common-Gamma assumption of the theorem; we do
not).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ._validation import (
    RngLike,
    as_generator,
    check_choice,
    check_int,
    check_matrix,
    is_dask_array,
    release_pages,
    rows_per_block,
)
from .errors import ValidationError

__all__ = [
    "SKETCH_KINDS",
    "SKETCH_PRECISIONS",
    "draw_embedding",
    "non_finite_sketch_error",
    "sketch_features",
    "sketch_validated",
]

SKETCH_KINDS = ("gaussian", "sparse-sign")
SKETCH_PRECISIONS = ("float64", "float32")


def draw_embedding(
    n_features: int, sketch_dim: int, kind: str, rng: np.random.Generator, sparsity: int = 8
) -> np.ndarray | sp.csr_matrix:
    """Draw a Johnson-Lindenstrauss embedding ``Gamma`` of shape (n_features, sketch_dim).

    Parameters
    ----------
    n_features, sketch_dim : int
        r and m.
    kind : {"gaussian", "sparse-sign"}
        ``"gaussian"``: i.i.d. ``N(0, 1/m)`` entries (the poster's JLT).
        ``"sparse-sign"``: each row has ``zeta = min(sparsity, m)`` nonzeros ``+-1/sqrt(zeta)`` in
        distinct random columns, so ``G @ Gamma`` costs ``O(nnz(G) zeta)``.
    rng : Generator

    Returns
    -------
    Gamma : ndarray or csr_matrix, shape (n_features, sketch_dim)

    Notes
    -----
    Both satisfy ``E[Gamma Gamma'] = I_r``, hence ``E[Sigma~] = Gamma' Sigma Gamma`` is an
    unbiased sketch of the moments (poster, "Gradient sketching").
    """
    if kind == "gaussian":
        return rng.standard_normal((n_features, sketch_dim)) / np.sqrt(sketch_dim)
    zeta = min(sparsity, sketch_dim)
    # distinct columns per row: argpartition of uniform keys gives a random zeta-subset
    keys = rng.random((n_features, sketch_dim))
    cols = (
        np.argpartition(keys, zeta - 1, axis=1)[:, :zeta]
        if zeta < sketch_dim
        else (np.tile(np.arange(sketch_dim), (n_features, 1)))
    )
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_features, zeta)) / np.sqrt(zeta)
    rows = np.repeat(np.arange(n_features), zeta)
    return sp.csr_matrix((signs.ravel(), (rows, cols.ravel())), shape=(n_features, sketch_dim))


def sketch_features(
    features: Any,
    sketch_dim: int | None,
    kind: str = "gaussian",
    rng: RngLike = None,
    *,
    precision: str = "float64",
) -> np.ndarray:
    """Return the sketched matrix ``G~ = G Gamma`` in float64, shape (N, m).

    Parameters
    ----------
    features : array_like, sparse matrix or dask array, shape (N, r)
        Finite real matrix (float or int; cast per block to the dtype of ``precision``).
    sketch_dim : int or None
        m, in ``[1, r]``; None means no sketch (``G`` itself, densified, in float64).
    kind : {"gaussian", "sparse-sign"}
        The embedding (see :func:`draw_embedding`).
    rng : int, Generator or None
        Draws ``Gamma``.
    precision : {"float64", "float32"}
        Arithmetic of the products. ``"float64"`` (default): every block is up-cast to
        float64 and multiplied by the float64 ``Gamma``. ``"float32"`` (opt-in): ``Gamma`` is
        rounded to float32 once, each block is used in float32 (cast if it is not float32
        already), the products accumulate in float32 and each block's (rows, m) result is
        up-cast into the float64 output. Ignored when ``sketch_dim`` is None.

    Returns
    -------
    ndarray, shape (N, m)
        float64 whatever ``precision``.

    Raises
    ------
    ValidationError
        A bad features, sketch_dim, kind, rng or precision; with ``precision="float32"``, a
        sketch that is not finite in float32 (entries beyond float32's range, about 3.4e38).

    Notes
    -----
    Dense input is processed in row blocks of about 64 MB, so an ``np.memmap`` is streamed
    with about one block resident; a ``dask.array`` is sketched chunk by chunk
    (``G_ij @ Gamma_j`` summed over column chunks) on the active Dask scheduler and the
    (N, m) result gathered. The same rng gives the same ``Gamma`` whatever the input type
    and precision. Dense G is not scanned for NaN/inf before the product: such an entry
    makes its row of ``G Gamma`` non-finite (no row of ``Gamma`` is zero), and only then is
    G read again to name the entry in the error.

    Rounding error of ``precision="float32"`` (Higham, *Accuracy and Stability of Numerical
    Algorithms*, 2nd ed., eq. (3.5) and section 3.5). With ``u = 2^-24``, ``gamma_r = r u /
    (1 - r u)``, ``G32 = fl32(G)`` and ``Gamma32 = fl32(Gamma)`` (so ``|G32 - G| <= u |G|`` and
    ``|Gamma32 - Gamma| <= u |Gamma|`` elementwise, barring float32 underflow, i.e.
    magnitudes below about 1e-38), the output ``G~32`` satisfies, elementwise and for any
    summation order or blocking the BLAS uses (fused multiply-adds only remove roundings; a
    dask array's column-chunk partial products are added in float64)::

        |G~32 - G32 Gamma32| <= gamma_r |G32| |Gamma32|
        |G~32 - G Gamma|     <= (gamma_r (1 + u)^2 + 2u + u^2) |G| |Gamma|

    (for float32 input ``G32 = G`` and the ``2u + u^2`` shrinks to ``u``); the float64 path
    obeys the same bounds with ``u = 2^-53`` and no rounding of the inputs. The bound is
    relative to ``|G| |Gamma|``, not to ``|G Gamma|``: float32 is safe when every column of
    G that matters has a scale within a few decades of the largest (``gamma_r`` is about
    ``r 6e-8``, e.g. 2.4e-4 for r = 4096, small against the sketch's own JL distortion of
    order ``1/sqrt(m)``), and unsafe when G's columns span many decades (a column scaled by
    ``1e-10`` against columns of order 1 contributes ``1e-10`` to each entry, below the
    float32 rounding of the large columns' sum, so its contribution is lost, while float64
    keeps it to about 1e-6 relative; tested); hence float64 is the default. For sparse input the CSR
    data (and a sparse-sign ``Gamma``) are cast to float32 and scipy's float32 sparse
    product is used, with the same bound (``r`` can then be read as the largest number of
    nonzeros of a row of G).
    """
    # with a sketch, finiteness of dense G is read off G @ Gamma (no separate pass over G)
    matrix = check_matrix(features, finite=sketch_dim is None)
    if sketch_dim is not None:
        sketch_dim = check_int(sketch_dim, "sketch_dim", 1, matrix.shape[1])
    check_choice(kind, "kind", SKETCH_KINDS)
    check_choice(precision, "precision", SKETCH_PRECISIONS)
    sketched = sketch_validated(matrix, sketch_dim, kind, as_generator(rng), precision)
    if sketch_dim is not None and not np.all(np.isfinite(sketched)):
        check_matrix(features)  # a NaN or inf in G: the error names its first position
        if precision == "float32" or is_dask_array(features):  # dask: G is not scanned twice
            raise non_finite_sketch_error(precision)
    return sketched


def non_finite_sketch_error(precision: str) -> ValidationError:
    """The error for a sketch ``G @ Gamma`` with a NaN or inf entry (G checked or dask)."""
    if precision == "float32":
        return ValidationError(
            "features gives a non-finite sketch with precision='float32': entries or sums "
            "beyond float32's range (about 3.4e38), or NaN/inf in a dask array; use "
            "precision='float64' for finite features of that scale"
        )
    return ValidationError("features contains NaN or infinite values (found in its sketch)")


def sketch_validated(
    features: np.ndarray | sp.spmatrix,
    sketch_dim: int | None,
    kind: str,
    rng: np.random.Generator,
    precision: str = "float64",
) -> np.ndarray:
    """:func:`sketch_features` on trusted (validated) inputs."""
    if sketch_dim is None:
        if is_dask_array(features):
            return np.asarray(features.compute(), dtype=np.float64)
        if sp.issparse(features):
            return features.toarray().astype(np.float64)
        return np.asarray(features, dtype=np.float64)
    gamma = draw_embedding(features.shape[1], sketch_dim, kind, rng)
    # float32: Gamma rounded once, blocks multiplied in float32, each result up-cast
    single = precision == "float32"
    cast = _as_float32 if single else _unchanged
    times = _times32 if single else _times
    if is_dask_array(features):
        return _sketch_dask(features, gamma, times, cast)
    if sp.issparse(features):
        product = (features.astype(np.float32) if single else features) @ cast(gamma)
        return np.asarray(product.toarray() if sp.issparse(product) else product, dtype=np.float64)
    dtype = np.float32 if single else np.float64
    return _sketch_blocks(features, cast(_dense_if_small(gamma)), dtype, times)


def _unchanged(gamma: np.ndarray | sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
    return gamma


def _sketch_blocks(features: Any, gamma: Any, dtype: type, times: Any) -> np.ndarray:
    """Dense G times ``gamma`` in row blocks of about 64 MB, each cast to ``dtype``.

    The pages of a memory-mapped G are released after each block, so about one block is
    resident at a time; ``times(block, gamma)`` gives the block's float64 product.
    """
    out = np.empty((features.shape[0], gamma.shape[1]))
    step = rows_per_block(features.shape[1])
    for start in range(0, features.shape[0], step):
        block = np.asarray(features[start : start + step], dtype=dtype)
        out[start : start + step] = times(block, gamma)
        del block
        release_pages(features)
    return out


def _as_float32(gamma: np.ndarray | sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
    """``Gamma`` rounded to float32 once (dense: C-contiguous, as BLAS sgemm wants it)."""
    if sp.issparse(gamma):
        return gamma.astype(np.float32)
    return np.ascontiguousarray(gamma, dtype=np.float32)


def _times32(block: np.ndarray, gamma: np.ndarray | sp.csr_matrix) -> np.ndarray:
    """``block @ gamma`` computed in float32 (``gamma`` already float32), the result float64."""
    block = np.asarray(block, dtype=np.float32)
    product = (gamma.T @ block.T).T if sp.issparse(gamma) else block @ gamma
    return np.asarray(product, dtype=np.float64)


def _dense_if_small(gamma: np.ndarray | sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
    """A sparse ``Gamma`` as a dense array when that takes at most 256 MB.

    Against a dense G the dense BLAS product is faster than the sparse one
    (``benchmarks/results/sketch.md``); the sparse form only pays off for sparse G.
    """
    if sp.issparse(gamma) and gamma.shape[0] * gamma.shape[1] <= 2**25:
        return gamma.toarray()
    return gamma


def _times(block: np.ndarray, gamma: np.ndarray | sp.csr_matrix) -> np.ndarray:
    """``block @ gamma`` as a dense float64 array (dense or sparse ``gamma``)."""
    block = np.asarray(block, dtype=np.float64)
    return (gamma.T @ block.T).T if sp.issparse(gamma) else block @ gamma


def _sketch_dask(features, gamma: np.ndarray | sp.csr_matrix, times, cast) -> np.ndarray:
    """``G @ Gamma`` for a dask array G: one task per chunk, summed over column chunks.

    ``times(block, gamma_j)`` computes one chunk's float64 product and ``cast`` prepares each
    ``Gamma_j`` once (:func:`_times` and :func:`_unchanged`, or :func:`_times32` and
    :func:`_as_float32`); the partial products are summed in float64.
    """
    edges = np.cumsum((0,) + tuple(features.chunks[1]))
    sketch_dim = gamma.shape[1]
    parts = [
        features.blocks[:, j].map_blocks(
            times,
            gamma=cast(_dense_if_small(gamma[edges[j] : edges[j + 1]])),
            chunks=(features.chunks[0], (sketch_dim,)),
            dtype=np.float64,
        )
        for j in range(len(features.chunks[1]))
    ]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return np.asarray(total.compute(), dtype=np.float64)
