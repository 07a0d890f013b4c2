"""Re-execute the teaching notebooks in ``notebooks/`` and save them with their outputs.

The notebooks are committed with their outputs (so that a reader on GitHub sees the figures);
run this after a change to the package to refresh them::

    PYTHONPATH=. python tools/run_notebooks.py            # every notebook, saved in place
    PYTHONPATH=. python tools/run_notebooks.py 01 05      # names containing "01" or "05"
    PYTHONPATH=. python tools/run_notebooks.py --no-save  # execute only (what the tests do)

Each notebook runs in a fresh ``python3`` kernel whose working directory is ``notebooks/`` and
whose ``PYTHONPATH`` starts with the repository root, so the notebooks import the package of
this source tree whether or not it is installed. The wall time of each notebook is printed,
with the CPU time of its kernel process (less sensitive to a loaded machine than wall time; on
Linux only).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
CELL_TIMEOUT = 300  # seconds per cell; a whole notebook should take well under 90 s


def notebook_paths(patterns: list[str] | None = None) -> list[Path]:
    """The notebooks of ``notebooks/``, sorted, optionally filtered by substrings of the name."""
    paths = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if patterns:
        paths = [p for p in paths if any(pat in p.name for pat in patterns)]
    return paths


def kernel_env() -> dict[str, str]:
    """The environment of the kernel: ours, with the repository root first on PYTHONPATH.

    BLAS and OpenMP get one thread each unless the caller set them: on a loaded two-core
    machine multi-threaded OpenBLAS spin-waits (measured here at load 5: ``eigvalsh`` of a
    1000 x 1000 matrix took 10 s with two threads and 0.25 s with one), while the notebooks'
    matrices are small enough that one thread loses little on an idle machine.
    """
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    rest = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + rest if rest else "")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` from /proc (None where unavailable)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def execute_notebook(
    path: Path, *, save: bool = False, timeout: int = CELL_TIMEOUT
) -> tuple[nbformat.NotebookNode, float, float | None]:
    """Run every cell of the notebook at ``path`` top to bottom in a fresh kernel.

    Parameters
    ----------
    path : Path
        The ``.ipynb`` file.
    save : bool
        Write the executed notebook (with its outputs) back to ``path``.
    timeout : int
        Seconds allowed per cell.

    Returns
    -------
    notebook : NotebookNode
        The executed notebook.
    seconds : float
        Wall time of the execution (kernel start included).
    cpu_seconds : float or None
        CPU time of the kernel process after the last cell (None where /proc is unavailable).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell raises; the message holds the cell and its traceback.
    """
    notebook = nbformat.read(path, as_version=4)
    cpu: list[float | None] = [None]

    def record_cpu(**_: object) -> None:
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        cpu[0] = _cpu_seconds(pid) if pid is not None else None

    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_executed=record_cpu,
    )
    start = time.perf_counter()
    client.execute(env=kernel_env())
    seconds = time.perf_counter() - start
    if save:
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(notebook, tmp)
        os.replace(tmp, path)
    return notebook, seconds, cpu[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="run only notebooks whose name contains one")
    parser.add_argument("--no-save", action="store_true", help="execute without saving")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.patterns)
    if not paths:
        print(f"no notebook matches {args.patterns} in {NOTEBOOK_DIR}", file=sys.stderr)
        return 2
    total = 0.0
    for path in paths:
        _, seconds, cpu = execute_notebook(path, save=not args.no_save, timeout=args.timeout)
        total += seconds
        cpu_text = "" if cpu is None else f", kernel CPU {cpu:.1f} s"
        saved = "" if args.no_save else " (saved)"
        print(f"{path.name}: wall {seconds:.1f} s{cpu_text}{saved}", flush=True)
    print(f"total: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
