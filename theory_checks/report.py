"""Terminal and Markdown tables, the summary of verdicts, and one figure per statement."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from skmm_convex import TABLE1_GMM, make_gmm
from skmm_convex._io import atomic_write
from skmm_convex._tables import markdown_table

from .intrinsic import intrinsic_dimension
from .linalg import spectrum_of
from .result import VERDICTS, CheckResult

__all__ = [
    "format_details",
    "format_markdown",
    "format_monte_carlo",
    "format_summary",
    "format_table",
    "intrinsic_dimension_summary",
    "plot_result",
]

_HEADER = ("check", "kind", "source", "sense", "bound", "empirical", "ratio", "constant")


def _num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return f"{x:.4g}"


def _constant(res: CheckResult) -> str:
    if res.constant is None:
        return "-"
    return f"{res.constant:.3g} (tol {res.constant_tolerance:g})"


def _row(res: CheckResult) -> tuple[str, ...]:
    emp = _num(res.empirical) + (f" +- {res.uncertainty:.2g}" if res.uncertainty else "")
    return (
        res.key,
        res.kind,
        res.status,
        res.sense,
        _num(res.bound),
        emp,
        _num(res.ratio),
        _constant(res),
    )


def format_table(results: list[CheckResult], seconds: list[float] | None = None) -> str:
    """Plain-text table: check, kind, source, bound, empirical (+- SE), ratio, constant
    (with its tolerance), verdict and what the verdict alone does not say."""
    header = _HEADER + ("verdict", "note")
    lines = [_row(res) + (res.verdict, res.note) for res in results]
    if seconds is not None:
        header = header + ("time",)
        lines = [row + (f"{sec:.1f}s",) for row, sec in zip(lines, seconds, strict=True)]
    widths = [max(len(str(r[j])) for r in [header, *lines]) for j in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*row).rstrip() for row in lines]
    out.append("")
    out += [f"{res.key:<11} {res.statement}" for res in results]
    return "\n".join(out)


def _markdown_cell(value) -> str:
    """A table cell: norms ``||x||`` would end the cell, so their bars are escaped."""
    return str(value).replace("|", "\\|")


def format_markdown(results: list[CheckResult]) -> str:
    """The same table as GitHub Markdown (for the docs), plus the allowance of each check."""
    rows = [
        _row(res) + (f"**{res.verdict}**" + (f" ({res.note})" if res.note else ""),)
        for res in results
    ]
    table = markdown_table(_HEADER + ("verdict",), rows, cell=_markdown_cell)
    allowances = markdown_table(
        ("check", "statement", "allowance"),
        [(res.key, res.statement, res.allowance) for res in results],
        cell=_markdown_cell,
    )
    return table + "\n" + allowances


def format_monte_carlo(results: list[CheckResult]) -> str:
    """One line per Monte Carlo check: draws, allowance, chance of a false alarm."""
    lines = ["Monte Carlo checks (draws per configuration; false alarm: union bound):"]
    for res in results:
        if res.kind == "monte-carlo":
            alarm = "-" if res.false_alarm is None else f"{res.false_alarm:.2g}"
            lines.append(
                f"  {res.key:<4} {res.draws} draws, false alarm <= {alarm}; {res.allowance}"
            )
    return "\n".join(lines) if len(lines) > 1 else ""


def format_summary(results: list[CheckResult], errors: int = 0) -> str:
    """Counts per verdict: holds, holds with a constant, identities, designed failures,
    failures and not applicable, each on its own."""
    counts = Counter(res.verdict for res in results)
    parts = [f"{counts[v]} {v}" for v in VERDICTS if counts[v]]
    if errors:
        parts.append(f"{errors} crashed")
    return f"{len(results) + errors} checks: " + ", ".join(parts)


def _compact(value, depth: int = 0) -> str | None:
    """A short text form of a detail value; None for arrays and long lists (plotted instead)."""
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    if isinstance(value, bool | int | np.integer | str) or value is None:
        return str(value)
    if isinstance(value, dict) and depth < 2:
        parts = [f"{k}={_compact(v, depth + 1)}" for k, v in value.items()]
        return "{" + ", ".join(parts) + "}" if None not in parts else None
    if isinstance(value, list | tuple) and len(value) <= 16 and depth < 2:
        parts = [_compact(v, depth + 1) for v in value]
        return "[" + ", ".join(parts) + "]" if None not in parts else None
    return None


def format_details(results: list[CheckResult]) -> str:
    """The scalar details of every check (arrays go to the figures), one block per check."""
    out = []
    for res in results:
        out.append(f"{res.key} ({res.allowance}):")
        for name, value in res.details.items():
            text = _compact(value)
            if text is not None and name != "ratio_label":
                out.append(f"    {name}: {text}")
    return "\n".join(out)


def intrinsic_dimension_summary(seed: int = 0, quick: bool = False) -> str:
    """r_bar against the number of clusters on the Table-1 GMM at several noise levels.

    Full mode uses the Table-1 sizes (``skmm_convex.TABLE1_GMM``, whose own ``std_max`` is
    0.04); quick mode a smaller N and r.
    """
    config = dict(TABLE1_GMM, rng=seed)
    if quick:
        config.update(n_samples=1200, n_features=800)
    n_samples, n_features, clusters = (
        config["n_samples"],
        config["n_features"],
        config["n_clusters"],
    )
    lines = [
        f"intrinsic dimension r_bar vs clusters (N={n_samples}, r={n_features}, "
        f"{clusters} clusters):"
    ]
    for std_max in (0.01, 0.02, 0.04, 0.1):
        data = make_gmm(**dict(config, std_max=std_max))
        rbar = intrinsic_dimension(spectrum_of(data.features).eigenvalues, n_samples)
        lines.append(f"  std_max={std_max:<5g} r_bar={rbar:<5d} clusters={clusters}")
    return "\n".join(lines)


def plot_result(result: CheckResult, folder: str | Path, force: bool = False) -> Path:
    """Write ``<folder>/<key>.png``: the empirical/bound ratio of every configuration.

    Written atomically; an existing file is replaced only with ``force``. Uses the object API
    (no pyplot), so a notebook's backend and figure list are left alone.
    """
    ratios = np.asarray(result.details.get("ratios", [result.ratio]), dtype=float)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.subplots()
    positive = ratios[np.isfinite(ratios) & (ratios > 0)]
    ax.plot(np.arange(ratios.size), ratios, "o", ms=3, alpha=0.7)
    if positive.size and positive.max() / positive.min() > 100:
        ax.set_yscale("log")
    ax.axhline(1.0, color="k", lw=1, ls="--", label="bound (ratio 1)")
    ax.set_xlabel("configuration")
    ax.set_ylabel(result.details.get("ratio_label", "empirical / bound"))
    ax.set_title(f"{result.key} [{result.kind}, {result.status}]: {result.verdict}", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    path = Path(folder) / f"{result.key}.png"

    def write(temporary: str) -> None:
        fig.savefig(temporary, format="png", dpi=110)

    return atomic_write(path, write, force)
