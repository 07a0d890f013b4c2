"""Terminal table and one figure per statement."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from skmm_convex._io import atomic_write

from .intrinsic import intrinsic_dimension
from .result import CheckResult

__all__ = ["format_details", "format_table", "plot_result", "intrinsic_dimension_summary"]


def _num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return f"{x:.4g}"


def format_table(results: list[CheckResult], seconds: list[float] | None = None) -> str:
    """Plain-text table: statement, status, bound, empirical (+- SE), ratio, verdict."""
    header = ("check", "status", "sense", "bound", "empirical", "ratio", "const", "verdict")
    lines = []
    for i, res in enumerate(results):
        emp = _num(res.empirical) + (f" +- {res.uncertainty:.2g}" if res.uncertainty else "")
        row = (
            res.key,
            res.status,
            res.sense,
            _num(res.bound),
            emp,
            _num(res.ratio),
            _num(res.constant),
            res.verdict,
        )
        if seconds is not None:
            row = row + (f"{seconds[i]:.1f}s",)
        lines.append(row)
    if seconds is not None:
        header = header + ("time",)
    widths = [max(len(str(r[j])) for r in [header, *lines]) for j in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*row) for row in lines]
    out.append("")
    out += [f"{res.key:<11} {res.statement}" for res in results]
    return "\n".join(out)


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
    """r_bar against the number of clusters on GMM data of several noise levels."""
    from skmm_convex import make_gmm

    from .linalg import spectrum_of

    sizes = (1200, 800) if quick else (2000, 2400)
    lines = [f"intrinsic dimension r_bar vs clusters (N={sizes[0]}, r={sizes[1]}, 8 clusters):"]
    for std_max in (0.01, 0.02, 0.04, 0.1):
        data = make_gmm(*sizes, 8, std_max=std_max, rng=seed)
        rbar = intrinsic_dimension(spectrum_of(data.features).eigenvalues, sizes[0])
        lines.append(f"  std_max={std_max:<5g} r_bar={rbar:<5d} clusters=8")
    return "\n".join(lines)


def plot_result(result: CheckResult, folder: str | Path, force: bool = False) -> Path:
    """Write ``<folder>/<key>.png``: the empirical/bound ratio of every configuration.

    Written atomically; an existing file is replaced only with ``force``.
    """
    # The object API: no pyplot, so a notebook's backend and figure list are left alone.
    from matplotlib.figure import Figure

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
    ax.set_title(f"{result.key} [{result.status}]: {result.verdict}", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    path = Path(folder) / f"{result.key}.png"

    def write(temporary: str) -> None:
        fig.savefig(temporary, format="png", dpi=110)

    return atomic_write(path, write, force)
