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
    bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValidationError(f"{name} must be an int {bounds}, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        raise ValidationError(f"{name} must be an int {bounds}, got {value}")
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
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValidationError(f"{name} must be one of {valid}; got {value!r}")
    return value


def check_solver_options(options: Any, name: str = "solver_options") -> dict[str, Any]:
    """Return a copy of ``options`` (None means ``{}``); it must be a dict with str keys."""
    if options is None:
        return {}
    if not isinstance(options, dict) or not all(isinstance(key, str) for key in options):
        raise ValidationError(f"{name} must be a dict with str keys or None, got {options!r}")
    return dict(options)


def check_vector(values: Any, name: str) -> np.ndarray:
    """Check a non-empty, finite, real 1-d array and return it as float64.

    Integer and floating dtypes are accepted (and upcast); bool, complex, object and string
    dtypes are refused, as in :func:`check_matrix`.
    """
    array = _as_real_array(values, name, "a 1-d array")
    if array.ndim != 1 or array.size == 0:
        raise ValidationError(f"{name} must be a non-empty 1-d array, got shape {array.shape}")
    array = array.astype(np.float64, copy=False)
    _check_finite(array, name)
    return array


def check_magnitude(array: np.ndarray, name: str, what: str, limit: float = 1e50) -> float:
    """Return ``max |array|``; raise if a nonzero array's scale is outside ``[1/limit, limit]``.

    Squares and fourth powers of the entries (second moments and the squared objective) must
    stay representable in float64, which holds with room to spare inside these bounds.
    """
    scale = float(np.max(np.abs(array))) if array.size else 0.0
    if not np.isfinite(scale) or scale > limit or 0.0 < scale < 1.0 / limit:
        raise ValidationError(
            f"{name} is badly scaled: {what} has largest absolute entry {scale:.3g}, outside "
            f"[{1 / limit:.0e}, {limit:.0e}], so its second moments over- or underflow "
            f"float64; rescale {name} (the selection does not depend on a common scale factor)"
        )
    return scale


def _as_real_array(values: Any, name: str, expected: str) -> np.ndarray:
    if not isinstance(values, np.ndarray):
        try:
            values = np.asarray(values)
        except Exception as exc:  # ragged lists and other non-arrays
            raise ValidationError(
                f"{name} must be {expected}, got {type(values).__name__}"
            ) from exc
    if values.dtype == object or not (
        np.issubdtype(values.dtype, np.floating) or np.issubdtype(values.dtype, np.integer)
    ):
        raise ValidationError(
            f"{name} must hold real numbers (float or int), got dtype {values.dtype}"
        )
    return values


def _check_finite(block: np.ndarray, name: str, row_offset: int = 0) -> None:
    bad = ~np.isfinite(block)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        shown = (where[0] + row_offset, *where[1:])
        raise ValidationError(
            f"{name} contains NaN or infinite values (first at {list(shown)}: {block[where]})"
        )


def check_matrix(
    features: Any, name: str = "features", *, finite: bool = True
) -> np.ndarray | sp.spmatrix:
    """Check a 2-d, non-empty, finite, real feature matrix.

    Dense arrays (including ``np.memmap``) are returned as they are when already float32 or
    float64, so that a memory-mapped file is not read into memory here; other real dtypes are
    upcast to float64. Sparse matrices are returned in CSR format. Finiteness of a memmap is
    checked block by block. ``finite=False`` skips the finiteness pass over a dense array
    (one read of G) for a caller that reads it off a product instead (a NaN or inf entry of
    G makes its row of ``G @ Gamma`` non-finite when no row of Gamma is zero) and calls
    ``check_matrix`` again to name the entry.
    """
    if sp.issparse(features):
        matrix = sp.csr_matrix(features)
        if not (
            np.issubdtype(matrix.dtype, np.floating) or np.issubdtype(matrix.dtype, np.integer)
        ):
            raise ValidationError(
                f"{name} must hold real numbers (float or int), got dtype {matrix.dtype}"
            )
        if matrix.dtype not in (np.float32, np.float64):
            matrix = matrix.astype(np.float64)
        _check_shape(matrix.shape, name)
        if not np.all(np.isfinite(matrix.data)):
            raise ValidationError(f"{name} contains NaN or infinite values")
        return matrix
    if is_dask_array(features):
        return _check_dask(features, name)
    features = _as_real_array(features, name, "a 2-d array")
    if features.ndim != 2:
        raise ValidationError(
            f"{name} must be 2-d (n_samples, n_features), got shape {features.shape}"
        )
    _check_shape(features.shape, name)
    if features.dtype not in (np.float32, np.float64):
        features = features.astype(np.float64)
    if not finite:
        return features
    step = rows_per_block(features.shape[1])
    for start in range(0, features.shape[0], step):
        _check_finite(np.asarray(features[start : start + step]), name, start)
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


def rows_per_block(n_columns: int, budget_bytes: int = 64 * 2**20) -> int:
    """Rows of a float64 block of about ``budget_bytes`` (at least one row)."""
    return max(1, budget_bytes // (8 * max(1, n_columns)))
