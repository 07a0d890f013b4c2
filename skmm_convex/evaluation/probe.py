"""The linear probe of the paper's real-data experiments: accuracy and macro-F1 of a coreset.

A multinomial logistic regression (after standardisation) is fitted on the rows of a coreset
and scored on a test split, as in the authors' linear-probing code
(github.com/Xiang-Pan/sketchy_moment_matching).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_matrix
from ..errors import ValidationError
from ..selection import check_labels

__all__ = ["LinearProbe", "Score", "score_predictions"]


@dataclass(frozen=True)
class Score:
    """Test accuracy and macro-F1 of a classifier."""

    accuracy: float
    macro_f1: float


class LinearProbe:
    """Fit ``StandardScaler + LogisticRegression`` on the rows of a coreset, score on a test set.

    Parameters
    ----------
    train_features : array_like, shape (N, d)
    train_labels : array_like, shape (N,)
    test_features : array_like, shape (N_test, d)
    test_labels : array_like, shape (N_test,)
    C : float
        Inverse regularisation strength of the logistic regression (lbfgs, multinomial).
    max_iter : int

    Notes
    -----
    The authors' sklearn probe is the same pipeline with ``C=1e-2`` on CLIP features.
    Macro-F1 averages over every class of ``test_labels``, so a class the coreset missed
    counts with F1 = 0. A coreset of a single class predicts that class.
    """

    def __init__(
        self,
        train_features: Any,
        train_labels: Any,
        test_features: Any,
        test_labels: Any,
        *,
        C: float = 1.0,
        max_iter: int = 1000,
    ) -> None:
        self.train_features = check_matrix(train_features, "train_features")
        self.train_labels = check_labels(train_labels, self.train_features.shape[0], "train_labels")
        self.test_features = np.asarray(check_matrix(test_features, "test_features"))
        self.test_labels = check_labels(test_labels, self.test_features.shape[0], "test_labels")
        if self.test_features.shape[1] != self.train_features.shape[1]:
            raise ValidationError(
                f"test_features must have {self.train_features.shape[1]} columns like "
                f"train_features, got {self.test_features.shape[1]}"
            )
        self.C = C
        self.max_iter = max_iter

    def __call__(self, indices: np.ndarray, rng: np.random.Generator | None = None) -> Score:
        """Score the probe fitted on ``train_features[indices]``.

        Parameters
        ----------
        indices : array_like of int
            Rows of the coreset.
        rng : Generator, optional
            Unused (the fit is deterministic); part of the evaluator signature
            ``(indices, rng) -> Score``.

        Returns
        -------
        Score
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        rows = np.sort(np.asarray(indices))
        x, y = np.asarray(self.train_features[rows]), self.train_labels[rows]
        if np.unique(y).size == 1:
            predicted = np.full(self.test_labels.shape, y[0])
        else:
            model = make_pipeline(
                StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=ConvergenceWarning)
                model.fit(x, y)
            predicted = model.predict(self.test_features)
        return score_predictions(self.test_labels, predicted)


def score_predictions(truth: Any, predicted: Any) -> Score:
    """Accuracy and macro-F1 of ``predicted`` against ``truth``.

    Parameters
    ----------
    truth, predicted : array_like, shape (N_test,)

    Returns
    -------
    Score
        Macro-F1 over the classes present in ``truth``; a class never predicted has F1 = 0.
    """
    from sklearn.metrics import accuracy_score, f1_score

    labels = np.unique(truth)
    return Score(
        float(accuracy_score(truth, predicted)),
        float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
    )
