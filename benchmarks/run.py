"""Run the benchmarks and write ``benchmarks/results/*.md`` and ``scaling.png``.

``python -m benchmarks [--quick] [--only table1 select scaling sweeps sketch costs]
[--authors-steps K]``
"""

from __future__ import annotations

import argparse
import json
import sys

from . import scaling as scaling_bench
from . import sketching, solver_costs, table1
from .common import RESULTS, write_result

SECTIONS = ("table1", "select", "scaling", "sweeps", "sketch", "costs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument(
        "--authors-steps",
        type=int,
        default=None,
        help="steps of the O(N m^2) Adam actually run (time scaled to 10,000); "
        "default 10,000, or 500 with --quick",
    )
    parser.add_argument("--tmpdir", default=None, help="where the out-of-core files go")
    args = parser.parse_args(argv)
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    if args.authors_steps is not None:
        command += f" --authors-steps {args.authors_steps}"
    raw = {}
    if "table1" in args.only:
        steps = args.authors_steps or (500 if args.quick else 10_000)
        body, raw["table1"] = table1.run(args.quick, steps)
        write_result(
            "table1", "Table-1 instance: exact SkMM against the paper's Adam", body, command
        )
    if "select" in args.only:
        big = scaling_bench.end_to_end(
            args.tmpdir, (20_000, 100_000) if args.quick else (100_000, 1_000_000)
        )
        raw["select"] = big
        write_result(
            "select",
            "Selection end to end at large N",
            scaling_bench.end_to_end_markdown(big),
            command,
        )
    if "scaling" in args.only:
        records = scaling_bench.scaling(args.quick)
        raw["scaling"] = records
        write_result("scaling", "Scaling in N and m", scaling_bench.markdown(records), command)
        _figure(records)
    if "sweeps" in args.only:
        sweeps = scaling_bench.sweeps(args.quick)
        raw["sweeps"] = sweeps
        write_result(
            "sweeps",
            "Re-solving a sweep of budgets",
            scaling_bench.sweeps_markdown(sweeps),
            command,
        )
    if "sketch" in args.only:
        body, raw["sketch"] = sketching.run(args.quick, args.tmpdir)
        write_result(
            "sketch", "Sketching: G -> G Gamma against the matrix-product floor", body, command
        )
    if "costs" in args.only:
        body, raw["costs"] = solver_costs.run()
        write_result("costs", "Where an exact solve spends its time", body, command)
    name = "_".join(sorted(raw)) + ("_quick" if args.quick else "")
    (RESULTS / f"raw_{name}.json").write_text(
        json.dumps(raw, indent=1, default=str), encoding="utf-8"
    )
    print(f"results in {RESULTS}", file=sys.stderr)
    return 0


def _figure(records) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for strategy, style in (("full", "--"), ("working-set", "-")):
        for m, colour in zip((16, 64, 128), ("C0", "C1", "C2"), strict=True):
            points = sorted(
                (r["N"], r["solve_s"] + r["compile_s"])
                for r in records
                if r.get("strategy") == strategy and r.get("m") == m and "solve_s" in r
            )
            if points:
                xs, ys = zip(*points, strict=True)
                ax.loglog(xs, ys, style, marker="o", color=colour, label=f"{strategy}, m={m}")
    ax.set_xlabel("N (points)")
    ax.set_ylabel("compile + solve time (s)")
    ax.set_title("Exact moment matching, c_S = 0.9, n = 120 (vertex mode)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "scaling.png", dpi=120)
    plt.close(fig)
