"""Tables, diagnostics and the figure of ``skmm-convex reproduce gmm``.

Pure functions of a :class:`~skmm_convex.experiments.gmm.config.GMMResult`; the output files
appear together or not at all (:func:`skmm_convex._io.write_files`) and are never replaced
without ``force``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..._io import OutputExistsError, atomic_write, check_output, write_files
from ..._tables import markdown_table
from .config import POSTER_TABLE1, GMMResult, Row

__all__ = [
    "OUTPUT_FILES",
    "check_outputs",
    "format_risk",
    "format_table",
    "small_clusters",
    "summarise",
    "within_poster",
    "write_figure",
    "write_outputs",
]

OUTPUT_FILES = ("table.csv", "table.md", "figure.png", "runs.csv")


def small_clusters(result: GMMResult) -> list[int]:
    """Clusters with fewer than ``N / (2K)`` points (0, 1 and 3 on the Table-1 data)."""
    sizes = np.asarray(result.cluster_sizes)
    return [int(j) for j in np.flatnonzero(sizes < sizes.sum() / (2 * sizes.size))]


def summarise(result: GMMResult) -> list[dict]:
    """One record per (row, n): mean and population std of the risk over seeds, and more.

    ``std`` is ``np.std`` (ddof=0), as the authors' notebook prints. ``missed_small`` counts
    the seeds whose coreset misses a small cluster; ``support`` and ``degenerate`` (SkMM) are
    means over seeds of the weights' support size and of the exact degeneracy flag (NaN for
    the authors' optimiser), ``objective`` the mean moment-matching objective of the weights.
    """
    small = small_clusters(result)
    records = []
    for row in result.config.rows:
        for n in result.config.sizes:
            runs = [run for run in result.runs if run.label == row.label and run.n == n]
            if not runs:
                continue
            risks = np.array([run.risk for run in runs])
            counts = np.array([run.cluster_counts for run in runs])
            record = {
                "label": row.label,
                "method": row.method,
                "solution": row.solution or "",
                "sampler": row.sampler or "",
                "n": n,
                "seeds": len(runs),
                "mean": float(risks.mean()),
                "std": float(risks.std()),
                "median": float(np.median(risks)),
                "min": float(risks.min()),
                "max": float(risks.max()),
                "missed_small": int(np.sum(np.any(counts[:, small] == 0, axis=1))),
            }
            for j in small:
                record[f"covers_{j}"] = int(np.sum(counts[:, j] > 0))
            if runs[0].support is not None:
                record["support"] = float(np.mean([run.support for run in runs]))
                flags = [run.degenerate for run in runs if run.degenerate is not None]
                record["degenerate"] = float(np.mean(flags)) if flags else float("nan")
                mass = np.mean([run.mass for run in runs], axis=0)
                record["mass_small"] = float(mass[small].sum())
                record["objective"] = float(np.mean([run.objective for run in runs]))
            records.append(record)
    return records


def format_risk(mean: float, std: float | None) -> str:
    """The poster's notation: ``(3.54±0.51)e-3``, or ``7.40e+2`` without a spread."""
    if not np.isfinite(mean) or mean <= 0:
        return f"{mean:.2e}"
    exponent = math.floor(math.log10(mean))
    if round(mean / 10.0**exponent, 2) >= 10:
        exponent += 1
    if std is None:
        return f"{mean / 10.0**exponent:.2f}e{exponent:+d}"
    return f"({mean / 10.0**exponent:.2f}±{std / 10.0**exponent:.2f})e{exponent:+d}"


def _method_by_size_table(
    result: GMMResult, records: list[dict], cell: Callable[[dict, Row], str]
) -> str:
    """A Markdown table with a row per method and a column per n; ``cell(record, row)``."""
    sizes = result.config.sizes
    rows = []
    for row in result.config.rows:
        cells = []
        for n in sizes:
            match = [r for r in records if r["label"] == row.label and r["n"] == n]
            cells.append(cell(match[0], row) if match else "")
        rows.append([row.label, *cells])
    return markdown_table(["method", *(str(n) for n in sizes)], rows)


def _risk_table(result: GMMResult, records: list[dict]) -> str:
    def risk(record: dict, row: Row) -> str:
        return format_risk(record["mean"], record["std"] if row.randomised else None)

    return _method_by_size_table(result, records, risk)


def _coverage_table(result: GMMResult, records: list[dict]) -> str:
    def coverage(record: dict, _row: Row) -> str:
        return f"{record['missed_small']}/{record['seeds']}"

    return _method_by_size_table(result, records, coverage)


def _skmm_table(records: list[dict]) -> str | None:
    """SkMM's weights per (solution, n): support, degeneracy, mass on the small clusters."""
    rows, seen = [], set()
    for record in records:
        key = (record["solution"], record["n"])
        if "support" not in record or key in seen:
            continue
        seen.add(key)
        rows.append(
            (
                record["solution"],
                record["n"],
                f"{record['support']:.1f}",
                "" if np.isnan(record["degenerate"]) else f"{record['degenerate']:.0%}",
                f"{record['mass_small']:.4f}",
                f"{record['objective']:.3g}",
            )
        )
    if not rows:
        return None
    headers = (
        "solution",
        "n",
        "support of s",
        "degenerate",
        "s mass on small clusters",
        "objective",
    )
    return markdown_table(headers, rows)


def within_poster(mean: float, poster_mean: float, poster_std: float | None) -> bool:
    """Whether ``mean`` lies in the poster's ``mean ± std``, widened by the poster's rounding.

    The poster prints three significant digits, ``(m.mm ± s.ss)e{k}``; a printed std of 0.00
    or no std (Herding) means a spread below half a unit of the last digit, so the interval
    is ``poster_mean ± (poster_std + 0.005 * 10**k)``.
    """
    exponent = math.floor(math.log10(poster_mean))
    if round(poster_mean / 10.0**exponent, 2) >= 10:
        exponent += 1
    half_unit = 0.005 * 10.0**exponent
    return abs(mean - poster_mean) <= (poster_std or 0.0) + half_unit


def _poster_table(result: GMMResult, records: list[dict]) -> str | None:
    """Ours beside the poster: ``ours / poster`` means, marked within (✓) or outside (✗)."""
    sizes = [n for n in result.config.sizes if any(n in v for v in POSTER_TABLE1.values())]
    rows = []
    for row in result.config.rows:
        poster = POSTER_TABLE1.get(row.poster or "")
        if poster is None:
            continue
        cells = []
        for n in sizes:
            match = [r for r in records if r["label"] == row.label and r["n"] == n]
            if not match or n not in poster:
                cells.append("")
                continue
            mean, std = poster[n]
            ours = match[0]["mean"]
            mark = "✓" if within_poster(ours, mean, std) else "✗"
            cells.append(f"{format_risk(ours, None)} / {format_risk(mean, None)} {mark}")
        rows.append([row.label, *cells])
    if not rows or not sizes:
        return None
    return markdown_table(["method (ours / poster)", *(str(n) for n in sizes)], rows)


def format_table(result: GMMResult) -> str:
    """The Markdown report: risk table, small-cluster misses, SkMM diagnostics."""
    records = summarise(result)
    config = result.config
    small = small_clusters(result)
    share = sum(result.cluster_sizes[j] for j in small) / sum(result.cluster_sizes)
    lines = [
        f"# GMM regression (paper's Table 1): L_D(theta_S), mean ± std over {config.seeds} seeds",
        "",
        f"N={config.n_samples}, r={config.n_features}, {config.n_clusters} clusters, "
        f"std_max={config.std_max}, data seed {config.data_seed}; cluster sizes "
        f"{list(result.cluster_sizes)}. Full-data ridge risk: **{result.full_data_risk:.4g}** "
        "(poster: 2.95e-3).",
        "",
        _risk_table(result, records).rstrip("\n"),
        "",
        f"Seeds whose coreset misses a small cluster (clusters {small}, fewer than N/(2K) "
        "points each):",
        "",
        _coverage_table(result, records).rstrip("\n"),
    ]
    poster = _poster_table(result, records)
    if poster is not None:
        lines += [
            "",
            "Ours beside the poster (means; ✓ within the poster's mean ± std, widened by its "
            "rounding, ✗ outside):",
            "",
            poster.rstrip("\n"),
        ]
    skmm = _skmm_table(records)
    if skmm is not None:
        lines += [
            "",
            f"SkMM weights s (means over seeds; small clusters hold {share:.4f} of the data):",
            "",
            skmm.rstrip("\n"),
        ]
    lines += [
        "",
        f"Wall time {result.seconds:.0f} s with {result.jobs} worker process(es); CPU time "
        f"{result.cpu_seconds:.0f} s over all processes.",
    ]
    return "\n".join(lines) + "\n"


def _csv_writer(rows: list[dict]) -> Callable[[str], None]:
    fields = list(dict.fromkeys(key for row in rows for key in row))

    def write(target: str) -> None:
        with open(target, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)

    return write


def _run_records(result: GMMResult) -> list[dict]:
    records = []
    for run in result.runs:
        record = {
            "label": run.label,
            "seed": "" if run.seed is None else run.seed,
            "n": run.n,
            "risk": run.risk,
            "alpha": run.alpha,
        }
        record.update({f"count_{j}": c for j, c in enumerate(run.cluster_counts)})
        if run.support is not None:
            record.update(
                support=run.support,
                degenerate=run.degenerate,
                certified_c_s=run.certified_c_s,
                objective=run.objective,
            )
            record.update({f"mass_{j}": m for j, m in enumerate(run.mass or ())})
        records.append(record)
    return records


def write_figure(result: GMMResult, path: Path, force: bool = False) -> Path:
    """Risk against n for every row (log-log, mean and a ±1 std band), as a PNG at ``path``.

    Uses matplotlib's object API (no pyplot), so a notebook's backend and figure list are
    left alone. Returns ``path``.
    """
    return atomic_write(path, _figure_writer(result), force)


def _figure_writer(result: GMMResult) -> Callable[[str], None]:
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    records = summarise(result)
    figure = Figure(figsize=(11, 6))
    axes = figure.subplots()
    colours = colormaps["tab20"].colors
    floor = 0.9 * result.full_data_risk  # a log axis cannot show mean - std below 0
    for i, row in enumerate(result.config.rows):
        mine = [r for r in records if r["label"] == row.label]
        sizes = np.array([r["n"] for r in mine])
        mean = np.array([r["mean"] for r in mine])
        std = np.array([r["std"] for r in mine])
        default = row.method == "skmm" and (row.solution, row.sampler) == ("vertex", "stratified")
        colour = "k" if default else colours[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20]
        axes.plot(
            sizes,
            mean,
            "-" if row.method == "skmm" else "--",
            color=colour,
            marker="o",
            markersize=4,
            linewidth=2.5 if default else 1.2,
            zorder=3 if default else 2,
            label=row.label,
        )
        if row.randomised:
            low = np.maximum(mean - std, floor)
            axes.fill_between(sizes, low, mean + std, color=colour, alpha=0.08, zorder=1)
    axes.axhline(result.full_data_risk, color="k", linestyle=":", label="full data")
    axes.set(xscale="log", yscale="log", xlabel="coreset size n", ylabel="risk L_D(theta_S)")
    axes.set_title(
        f"GMM regression (Table 1), mean ± 1 std over {result.config.seeds} seeds\n"
        "(bands clipped below at 0.9 x the full-data risk)",
        fontsize=10,
    )
    axes.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()

    def write(target: str) -> None:
        figure.savefig(target, format="png", dpi=120)

    return write


def check_outputs(out: Path, force: bool) -> None:
    """Check, before any work, that the outputs can be written into the folder ``out``.

    Raises :class:`OutputExistsError` if an output exists and ``force`` is off, and
    :class:`~skmm_convex.SkmmError` if ``out`` cannot hold them (not a folder, not writable).
    Nothing is created.
    """
    existing = [str(out / name) for name in OUTPUT_FILES if (out / name).exists()]
    if existing and not force:
        raise OutputExistsError(
            f"outputs exist ({', '.join(existing)}); pass --force to overwrite them"
        )
    for name in OUTPUT_FILES:
        check_output(out / name, force, create=True)


def write_outputs(result: GMMResult, out: Path, force: bool = False) -> list[Path]:
    """Write table.csv, table.md, figure.png and runs.csv (per-run records) into ``out``.

    All four appear or none does (a full disk or an interruption leaves none of them); the
    folder is created if needed.
    """
    check_outputs(out, force)
    text = format_table(result)
    writers = {
        out / "table.csv": _csv_writer(summarise(result)),
        out / "table.md": lambda target: Path(target).write_text(text),
        out / "figure.png": _figure_writer(result),
        out / "runs.csv": _csv_writer(_run_records(result)),
    }
    return write_files(writers, force, create=True)
