"""Sketching of G that does not fit in memory: np.memmap row blocks (dask: test_dask_sketch)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

from skmm_convex import sketch as sketch_module
from skmm_convex.sketch import sketch_features


@pytest.fixture(scope="module")
def features():
    return np.random.default_rng(11).standard_normal((700, 90)).astype(np.float32)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 64 rows of 90 float64 columns, so that the streaming loop really iterates."""
    monkeypatch.setattr(sketch_module, "_rows_per_block", lambda n_columns: 64)


@pytest.mark.parametrize("kind", ["gaussian", "sparse-sign"])
def test_memmap_sketch_equals_in_memory_sketch(tmp_path, features, small_blocks, kind):
    path = tmp_path / "g.npy"
    np.save(path, features)
    mapped = np.load(path, mmap_mode="r")
    assert isinstance(mapped, np.memmap)
    streamed = sketch_features(mapped, 16, kind, 3)
    in_memory = np.asarray(features, dtype=np.float64) @ _gamma(90, 16, kind, 3)
    np.testing.assert_allclose(streamed, in_memory, rtol=1e-12, atol=1e-12)
    # the mapping stays usable after its pages were released
    np.testing.assert_array_equal(mapped[5], features[5])


def test_copy_on_write_memmap_keeps_private_changes(tmp_path, features, small_blocks):
    path = tmp_path / "g.npy"
    np.save(path, features)
    mapped = np.load(path, mmap_mode="c")
    mapped[0, 0] = 123.0
    sketch_features(mapped, 8, "gaussian", 0)
    assert mapped[0, 0] == 123.0


def _gamma(r, m, kind, seed):
    gamma = sketch_module.draw_embedding(r, m, kind, np.random.default_rng(seed))
    return gamma.toarray() if sp.issparse(gamma) else gamma


def test_memmap_pages_are_released_while_streaming(tmp_path):
    """Peak resident memory grows by far less than the file (256 MB) while it is sketched."""
    path = tmp_path / "big.npy"
    rows, cols = 32_768, 2_048
    mapped = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, cols))
    for start in range(0, rows, 4096):
        mapped[start : start + 4096] = 1.0
    mapped.flush()
    del mapped
    script = textwrap.dedent(
        f"""
        import resource, numpy as np
        from skmm_convex.sketch import sketch_features
        g = np.load({str(path)!r}, mmap_mode="r")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = sketch_features(g, 8, "gaussian", 0)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) * 1024, float(out[0].sum()))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    growth = float(result.stdout.split()[0])
    file_bytes = rows * cols * 4
    # one float64 block (64 MB) and the float32 pages behind it; never the whole file
    assert growth < 0.6 * file_bytes, result.stdout
