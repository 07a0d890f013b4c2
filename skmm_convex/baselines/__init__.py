"""The paper's baselines, as the authors implemented them (experiments.md, section 2.1).

Every baseline is a function ``(features, n, *, rng=None, **options) -> Selection``
registered in :data:`skmm_convex.selection.METHODS`; deterministic ones still accept (and
validate) ``rng``. Index order follows the authors' code, because the evaluation protocol's
unshuffled 2-fold split sees the coreset in the order given: draw order for the sampled
methods (uniform, leverage), pivot order for adaptive sampling, sorted for the two methods
adapted from DeepCore (herding, k-center), which return a boolean mask; selection order
for SkMMv2 (seeds first).
"""

from ._gram import RowGeometry
from .adaptive import adaptive_order, select_adaptive
from .herding import herding_order, select_herding
from .kcenter import kcenter_order, select_kcenter
from .leverage import (
    DEFAULT_RANK,
    DEFAULT_RIDGE_ALPHA,
    ridge_leverage_scores,
    sample_by_scores,
    select_leverage,
    select_ridge_leverage,
    truncated_leverage_scores,
)
from .skmm_v2 import select_skmm_v2
from .uniform import select_uniform

__all__ = [
    "BASELINES",
    "DEFAULT_RANK",
    "DEFAULT_RIDGE_ALPHA",
    "RowGeometry",
    "adaptive_order",
    "herding_order",
    "kcenter_order",
    "ridge_leverage_scores",
    "sample_by_scores",
    "select_adaptive",
    "select_herding",
    "select_kcenter",
    "select_leverage",
    "select_ridge_leverage",
    "select_skmm_v2",
    "select_uniform",
    "truncated_leverage_scores",
]

BASELINES = {
    "uniform": select_uniform,
    "herding": select_herding,
    "kcenter": select_kcenter,
    "adaptive": select_adaptive,
    "leverage": select_leverage,
    "ridge-leverage": select_ridge_leverage,
    "skmm-v2": select_skmm_v2,
}
