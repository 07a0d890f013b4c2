"""The classification protocol of the paper's real-data experiments.

Select a coreset from a training split with any method of :data:`selection.METHODS` (globally
or class by class), fit a linear probe (multinomial logistic regression) on it, and score it
on a test split by accuracy and macro-F1, as mean and standard error over seeds for every
method and coreset size (``shared/reference/experiments.md`` sections 3.3 and 4).
"""

from __future__ import annotations

import time
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import RngLike, as_generator, check_choice, check_int, check_matrix
from .errors import ClassBudgetWarning, ValidationError, warn_user
from .results import Selection
from .selection import METHODS, select

__all__ = [
    "BUDGET_SPLITS",
    "ClassBudgetWarning",
    "LinearProbe",
    "Score",
    "SummaryRow",
    "Trial",
    "class_budgets",
    "run_protocol",
    "score_predictions",
    "select_per_class",
    "summarise",
]

BUDGET_SPLITS = ("proportional", "equal")


def _check_labels(labels: Any, n_samples: int, name: str = "labels") -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n_samples:
        raise ValidationError(
            f"{name} must be 1-d with {n_samples} entries (one per row), got shape {labels.shape}"
        )
    return labels


def _split(total: int, sizes: np.ndarray, split: str) -> np.ndarray:
    """Divide ``total`` among classes of the given sizes (no capping)."""
    if split == "equal":
        budgets = np.full(sizes.size, total // sizes.size)
        quotas = np.zeros(sizes.size)
        extra = total - budgets.sum()
        order = np.lexsort((np.arange(sizes.size), -sizes))  # largest classes first
    else:
        quotas = total * sizes / sizes.sum()
        budgets = np.floor(quotas).astype(int)
        extra = total - budgets.sum()
        order = np.lexsort((np.arange(sizes.size), -(quotas - budgets)))  # largest remainders
    budgets[order[:extra]] += 1
    return budgets


def class_budgets(labels: Any, n: int, split: str = "proportional") -> dict[Any, int]:
    """Per-class budgets that add up to n, each at most the class size.

    Parameters
    ----------
    labels : array_like, shape (N,)
    n : int
        Total budget, in ``[1, N]``.
    split : {"proportional", "equal"}
        ``"proportional"``: ``n N_c / N`` rounded by largest remainders; ``"equal"``:
        ``n // C`` each, the remainder to the largest classes.

    Returns
    -------
    dict
        Class label -> budget ``n_c`` with ``0 <= n_c <= N_c`` and ``sum n_c = n``.

    Warns
    -----
    ClassBudgetWarning
        When a class has fewer examples than its budget: it gets all of them and its
        shortfall is split among the other classes by the same rule (repeated until no class
        is short), so the total stays n.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValidationError(f"labels must be a non-empty 1-d array, got shape {labels.shape}")
    n = check_int(n, "n", 1, labels.size)
    check_choice(split, "split", BUDGET_SPLITS)
    classes, sizes = np.unique(labels, return_counts=True)
    budgets = _split(n, sizes, split)
    asked = budgets.copy()  # the budget each class had when it was found short
    capped = np.zeros(classes.size, dtype=bool)
    while np.any(budgets > sizes):
        short = budgets > sizes
        asked[short] = budgets[short]
        capped |= short
        budgets[capped] = sizes[capped]
        budgets[~capped] = _split(n - sizes[capped].sum(), sizes[~capped], split)
    if capped.any():
        short = ", ".join(
            f"class {classes[k].item()!r} has {sizes[k]} < budget {asked[k]}"
            for k in np.flatnonzero(capped)
        )
        final = dict(zip(classes.tolist(), budgets.tolist(), strict=True))
        warn_user(
            f"class-balanced selection ({split!r} split, n={n}): {short}; each such class "
            "contributes all its examples and the other classes take up the difference "
            f"(budgets now {final})",
            ClassBudgetWarning,
        )
    return {label: int(b) for label, b in zip(classes.tolist(), budgets, strict=True)}


def select_per_class(
    features: Any,
    labels: Any,
    n: int,
    method: str = "skmm",
    *,
    split: str = "proportional",
    rng: RngLike = None,
    **options: Any,
) -> Selection:
    """Class-balanced selection: run ``method`` within each class on its own budget.

    Parameters
    ----------
    features : array_like, shape (N, r)
    labels : array_like, shape (N,)
    n : int
        Total coreset size.
    method : str
        Any key of :data:`skmm_convex.selection.METHODS`.
    split : {"proportional", "equal"}
        How n is divided among classes (:func:`class_budgets`).
    rng : int, Generator or None
        Split into one independent stream per class.
    **options
        Passed to the method in every class.

    Returns
    -------
    Selection
        ``indices`` (n,) sorted; ``weights`` (N,) where the method has weights: class c's
        weights scaled by ``n_c / n``, so they lie on the capped simplex of budget n.

    Notes
    -----
    The per-class variant of the authors' ``cov_ntk_perclass`` (which used ``n // C`` each);
    a class whose budget equals its size is taken whole without calling the method.
    """
    matrix = check_matrix(features)
    labels = _check_labels(labels, matrix.shape[0])
    check_choice(method, "method", tuple(METHODS))
    budgets = class_budgets(labels, n, split)
    streams = as_generator(rng).spawn(len(budgets))
    chosen, weights = [], np.zeros(matrix.shape[0])
    has_weights = True
    for (label, budget), stream in zip(budgets.items(), streams, strict=True):
        rows = np.flatnonzero(labels == label)
        if budget == 0:
            continue
        if budget == rows.size:
            chosen.append(rows)
            weights[rows] = 1.0 / n
            continue
        sub = select(matrix[rows], budget, method, rng=stream, **options)
        chosen.append(rows[sub.indices])
        if sub.weights is None:
            has_weights = False
        else:
            weights[rows] = sub.weights * budget / n
    indices = np.sort(np.concatenate(chosen))
    return Selection(indices, method, weights=weights if has_weights else None)


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
    The authors' sklearn probe (experiments.md 4.2 (a)) is the same pipeline with ``C=1e-2``
    on CLIP features. Macro-F1 averages over every class of ``test_labels``, so a class the
    coreset missed counts with F1 = 0. A coreset of a single class predicts that class.
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
        self.train_labels = _check_labels(
            train_labels, self.train_features.shape[0], "train_labels"
        )
        self.test_features = np.asarray(check_matrix(test_features, "test_features"))
        self.test_labels = _check_labels(test_labels, self.test_features.shape[0], "test_labels")
        if self.test_features.shape[1] != self.train_features.shape[1]:
            raise ValidationError(
                f"test_features must have {self.train_features.shape[1]} columns like "
                f"train_features, got {self.test_features.shape[1]}"
            )
        self.C = C
        self.max_iter = max_iter

    def __call__(self, indices: np.ndarray, rng: np.random.Generator | None = None) -> Score:
        """Score the probe fitted on ``train_features[indices]``."""
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
    """Accuracy and macro-F1 (over the classes present in ``truth``; a class never predicted
    has F1 = 0)."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = np.unique(truth)
    return Score(
        float(accuracy_score(truth, predicted)),
        float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
    )


@dataclass(frozen=True)
class Trial:
    """One (method, n, seed) run of the protocol."""

    method: str
    n: int
    seed: int
    accuracy: float
    macro_f1: float
    select_seconds: float
    balanced: str


@dataclass(frozen=True)
class SummaryRow:
    """Mean and standard error (``std(ddof=1) / sqrt(k)``, NaN for k=1) over k seeds."""

    method: str
    n: int
    balanced: str
    accuracy_mean: float
    accuracy_se: float
    macro_f1_mean: float
    macro_f1_se: float
    n_seeds: int
    select_seconds: float


def run_protocol(
    features: Any,
    labels: Any,
    sizes: Sequence[int],
    evaluate: Callable[[np.ndarray, np.random.Generator], Score],
    *,
    methods: Sequence[str] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    balanced: str = "none",
    method_options: dict[str, dict[str, Any]] | None = None,
) -> list[Trial]:
    """Select with every method at every size and seed, and score each coreset.

    Parameters
    ----------
    features : array_like, shape (N, r)
        What the methods select on: features (linear probing) or per-example gradients
        (finetuning), possibly memory-mapped.
    labels : array_like, shape (N,)
        Training labels (used by class-balanced selection only).
    sizes : sequence of int
        Coreset sizes n, each in ``[1, N]``.
    evaluate : callable ``(indices, rng) -> Score``
        E.g. a :class:`LinearProbe`; ``rng`` is an independent stream of the trial.
    methods : sequence of str, optional
        Keys of :data:`METHODS`; all of them by default.
    seeds : sequence of int
        One replicate per seed; seed k, size n and method name get the stream
        ``SeedSequence([k, n, crc32(name)])``, so a method's coresets do not depend on which
        other methods or sizes run beside it.
    balanced : {"none", "proportional", "equal"}
        Global selection, or :func:`select_per_class` with that budget split.
    method_options : dict, optional
        Method name -> keyword options for that method (e.g. ``{"skmm": {"sketch_dim": 64}}``).

    Returns
    -------
    list of Trial
    """
    matrix = check_matrix(features)
    labels = _check_labels(labels, matrix.shape[0])
    methods = tuple(METHODS) if methods is None else tuple(methods)
    for method in methods:
        check_choice(method, "methods", tuple(METHODS))
    check_choice(balanced, "balanced", ("none", *BUDGET_SPLITS))
    sizes = [check_int(n, "sizes", 1, matrix.shape[0]) for n in sizes]
    seeds = [check_int(seed, "seeds", 0) for seed in seeds]
    method_options = dict(method_options or {})
    trials = []
    for seed in seeds:
        for n in sizes:
            for method in methods:
                stream = np.random.default_rng([seed, n, zlib.crc32(method.encode())])
                select_rng, eval_rng = stream.spawn(2)
                options = method_options.get(method, {})
                start = time.perf_counter()
                if balanced == "none":
                    selection = select(matrix, n, method, rng=select_rng, **options)
                else:
                    selection = select_per_class(
                        matrix, labels, n, method, split=balanced, rng=select_rng, **options
                    )
                seconds = time.perf_counter() - start
                score = evaluate(selection.indices, eval_rng)
                trials.append(
                    Trial(method, n, seed, score.accuracy, score.macro_f1, seconds, balanced)
                )
    return trials


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    se = float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")
    return float(values.mean()), se


def summarise(trials: Sequence[Trial]) -> list[SummaryRow]:
    """Mean and standard error over seeds per (balanced, method, n), in first-seen order."""
    groups: dict[tuple[str, str, int], list[Trial]] = {}
    for trial in trials:
        groups.setdefault((trial.balanced, trial.method, trial.n), []).append(trial)
    rows = []
    for (balanced, method, n), group in groups.items():
        acc = _mean_se(np.array([t.accuracy for t in group]))
        f1 = _mean_se(np.array([t.macro_f1 for t in group]))
        seconds = float(np.mean([t.select_seconds for t in group]))
        rows.append(SummaryRow(method, n, balanced, *acc, *f1, len(group), seconds))
    return rows
