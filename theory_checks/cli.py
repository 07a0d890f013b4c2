"""``python -m theory_checks [--quick] [--seed S] [--only KEYS] [--negative-controls] ...``.

Exit code 0 when every statement expected to hold holds (with constant 1, or with a constant
within its tolerance), every identity holds and the designed counterexample fails; 1 when any
check fails, is not applicable, crashes, or a control is not caught; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from threadpoolctl import threadpool_limits
from tqdm import tqdm

from skmm_convex.errors import SkmmError

from .controls import format_controls, run_controls
from .registry import CHECKS, run_check
from .report import (
    format_details,
    format_markdown,
    format_monte_carlo,
    format_summary,
    format_table,
    intrinsic_dimension_summary,
    plot_result,
)

__all__ = ["main"]


def _build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Check the SkMM paper's statements numerically (arXiv 2407.06120; "
        "statements F0, S1-S11, see docs/theory.md).",
    )
    parser.add_argument("--quick", action="store_true", help="small instances, few draws")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    parser.add_argument("--plot", metavar="DIR", help="write one figure per statement to DIR")
    parser.add_argument("--force", action="store_true", help="overwrite existing figures")
    parser.add_argument(
        "--only", metavar="KEYS", help=f"comma-separated subset of {','.join(CHECKS)}"
    )
    parser.add_argument(
        "--details", action="store_true", help="also print each check's scalar details"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the table as Markdown (for the docs)"
    )
    parser.add_argument(
        "--negative-controls",
        action="store_true",
        help="run every non-identity check against a bound scaled so that the data violate "
        "it; exit 0 only if every control is caught",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar or per-check lines on stderr"
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads (default 1: OpenBLAS eigensolvers slow down badly when "
        "threads are oversubscribed on a shared machine)",
    )
    return parser


def _progress(quiet: bool, desc: str):
    """A tqdm wrapper on stderr, off with ``--quiet`` or when stderr is not a terminal."""
    disable = quiet or not sys.stderr.isatty()
    return lambda items: tqdm(items, desc=desc, file=sys.stderr, disable=disable, leave=False)


def _controls(args, keys) -> int:
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        controls = run_controls(keys, args.quick, args.seed, _progress(args.quiet, "controls"))
    mode = "quick" if args.quick else "full"
    print(f"negative controls ({mode} mode, seed {args.seed}):")
    print(format_controls(controls))
    return 0 if all(control.caught for control in controls) else 1


def main(argv: Sequence[str] | None = None, prog: str = "python -m theory_checks") -> int:
    """Run the checks (or their negative controls), print the table, return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default ``sys.argv[1:]``).
    prog : str
        The command's name in usage and error messages.
    """
    parser = _build_parser(prog)
    args = parser.parse_args(argv)
    keys = list(CHECKS) if args.only is None else [k.strip() for k in args.only.split(",")]
    unknown = [k for k in keys if k not in CHECKS]
    if unknown:
        parser.error(f"unknown check(s) {unknown}; known: {', '.join(CHECKS)}")
    if args.blas_threads < 1:
        parser.error(f"--blas-threads must be >= 1, got {args.blas_threads}")
    if args.seed < 0:
        parser.error(f"--seed must be non-negative, got {args.seed}")
    if args.plot is not None and not Path(args.plot).is_dir():
        parser.error(f"--plot folder {args.plot!r} does not exist")
    if args.plot is not None and not args.force and not args.negative_controls:
        existing = [f"{key}.png" for key in keys if (Path(args.plot) / f"{key}.png").exists()]
        if existing:  # found before the checks run, not after
            print(
                f"{parser.prog}: error: figures exist in {args.plot!r} ({', '.join(existing)}); "
                "pass --force to overwrite them",
                file=sys.stderr,
            )
            return 1
    if args.negative_controls:
        return _controls(args, keys)

    start = time.perf_counter()
    results, seconds, errors = [], [], []
    log = not args.quiet
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        for key in _progress(args.quiet, "theory checks")(keys):
            tic = time.perf_counter()
            try:
                results.append(run_check(key, args.quick, args.seed))
            except Exception as exc:  # a crashing check is reported, and the others still run
                errors.append(f"{key}: {type(exc).__name__}: {exc}")
                if log:
                    tqdm.write(f"  {key}: ERROR {exc}", file=sys.stderr)
                continue
            seconds.append(time.perf_counter() - tic)
            if log:
                tqdm.write(f"  {key}: {results[-1].verdict} ({seconds[-1]:.1f} s)", file=sys.stderr)
        # r_bar against the number of clusters: printed with the full set of checks only
        summary = intrinsic_dimension_summary(args.seed, args.quick) if args.only is None else ""

    mode = "quick" if args.quick else "full"
    print(f"theory checks ({mode} mode, seed {args.seed}):")
    print(format_markdown(results) if args.markdown else format_table(results, seconds))
    monte_carlo = format_monte_carlo(results)
    if monte_carlo:
        print()
        print(monte_carlo)
    if args.details:
        print()
        print(format_details(results))
    if summary:
        print()
        print(summary)
    if args.plot is not None:
        try:
            for res in results:
                print(f"wrote {plot_result(res, args.plot, force=args.force)}")
        except (SkmmError, OSError) as exc:
            print(f"theory_checks: error: {exc}", file=sys.stderr)
            return 1
    failed = [res.key for res in results if not res.as_expected] + [
        error.split(":")[0] for error in errors
    ]
    for error in errors:
        print(f"ERROR in check {error}")
    print(
        f"\n{format_summary(results, len(errors))}; wall time {time.perf_counter() - start:.1f} s"
    )
    if failed:
        print(f"FAILING: {', '.join(failed)}")
        return 1
    return 0
