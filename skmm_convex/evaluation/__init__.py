"""How a coreset is scored: the paper's ridge protocol and the linear probe.

:mod:`~skmm_convex.evaluation.ridge` is the regression protocol of Table 1 (ridge on the
coreset, risk on all N points); :mod:`~skmm_convex.evaluation.probe` the classification one
(a logistic-regression probe fitted on the coreset, accuracy and macro-F1 on a test split).
"""

from .probe import LinearProbe, Score, score_predictions
from .ridge import ALPHA_GRID, LSQR_TOL, RidgeFit, coreset_risk, fit_coreset, full_data_risk

__all__ = [
    "ALPHA_GRID",
    "LSQR_TOL",
    "LinearProbe",
    "RidgeFit",
    "Score",
    "coreset_risk",
    "fit_coreset",
    "full_data_risk",
    "score_predictions",
]
