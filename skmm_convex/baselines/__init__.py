"""The paper's baselines, as the authors implemented them (their repository's notebooks and
its vendored DeepCore).

Every baseline is a function ``(features, n, *, rng=None, **options) -> Selection``
registered in :data:`skmm_convex.selection.METHODS`; deterministic ones still accept (and
validate) ``rng``. Index order follows the authors' code, because the evaluation protocol's
unshuffled 2-fold split sees the coreset in the order given: draw order for the sampled
methods (uniform, leverage), pivot order for adaptive sampling, sorted for the two methods
adapted from DeepCore (herding, k-center), which return a boolean mask; selection order
for SkMMv2 (seeds first).

The seed -> coreset map: :func:`~skmm_convex.select` gives every method one stream,
``default_rng(rng)``, so any seed or Generator works the same way for every method. The
authors' code draws k-center's first point from numpy's legacy global state and adaptive
sampling's pivots over a permuted tail; ``seeding="authors"`` (k-center) and
``pivots="authors"`` (adaptive) reproduce their map for int seeds, and ``reproduce gmm`` uses
them. :func:`~.authors_adam.projected_adam` is the authors' optimiser for SkMM's
moment-matching step, for comparison with the exact solve (not a selection method).
"""

from ._gram import RowGeometry
from .adaptive import PIVOT_DRAWS, adaptive_order, select_adaptive
from .authors_adam import AdamResult, paper_objective, projected_adam
from .herding import herding_order, select_herding
from .kcenter import SEEDINGS, authors_first_center, kcenter_order, select_kcenter
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
    "PIVOT_DRAWS",
    "SEEDINGS",
    "AdamResult",
    "RowGeometry",
    "adaptive_order",
    "authors_first_center",
    "herding_order",
    "kcenter_order",
    "paper_objective",
    "projected_adam",
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
