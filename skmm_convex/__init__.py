"""skmm_convex: Sketchy Moment Matching data selection, solved exactly as a convex program.

>>> import skmm_convex as skmm
>>> data = skmm.make_gmm(n_samples=200, n_features=240, n_clusters=4, rng=0)
>>> sel = skmm.select(data.features, 16, rng=0, sketch_dim=16)
>>> sel.indices.shape
(16,)
"""

from importlib.metadata import PackageNotFoundError, version

from .certificates.loewner import certified_c_s
from .datasets import TABLE1_GMM, GMMData, make_gmm, make_table1_gmm
from .errors import (
    DegenerateProblemWarning,
    InaccurateSolutionWarning,
    InfeasibleProblemError,
    SkmmError,
    SolverError,
    SolverNotInstalledError,
    ValidationError,
)
from .moment_matching import MomentMatching, solve_moment_matching
from .moments import SketchedMoments, compute_moments
from .results import CertifiableConstant, MomentMatchingSolution, Selection
from .sampling import sample_indices
from .selection import METHODS, select
from .sketch import sketch_features
from .smallest_c_s import smallest_certifiable_c_s

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
