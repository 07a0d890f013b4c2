"""The sketch G -> G Gamma against the plain matrix product of the same shape (the floor)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from skmm_convex.sketch import draw_embedding, sketch_features

from .common import progress, report, run_worker, table, timed

SKETCH_DIM = 64


def _best(function, repeats: int = 3) -> float:
    return min(timed(function)[0] for _ in range(repeats))


def dense(quick: bool) -> list[list[Any]]:
    rows_, cols = (8192, 2048) if quick else (16384, 4096)
    gen = np.random.default_rng(0)
    g64 = gen.standard_normal((rows_, cols))
    g32 = g64.astype(np.float32)
    gamma = draw_embedding(cols, SKETCH_DIM, "gaussian", np.random.default_rng(1))
    out = []
    floor = _best(lambda: g64 @ gamma)
    ours = _best(lambda: sketch_features(g64, SKETCH_DIM, "gaussian", 1))
    out.append([f"dense float64 {rows_}x{cols}", "gaussian", floor, ours, f"{ours / floor:.2f}x"])
    gamma32 = gamma.astype(np.float32)
    floor32 = _best(lambda: g32 @ gamma32)
    ours32 = _best(lambda: sketch_features(g32, SKETCH_DIM, "gaussian", 1))
    out.append(
        [
            f"dense float32 {rows_}x{cols} (floor: float32 product)",
            "gaussian",
            floor32,
            ours32,
            f"{ours32 / floor32:.2f}x",
        ]
    )
    opt_in = _best(lambda: sketch_features(g32, SKETCH_DIM, "gaussian", 1, precision="float32"))
    out.append(
        [
            f"dense float32 {rows_}x{cols}, precision='float32' (floor: float32 product)",
            "gaussian",
            floor32,
            opt_in,
            f"{opt_in / floor32:.2f}x",
        ]
    )
    sparse_gamma = draw_embedding(cols, SKETCH_DIM, "sparse-sign", np.random.default_rng(1))
    floor_s = _best(lambda: g64 @ sparse_gamma.toarray())
    ours_s = _best(lambda: sketch_features(g64, SKETCH_DIM, "sparse-sign", 1))
    out.append(
        [
            f"dense float64 {rows_}x{cols}",
            "sparse-sign",
            floor_s,
            ours_s,
            f"{ours_s / floor_s:.2f}x",
        ]
    )
    return out


def sparse(quick: bool) -> list[list[Any]]:
    n_rows, n_cols = (50_000, 20_000) if quick else (200_000, 50_000)
    out = []
    for density in (0.0005, 0.001, 0.002):
        g = _random_csr(n_rows, n_cols, density, np.random.default_rng(0))
        for kind in ("sparse-sign", "gaussian"):
            gamma = draw_embedding(n_cols, SKETCH_DIM, kind, np.random.default_rng(1))
            floor = _best(lambda g=g, gamma=gamma: g @ gamma)
            ours = _best(lambda g=g, kind=kind: sketch_features(g, SKETCH_DIM, kind, 1))
            out.append(
                [
                    f"CSR {n_rows}x{n_cols}, nnz {g.nnz:.2e}",
                    kind,
                    floor,
                    ours,
                    f"{ours / floor:.2f}x",
                    f"{ours / g.nnz * 1e9:.1f}",
                ]
            )
    return out


def memmap(quick: bool, directory: str | None) -> dict[str, Any]:
    """Sketch a memory-mapped float32 file in a fresh process; peak RSS of that process."""
    n_rows, n_cols = (125_000, 2_000) if quick else (1_000_000, 2_000)
    base = Path(directory or tempfile.gettempdir())
    path = base / f"skmm_bench_memmap_{os.getpid()}.npy"
    block = np.random.default_rng(0).standard_normal((4096, n_cols)).astype(np.float32)
    try:
        mapped = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.float32, shape=(n_rows, n_cols)
        )
        for start in range(0, n_rows, block.shape[0]):
            stop = min(n_rows, start + block.shape[0])
            mapped[start:stop] = block[: stop - start] * np.float32(1 + start / n_rows)
        mapped.flush()
        del mapped
        result = run_worker(
            {"task": "sketch_memmap", "path": str(path), "m": SKETCH_DIM, "kind": "gaussian"}
        )
    finally:
        path.unlink(missing_ok=True)
    return result


def _random_csr(n_rows: int, n_cols: int, density: float, gen) -> sp.csr_matrix:
    """A CSR matrix with ``density * n_cols`` normal entries per row in random columns."""
    per_row = max(1, int(round(density * n_cols)))
    indices = gen.integers(0, n_cols, size=n_rows * per_row)
    indptr = np.arange(0, n_rows * per_row + 1, per_row)
    matrix = sp.csr_matrix(
        (gen.standard_normal(n_rows * per_row), indices, indptr), shape=(n_rows, n_cols)
    )
    matrix.sum_duplicates()
    return matrix


def run(quick: bool, memmap_dir: str | None) -> tuple[str, dict[str, Any]]:
    headers = ["input", "sketch", "floor: product (s)", "sketch_features (s)", "ratio"]
    measurements = {
        "dense": lambda: dense(quick),
        "sparse": lambda: sparse(quick),
        "memmap": lambda: memmap(quick, memmap_dir),
    }
    parts = {}
    for part, measure in progress(measurements.items(), "sketch"):
        parts[part] = measure()
        report(f"sketch {part} {parts[part]}")
    dense_rows, sparse_rows, mm = parts["dense"], parts["sparse"], parts["memmap"]
    body = "## Dense G (m = 64)\n\n" + table(headers, dense_rows)
    body += (
        "\nThe floor is `G @ Gamma` with `Gamma` already drawn, same shapes and dtype; "
        "`sketch_features` draws `Gamma`, streams G in row blocks of about 64 MB and computes "
        "in float64 (float32 input is up-cast block by block, so its floor is the float32 "
        "product, which it does not use); with the opt-in `precision='float32'` it multiplies "
        "float32 blocks by `Gamma` rounded to float32 once and up-casts only the (N, m) "
        "result (float64 stays the default: float32 loses the contribution of columns many "
        "decades smaller than the largest, see the `sketch_features` Notes). The finiteness "
        "of dense G is read off the sketch, not checked in a separate pass over G.\n\n"
        "## Sparse G (CSR, m = 64): time proportional to nnz(G)\n\n"
    )
    body += table(headers + ["ns per nonzero"], sparse_rows)
    body += (
        "\n## Memory-mapped G (float32 .npy, m = 64, fresh process)\n\n"
        + table(
            ["file (GB)", "time (s)", "GB/s", "peak RSS (GB)", "output (GB)"],
            [
                [
                    mm.get("file_gb", float("nan")),
                    mm.get("seconds", float("nan")),
                    mm.get("file_gb", 0) / mm.get("seconds", float("nan")),
                    mm.get("peak_rss_gb", float("nan")),
                    mm.get("out_gb", float("nan")),
                ]
            ],
        )
        + "\nPeak RSS is the high-water mark (`VmHWM`, read by the process itself) of the "
        "process that maps and "
        "sketches the file (it includes "
        "the interpreter and the imports, about 0.15 GB, and the (N, m) float64 output). "
        "Pages of the mapping are released after each row block "
        "(`madvise(MADV_DONTNEED)`), so the resident set is the output plus one block whatever "
        "the file size.\n"
    )
    return body, {"dense": dense_rows, "sparse": sparse_rows, "memmap": mm}
