"""``skmm-convex reproduce gmm``: the command-line options and the run that prints Table 1."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from .config import PROTOCOLS, QUICK_SIZES, GMMConfig, protocol_config, quick_config
from .report import check_outputs, format_table, write_outputs
from .run import run_gmm

__all__ = ["add_arguments", "run_from_args"]


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints, got {text!r}") from None
    if not sizes or sizes[0] < 4:
        raise argparse.ArgumentTypeError(f"every n must be an int >= 4, got {text!r}")
    return sizes


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``skmm-convex reproduce gmm`` to ``parser``."""
    parser.add_argument(
        "--quick", action="store_true", help=f"n in {set(QUICK_SIZES)} and 2 seeds (CI)"
    )
    parser.add_argument("--out", default="results/gmm", help="output folder (results/gmm)")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument(
        "--seeds", type=_positive, default=None, help="seeds 0..K-1 per randomised method (8)"
    )
    parser.add_argument("--sizes", type=_sizes, default=None, help="comma-separated n values")
    parser.add_argument(
        "--protocol",
        choices=tuple(PROTOCOLS),
        default="authors",
        help="rows: the authors' seeding and parameters (default) or the package's own",
    )
    parser.add_argument(
        "--jobs", type=_positive, default=2, help="worker processes (default 2, one per core)"
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Run from parsed command-line arguments; write the outputs; print the table.

    Returns
    -------
    int
        The exit code, 0.
    """
    config = protocol_config(args.protocol, quick_config() if args.quick else GMMConfig())
    if args.seeds is not None:
        config = replace(config, seeds=args.seeds)
    if args.sizes is not None:
        config = replace(config, sizes=args.sizes)
    out = Path(args.out)
    check_outputs(out, args.force)  # fail before the work, not after it
    result = run_gmm(config, jobs=args.jobs, progress=True)
    paths = write_outputs(result, out, force=args.force)
    print(format_table(result))
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0
