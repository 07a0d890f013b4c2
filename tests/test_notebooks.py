"""Every teaching notebook runs top to bottom, and is committed with its outputs.

Quick tier (not marked slow): each notebook runs as committed (its ``QUICK = True`` setting)
in a fresh ``python3`` kernel with ``notebooks/`` as working directory, so a failing cell fails
CI. Refresh the committed outputs after a change to the package with nbclient's own command,
``jupyter execute --inplace notebooks/*.ipynb``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 240  # seconds per cell; a whole notebook takes well under a minute


@pytest.fixture(scope="module")
def run_notebook():
    """Execute a notebook top to bottom in a fresh kernel and return it with its outputs.

    The kernel sees the repository root first on ``PYTHONPATH`` (the package of this source
    tree, installed or not) and one BLAS/OpenMP thread unless the caller chose otherwise: on a
    loaded two-core machine multi-threaded OpenBLAS spin-waits, and the notebooks' matrices
    are small. nbclient raises ``CellExecutionError`` on the first failing cell.
    """
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    rest = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + rest if rest else "")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    def run(path: Path) -> nbformat.NotebookNode:
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute(env=env)
        return notebook

    return run


def test_notebooks_exist():
    assert len(NOTEBOOKS) >= 1, f"no notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_with_outputs(path: Path):
    """Every code cell has been executed, in order, and the notebook shows figures."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    counts = [cell.execution_count for cell in code]
    assert None not in counts, (
        f"{path.name}: cells without outputs, run `jupyter execute --inplace {path.name}`"
    )
    assert counts == sorted(counts), f"{path.name}: cells were executed out of order"
    assert any("import skmm_convex" in cell.source for cell in code), (
        f"{path.name} must import the package"
    )
    assert any(re.search(r"^QUICK = True\b", cell.source, re.MULTILINE) for cell in code), (
        f"{path.name}: the committed outputs must be those of the quick setting (QUICK = True)"
    )
    errors = [out for cell in code for out in cell.get("outputs", []) if out.output_type == "error"]
    assert not errors, f"{path.name}: committed with an error output"
    images = [
        out
        for cell in code
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert images, f"{path.name}: no figure in the committed outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, run_notebook):
    """Run every cell in the quick setting; a failing cell raises CellExecutionError."""
    notebook = run_notebook(path)
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    assert all(cell.execution_count is not None for cell in code)
    assert not [out for cell in code for out in cell.outputs if out.output_type == "error"]
