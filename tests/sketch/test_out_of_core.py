"""Sketching of G that does not fit in memory: np.memmap row blocks (dask: test_dask_sketch)."""

import sys

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
    monkeypatch.setattr(sketch_module, "rows_per_block", lambda n_columns: 64)


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


def _resident_bytes(path):
    """Resident bytes of this process's mappings of ``path`` (from /proc/self/smaps)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if fields and "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
                inside = len(fields) >= 6 and fields[-1] == str(path)
            elif inside and fields[0] == "Rss:":
                total += int(fields[1]) * 1024
    return total


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_memmap_pages_are_released_while_streaming(tmp_path, monkeypatch):
    """After streaming, the file's pages are no longer resident in this process."""
    monkeypatch.setattr(sketch_module, "rows_per_block", lambda n_columns: 512)
    path = tmp_path / "big.npy"
    rows, cols = 8_192, 1_024
    np.save(path, np.ones((rows, cols), dtype=np.float32))
    mapped = np.load(path, mmap_mode="r")
    np.asarray(mapped[:1024]).sum()  # touch 4 MB: the measurement sees resident pages
    assert _resident_bytes(path) >= 2**22
    sketch_features(mapped, 8, "gaussian", 0)
    # without the release every page of the 32 MB file would now be resident
    assert _resident_bytes(path) < 0.1 * rows * cols * 4
    np.testing.assert_array_equal(mapped[-1], 1.0)
