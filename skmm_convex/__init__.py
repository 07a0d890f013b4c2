"""skmm_convex: Sketchy Moment Matching data selection, solved exactly as a convex program.

The public names load on first use (PEP 562), so that ``import skmm_convex`` itself is cheap: the
command line's entry point (:mod:`skmm_convex.entry`) installs its signal handling before numpy,
SciPy and CVXPY start loading.

>>> import skmm_convex as skmm
>>> data = skmm.make_gmm(n_samples=200, n_features=240, n_clusters=4, rng=0)
>>> sel = skmm.select(data.features, 16, rng=0, sketch_dim=16)
>>> sel.indices.shape
(16,)
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("skmm-convex")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "METHODS",
    "TABLE1_GMM",
    "CertifiableConstant",
    "DegenerateProblemWarning",
    "GMMData",
    "InaccurateSolutionWarning",
    "InfeasibleProblemError",
    "MomentMatching",
    "MomentMatchingSolution",
    "Selection",
    "SketchedMoments",
    "SkmmError",
    "SolverError",
    "SolverNotInstalledError",
    "ValidationError",
    "certified_c_s",
    "compute_moments",
    "make_gmm",
    "make_table1_gmm",
    "sample_indices",
    "select",
    "sketch_features",
    "smallest_certifiable_c_s",
    "solve_moment_matching",
    "__version__",
]

# where each public name lives (module relative to this package)
_HOMES = {
    "certified_c_s": ".certificates.loewner",
    "TABLE1_GMM": ".datasets",
    "GMMData": ".datasets",
    "make_gmm": ".datasets",
    "make_table1_gmm": ".datasets",
    "DegenerateProblemWarning": ".errors",
    "InaccurateSolutionWarning": ".errors",
    "InfeasibleProblemError": ".errors",
    "SkmmError": ".errors",
    "SolverError": ".errors",
    "SolverNotInstalledError": ".errors",
    "ValidationError": ".errors",
    "MomentMatching": ".moment_matching",
    "solve_moment_matching": ".moment_matching",
    "SketchedMoments": ".moments",
    "compute_moments": ".moments",
    "CertifiableConstant": ".results",
    "MomentMatchingSolution": ".results",
    "Selection": ".results",
    "sample_indices": ".sampling",
    "METHODS": ".selection",
    "select": ".selection",
    "sketch_features": ".sketch",
    "smallest_certifiable_c_s": ".smallest_c_s",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
