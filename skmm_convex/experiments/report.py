"""The report files of the classification experiments: table.csv, table.md and figure.png.

Used by ``reproduce digits`` and ``reproduce probe`` on the summary rows of
:func:`skmm_convex.experiments.protocol.run_regime`; the three files appear together or not at
all (:func:`skmm_convex._io.write_files`) and are never replaced without ``force``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._io import check_output, write_files
from .._tables import markdown_table

__all__ = [
    "COLUMNS",
    "OUTPUT_FILES",
    "check_outputs",
    "draw_figure",
    "summary_table",
    "write_report",
]

OUTPUT_FILES = ("table.csv", "table.md", "figure.png")
COLUMNS = (
    "regime",
    "balanced",
    "method",
    "n",
    "accuracy_mean",
    "accuracy_se",
    "macro_f1_mean",
    "macro_f1_se",
    "n_seeds",
    "select_seconds",
)
HEADERS = ("regime", "balanced", "method", "n", "accuracy", "macro-F1", "seeds", "select s")
ALIGN = (None, None, None, "right", "right", "right", "right", "right")


def check_outputs(out: str | Path, force: bool) -> Path:
    """Check, before any work, that the outputs can be written into the folder ``out``.

    Nothing is created: the folder is made when the report is written (so a run that fails
    on its inputs leaves nothing behind).

    Raises
    ------
    OutputExistsError
        When one of :data:`OUTPUT_FILES` exists in ``out`` and ``force`` is False.
    SkmmError
        When ``out`` or an output is not a folder or a file, or the folder is not writable.
    """
    folder = Path(out)
    for name in OUTPUT_FILES:
        check_output(folder / name, force, create=True)
    return folder


def _mean_se(mean: float, se: float) -> str:
    return f"{mean:.3f}" if math.isnan(se) else f"{mean:.3f} ± {se:.3f}"


def summary_table(rows: Sequence[dict[str, Any]]) -> str:
    """One line per (regime, balanced, method, n): accuracy and macro-F1 as mean ± SE."""
    cells = [
        (
            row["regime"],
            row["balanced"],
            row["method"],
            row["n"],
            _mean_se(row["accuracy_mean"], row["accuracy_se"]),
            _mean_se(row["macro_f1_mean"], row["macro_f1_se"]),
            row["n_seeds"],
            f"{row['select_seconds']:.3f}",
        )
        for row in rows
    ]
    return markdown_table(HEADERS, cells, align=ALIGN)


def draw_figure(rows: Sequence[dict[str, Any]], title: str, path: str | Path) -> None:
    """Test accuracy against n, one panel per (regime, balanced), as a PNG at ``path``.

    Uses matplotlib's object API (no pyplot), so a notebook's backend and figure list are
    left alone.
    """
    from matplotlib.figure import Figure

    panels = list(dict.fromkeys((r["regime"], r["balanced"]) for r in rows if r["n_seeds"] > 1))
    panels = panels or list(dict.fromkeys((r["regime"], r["balanced"]) for r in rows))
    fig = Figure(figsize=(5 * len(panels), 4))
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (regime, balanced) in zip(axes[0], panels, strict=True):
        panel = [r for r in rows if r["regime"] == regime and r["balanced"] == balanced]
        for method in dict.fromkeys(r["method"] for r in panel if r["method"] != "full data"):
            line = [r for r in panel if r["method"] == method]
            ax.errorbar(
                [r["n"] for r in line],
                [r["accuracy_mean"] for r in line],
                yerr=[0.0 if math.isnan(r["accuracy_se"]) else r["accuracy_se"] for r in line],
                marker="o",
                capsize=3,
                label=method,
            )
        for r in rows:
            if r["regime"] == regime and r["method"] == "full data":
                ax.axhline(r["accuracy_mean"], color="gray", ls="--", label="full data")
        ax.set_xscale("log")
        ax.set_xlabel("coreset size n")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"{regime}, balanced={balanced}")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")


def write_report(
    folder: Path, rows: Sequence[dict[str, Any]], title: str, notes: Sequence[str], force: bool
) -> list[Path]:
    """Write table.csv, table.md and figure.png into ``folder``: all three or none.

    Returns
    -------
    list of Path
        The files written.
    """

    def write_csv(temporary: str) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: row[k] for k in COLUMNS} for row in rows)
        Path(temporary).write_text(buffer.getvalue())

    def write_md(temporary: str) -> None:
        text = f"# {title}\n\n" + "".join(f"- {note}\n" for note in notes)
        Path(temporary).write_text(text + "\n" + summary_table(rows))

    writers = {
        folder / "table.csv": write_csv,
        folder / "table.md": write_md,
        folder / "figure.png": lambda t: draw_figure(rows, title, t),
    }
    return write_files(writers, force, create=True)
