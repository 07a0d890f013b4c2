"""Every teaching notebook runs top to bottom, and is committed with its outputs.

Quick tier (not marked slow): each notebook runs in its quick setting, in a fresh ``python3``
kernel with ``notebooks/`` as working directory, so a failing cell fails CI. The execution code
is shared with ``tools/run_notebooks.py``, which re-executes and saves the notebooks.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)

NOTEBOOKS = run_notebooks.notebook_paths()
CELL_TIMEOUT = 240


def test_notebooks_exist():
    assert len(NOTEBOOKS) >= 1, f"no notebooks found in {run_notebooks.NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_with_outputs(path: Path):
    """Every code cell has been executed, in order, and the notebook shows figures."""
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    counts = [cell.execution_count for cell in code]
    assert None not in counts, f"{path.name}: cells without outputs, run tools/run_notebooks.py"
    assert counts == sorted(counts), f"{path.name}: cells were executed out of order"
    assert any("import skmm_convex" in cell.source for cell in code), (
        f"{path.name} must import the package"
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
def test_notebook_executes(path: Path):
    """Run every cell; nbclient raises CellExecutionError on the first failing cell."""
    notebook, _, _ = run_notebooks.execute_notebook(path, save=False, timeout=CELL_TIMEOUT)
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert not errors
