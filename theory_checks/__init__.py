"""theory_checks: the SkMM paper's checkable statements, turned into computations.

The paper: Dong, Phan, Pan, Lei, "Sketchy Moment Matching: Toward Fast and Provable Data
Selection for Finetuning", NeurIPS 2024, arXiv 2407.06120. Imports :mod:`skmm_convex`,
never the reverse. Each ``check_*`` function is pure: it takes a problem instance
(``skmm_convex.make_gmm`` data, an :class:`Instance`, or any matrix G) and options (sizes,
draws, ``bound_scale``, ``rng``) and returns a frozen :class:`CheckResult` whose ``verdict``
says what held. What each check does and does not show is on the documentation's "Theory
checks" page (``docs/theory.md``); run them all with ``python -m theory_checks [--quick]``
or ``skmm-convex theory``, and their negative controls with ``--negative-controls``.
"""

from .bias import check_isotropic_bias_floor
from .controls import Control, control_factor, run_control, run_controls
from .exploration import check_low_intrinsic_dimension
from .instances import Instance, adversarial_d, gmm_a, gmm_b, gmm_instance, isotropic, lowdim_c
from .intrinsic import intrinsic_dimension
from .range_finder import check_range_finder, check_sketch_subspace_identity
from .registry import CHECKS, IDENTITIES, run_all, run_check
from .relaxation import check_diagonal_relaxation
from .result import VERDICTS, CheckResult
from .ridge import CoresetRidge, monte_carlo_ridge_risk
from .sampling import check_uniform_sample_complexity
from .sketching import check_sketched_corollary, check_sketching
from .structural import check_coreset_moment_floor
from .tradeoff import check_variance_bias, check_variance_bias_general_subspace
from .variance import check_lowdim_cs_bound, check_lowdim_variance

__all__ = [
    "CHECKS",
    "IDENTITIES",
    "VERDICTS",
    "CheckResult",
    "Control",
    "CoresetRidge",
    "Instance",
    "adversarial_d",
    "check_coreset_moment_floor",
    "check_diagonal_relaxation",
    "check_isotropic_bias_floor",
    "check_low_intrinsic_dimension",
    "check_lowdim_cs_bound",
    "check_lowdim_variance",
    "check_range_finder",
    "check_sketch_subspace_identity",
    "check_sketched_corollary",
    "check_sketching",
    "check_uniform_sample_complexity",
    "check_variance_bias",
    "check_variance_bias_general_subspace",
    "control_factor",
    "gmm_a",
    "gmm_b",
    "gmm_instance",
    "intrinsic_dimension",
    "isotropic",
    "lowdim_c",
    "monte_carlo_ridge_risk",
    "run_all",
    "run_check",
    "run_control",
    "run_controls",
]
