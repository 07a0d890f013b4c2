"""Validation at the public boundary: messages name the argument and the bad value."""

from __future__ import annotations

import mmap
import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import ValidationError

RngLike = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(rng: RngLike, name: str = "rng") -> np.random.Generator:
    """Normalise ``rng`` once with :func:`numpy.random.default_rng`."""
    if isinstance(rng, bool) or not (
        rng is None
        or isinstance(rng, numbers.Integral | np.random.Generator | np.random.SeedSequence)
    ):
        raise ValidationError(
            f"{name} must be None, an int, a numpy Generator or SeedSequence, got {rng!r}"
        )
    if isinstance(rng, numbers.Integral) and rng < 0:
        raise ValidationError(f"{name} must be a non-negative int, got {rng}")
    return np.random.default_rng(rng)


def check_int(value: Any, name: str, low: int, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]``; raise naming ``name`` otherwise."""
    bounds = f"[{low}, {high}]" if high is not None else f">= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValidationError(f"{name} must be an int in {bounds}, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        raise ValidationError(f"{name} must be an int in {bounds}, got {value}")
    return value


def check_positive_float(value: Any, name: str) -> float:
    """Return ``value`` as a finite float > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"{name} must be a positive number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValidationError(f"{name} must be a positive finite number, got {value}")
    return value


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``; the error lists the valid ones."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValidationError(f"{name} must be one of {valid}; got {value!r}")
    return value


def check_matrix(features: Any, name: str = "features") -> np.ndarray | sp.spmatrix:
    """Check a 2-d, non-empty, finite, real feature matrix.

    Dense arrays (including ``np.memmap``) are returned as they are when already float32 or
    float64, so that a memory-mapped file is not read into memory here; other real dtypes are
    upcast to float64. Sparse matrices are returned in CSR format. Finiteness of a memmap is
    checked block by block.
    """
    if sp.issparse(features):
        matrix = sp.csr_matrix(features)
        if not np.issubdtype(matrix.dtype, np.number) or np.iscomplexobj(matrix.data):
            raise ValidationError(f"{name} must hold real numbers, got dtype {matrix.dtype}")
        if matrix.dtype not in (np.float32, np.float64):
            matrix = matrix.astype(np.float64)
        _check_shape(matrix.shape, name)
        if not np.all(np.isfinite(matrix.data)):
            raise ValidationError(f"{name} contains NaN or infinite values")
        return matrix
    if is_dask_array(features):
        return _check_dask(features, name)
    if not isinstance(features, np.ndarray):
        try:
            features = np.asarray(features)
        except Exception as exc:  # ragged lists and other non-arrays
            raise ValidationError(
                f"{name} must be a 2-d array, got {type(features).__name__}"
            ) from exc
    if features.dtype == object or not (
        np.issubdtype(features.dtype, np.floating) or np.issubdtype(features.dtype, np.integer)
    ):
        raise ValidationError(f"{name} must hold real numbers, got dtype {features.dtype}")
    if features.ndim != 2:
        raise ValidationError(
            f"{name} must be 2-d (n_samples, n_features), got shape {features.shape}"
        )
    _check_shape(features.shape, name)
    if features.dtype not in (np.float32, np.float64):
        features = features.astype(np.float64)
    for start in range(0, features.shape[0], _rows_per_block(features.shape[1])):
        block = features[start : start + _rows_per_block(features.shape[1])]
        if not np.all(np.isfinite(block)):
            raise ValidationError(f"{name} contains NaN or infinite values")
        release_pages(features)
    return features


def is_dask_array(value: Any) -> bool:
    """True for a ``dask.array.Array`` (checked without importing dask)."""
    return type(value).__module__.startswith("dask.") and hasattr(value, "chunks")


def _check_dask(features: Any, name: str) -> Any:
    """Shape and dtype checks of a dask array; finiteness is checked on its sketch."""
    dtype = np.dtype(features.dtype)
    if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)):
        raise ValidationError(f"{name} must hold real numbers, got dtype {dtype}")
    if features.ndim != 2:
        raise ValidationError(
            f"{name} must be 2-d (n_samples, n_features), got shape {features.shape}"
        )
    if any(np.isnan(size) for size in features.shape):
        raise ValidationError(f"{name} must have known chunk sizes (call compute_chunk_sizes())")
    _check_shape(features.shape, name)
    return features


def release_pages(array: Any) -> None:
    """Drop the resident pages of a memory-mapped array from this process (no-op otherwise).

    Pages read from an ``np.memmap`` stay mapped, and count in the resident set, until the
    mapping is closed; streaming a large file block by block would otherwise end with the whole
    file resident. ``madvise(MADV_DONTNEED)`` unmaps them (the data stay in the page cache and
    on disk); skipped for copy-on-write mappings, whose private changes it would discard.
    """
    mapping = getattr(array, "_mmap", None)
    if (
        isinstance(array, np.memmap)
        and mapping is not None
        and array.mode != "c"
        and hasattr(mapping, "madvise")
        and hasattr(mmap, "MADV_DONTNEED")
    ):
        try:
            mapping.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):  # closed mapping or an OS without the advice
            pass


def _check_shape(shape: tuple[int, ...], name: str) -> None:
    if shape[0] == 0 or shape[1] == 0:
        raise ValidationError(f"{name} must be non-empty, got shape {shape}")


def _rows_per_block(n_columns: int, budget_bytes: int = 64 * 2**20) -> int:
    """Rows of a float64 block of about ``budget_bytes`` (at least one row)."""
    return max(1, budget_bytes // (8 * max(1, n_columns)))
