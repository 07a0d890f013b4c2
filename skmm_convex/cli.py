"""The ``skmm-convex`` command line: thin wrappers around the public API.

Exit codes follow Unix tools: 0 success, 1 runtime error (unreadable input, solver failure,
existing output), 2 usage error (bad arguments or argument values, including an uninstalled
solver name), 130 on Ctrl-C, 128 + N when signal N (SIGTERM: 143) stops it. Every error is
one line on stderr, ``skmm-convex: error: ...``; no traceback. The ``skmm-convex`` script enters
through :mod:`skmm_convex.entry`, which installs the signal handling before this module's
imports run.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

import numpy as np

from . import __version__
from ._io import check_output, load_array, save_npz
from .datasets import TABLE1_GMM, make_table1_gmm
from .errors import SkmmError, SolverNotInstalledError, ValidationError
from .experiments import EXPERIMENTS, load_experiment
from .moment_matching import FORMULATIONS, SOLUTION_MODES, STRATEGIES
from .results import Selection
from .sampling import SKMM_SAMPLERS
from .selection import BUDGET_SPLITS, METHODS, select, select_per_class
from .sketch import SKETCH_KINDS, SKETCH_PRECISIONS

__all__ = ["main", "theory_command"]

PROG = "skmm-convex"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (exit code 2), not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _sketch_dim(text: str) -> int | str | None:
    if text in ("auto", "none"):
        return None if text == "none" else "auto"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an int, 'auto' or 'none', got {text!r}"
        ) from None


def _add_select(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "select",
        help="select n rows of a feature matrix",
        description="Select n of the N rows of FEATURES (.npy, memory-mapped, or .npz) and "
        "write their indices and weights to OUT (.npz). With --demo, select from the built-in "
        "GMM data (the paper's Table-1 instance) and print a summary instead.",
    )
    parser.add_argument("features", nargs="?", help="N x r matrix, .npy or .npz")
    parser.add_argument("--n", type=int, required=True, help="coreset size")
    parser.add_argument("--out", help="output .npz (indices, weights, info)")
    parser.add_argument("--demo", action="store_true", help="use the built-in GMM data")
    parser.add_argument("--method", default="skmm", choices=tuple(METHODS))
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--sketch-dim", type=_sketch_dim, default="auto", help="m, 'auto' or 'none'"
    )
    parser.add_argument("--sketch", default="gaussian", choices=SKETCH_KINDS)
    parser.add_argument(
        "--sketch-precision",
        default="float64",
        choices=SKETCH_PRECISIONS,
        help="arithmetic of the sketch products (float32: faster, unsafe for columns of "
        "very different scales; default float64)",
    )
    parser.add_argument("--c-s", type=float, default=0.999, help="moment constant c_S")
    parser.add_argument(
        "--solver",
        default="CLARABEL",
        help="CVXPY solver name (default CLARABEL; PIQP is about twice as fast)",
    )
    parser.add_argument(
        "--strategy",
        default="auto",
        choices=STRATEGIES,
        help="solve the QP over all N points or by exact working sets (default auto: working "
        "sets from 20,000 points)",
    )
    parser.add_argument(
        "--formulation", default="diagonal", choices=FORMULATIONS, help="diagonal QP or full PSD"
    )
    parser.add_argument(
        "--solution",
        default=None,
        choices=SOLUTION_MODES,
        help="optimal point to sample from (default: vertex for diagonal, interior for psd)",
    )
    parser.add_argument("--sampler", default="stratified", choices=SKMM_SAMPLERS)
    parser.add_argument("--key", help="array name inside an .npz input")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.add_argument("--labels", help="N labels (.npy/.npz), for --balanced")
    parser.add_argument(
        "--balanced",
        choices=BUDGET_SPLITS,
        help="class-balanced selection: run the method inside each class (needs --labels)",
    )
    parser.set_defaults(run=_run_select)


def _skmm_options(args: argparse.Namespace) -> dict:
    if args.method != "skmm":
        return {}
    return {
        "sketch_dim": args.sketch_dim,
        "sketch": args.sketch,
        "sketch_precision": args.sketch_precision,
        "c_s": args.c_s,
        "solver": args.solver,
        "strategy": args.strategy,
        "formulation": args.formulation,
        "solution": args.solution,
        "sampler": args.sampler,
    }


def _run_select(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.demo == (args.features is not None):
        parser.error("give exactly one of FEATURES or --demo")
    if not args.demo and args.out is None:
        parser.error("--out is required unless --demo is given")
    if args.out is not None:
        check_output(args.out, force=args.force)  # fail before the work, not after it
    data = make_table1_gmm() if args.demo else None
    features = data.features if data is not None else load_array(args.features, args.key)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.balanced is None:
            selection = select(features, args.n, args.method, rng=args.seed, **_skmm_options(args))
        else:
            if args.labels is None and data is None:
                parser.error("--balanced needs --labels")
            labels = data.cluster_ids if args.labels is None else load_array(args.labels)
            selection = _select_balanced(args, features, labels)
    for warning in caught:
        print(f"{PROG}: note: {warning.message}", file=sys.stderr)
    solution = selection.solution if selection.method == "skmm" else None  # a QP/SDP solution
    info = {"method": selection.method, "n": args.n, "seed": args.seed, "version": __version__}
    if selection.method == "v-optimal":  # its certified tr(M^-1) (VOptimalSolution)
        design = selection.solution
        info.update(objective=design.objective, frank_wolfe_gap=design.frank_wolfe_gap)
    if args.balanced is not None:
        info["balanced"] = args.balanced
    if solution is not None:
        info.update(
            status=solution.status,
            solver=solution.solver,
            objective=solution.objective,
            degenerate=solution.degenerate,
            certified_c_s=solution.certified_c_s,
            certified_c_s_loewner=solution.certified_c_s_loewner,
            solution_mode=solution.solution_mode,
            sampler=selection.sampler,
            sketch_precision=args.sketch_precision,
            strategy=args.strategy,
        )
    if data is not None:
        counts = np.bincount(data.cluster_ids[selection.indices], minlength=len(data.centers))
        print(
            f"GMM demo (N={TABLE1_GMM['n_samples']}, r={TABLE1_GMM['n_features']}, "
            f"{TABLE1_GMM['n_clusters']} clusters, std_max={TABLE1_GMM['std_max']}, "
            f"data seed {TABLE1_GMM['rng']}), n={args.n}"
        )
        print(f"cluster sizes : {data.cluster_sizes.tolist()}")
        print(f"coreset counts: {counts.tolist()}")
    if solution is not None:
        program = "SDP" if solution.formulation == "psd" else "QP"
        if solution.solver == "HIGHS" and solution.degenerate and program == "QP":
            program = "degeneracy LP (optimum 0, no QP needed):"
        print(
            f"{program} status {solution.status} ({solution.solver}, "
            f"{solution.iterations} iterations, "
            f"{solution.solve_seconds:.2f} s); objective {solution.objective:.3e}; "
            f"degenerate {solution.degenerate}"
        )
        print(
            f"certified c_S: diagonal {solution.certified_c_s:.4g}, "
            f"Loewner {solution.certified_c_s_loewner:.4g} (requested {args.c_s:g}); "
            f"{solution.solution_mode} solution with {solution.support_size} nonzero weights"
        )
    if args.out is not None:
        arrays = {
            "indices": selection.indices,
            "weights": selection.weights if selection.weights is not None else np.empty(0),
            "info": np.array(json.dumps(info)),
        }
        save_npz(args.out, arrays, force=args.force)
        print(f"wrote {args.out}")
    return 0


def _select_balanced(args: argparse.Namespace, features, labels) -> Selection:
    return select_per_class(
        features,
        np.asarray(labels).ravel(),
        args.n,
        args.method,
        split=args.balanced,
        rng=args.seed,
        **_skmm_options(args),
    )


def _add_reproduce(commands: argparse._SubParsersAction) -> None:
    """``skmm-convex reproduce NAME ARGS``; NAME's module is imported only when it runs."""
    parser = commands.add_parser(
        "reproduce", help="run one of the paper's experiments", description="Run an experiment."
    )
    experiments = parser.add_subparsers(dest="experiment", required=True, metavar="EXPERIMENT")
    for name, (_, description) in EXPERIMENTS.items():
        sub = experiments.add_parser(
            name,
            help=description,
            add_help=False,
            prefix_chars="+",  # every argument, --help included, goes to the experiment's parser
        )
        sub.add_argument("experiment_args", nargs=argparse.REMAINDER)
        sub.set_defaults(run=_run_experiment)


def _run_experiment(args: argparse.Namespace, _parser: argparse.ArgumentParser) -> int:
    """Import the experiment, parse its own options (usage errors exit 2), and run it."""
    module = load_experiment(args.experiment)
    description = EXPERIMENTS[args.experiment][1]
    parser = _Parser(prog=f"{PROG} reproduce {args.experiment}", description=description)
    module.add_arguments(parser)
    return module.run_from_args(parser.parse_args(args.experiment_args))


# The child of ``skmm-convex theory``: nothing from the working directory on sys.path (-P, or
# the -c entry removed on Python 3.10), and a Ctrl-C that the parent reports, not a traceback.
_THEORY = """import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
try:
    from importlib import import_module
    main = import_module("theory_checks.cli").main
    sys.exit(main(sys.argv[1:], prog="skmm-convex theory"))
except KeyboardInterrupt:
    sys.exit(130)
"""


def theory_command(args: Sequence[str]) -> list[str]:
    """The command that ``skmm-convex theory ARGS`` runs: ``theory_checks`` in a new Python.

    The installed ``theory_checks`` runs, never a ``theory_checks/`` folder or a module (a
    ``numpy.py``) of the working directory, which ``python -m`` would put first on
    ``sys.path``.
    """
    safe_path = ["-P"] if sys.version_info >= (3, 11) else []
    return [sys.executable, *safe_path, "-c", _THEORY, *args]


def _run_theory(args: argparse.Namespace, _parser: argparse.ArgumentParser) -> int:
    """Run the checks in a child process; its exit code, and signals passed on to it."""
    import subprocess

    with subprocess.Popen(theory_command(args.theory_args)) as child:
        try:
            return child.wait()
        except KeyboardInterrupt:  # the child got the same Ctrl-C from the terminal, or not
            try:
                child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGINT)
                child.wait()
            raise
        except BaseException:  # SIGTERM or SIGHUP to this process: pass it on
            child.terminate()
            child.wait()
            raise


def _add_theory(commands: argparse._SubParsersAction) -> None:
    """``skmm-convex theory ARGS``: the installed ``theory_checks`` with ARGS, in a subprocess."""
    parser = commands.add_parser(
        "theory",
        help="check the paper's bounds numerically (python -m theory_checks)",
        description="Runs the installed theory_checks with the same arguments as `python -m "
        "theory_checks` (--quick, --seed S, --plot DIR, ...; see `python -m theory_checks "
        "--help`) and returns its exit code.",
        add_help=False,
        prefix_chars="+",  # so that every argument, --help included, is passed through
    )
    parser.add_argument("theory_args", nargs=argparse.REMAINDER)
    parser.set_defaults(run=_run_theory)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, description="Sketchy Moment Matching data selection, solved exactly."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_select(commands)
    _add_theory(commands)
    if EXPERIMENTS:
        _add_reproduce(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (2), --help or --version (0)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.run(args, parser)
    except SystemExit as exc:  # parser.error() raised while running
        return exc.code if isinstance(exc.code, int) else 2
    except (ValidationError, SolverNotInstalledError) as exc:
        _error(str(exc))
        return 2
    except (SkmmError, OSError) as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:  # a bug: still one line, never a traceback
        _error(f"unexpected {type(exc).__name__}: {exc} (please report this)")
        return 1


def _error(message: str) -> None:
    """Print ``skmm-convex: error: MESSAGE`` as a single line on stderr."""
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
