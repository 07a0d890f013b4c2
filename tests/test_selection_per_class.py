"""Per-class budgets and balanced selection (:func:`skmm_convex.selection.select_per_class`)."""

import warnings

import numpy as np
import pytest

from skmm_convex.errors import ClassBudgetWarning, ValidationError
from skmm_convex.selection import METHODS, class_budgets, select_per_class
from tests.helpers import DEGENERATE_OK, blobs


@pytest.mark.parametrize("split", ["proportional", "equal"])
def test_budgets_sum_to_n_and_fit_the_classes(split):
    labels = np.repeat([0, 1, 2, 3], [50, 30, 15, 5])
    for n in (1, 7, 20, 33, 99, 100):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ClassBudgetWarning)
            budgets = class_budgets(labels, n, split)
        assert sum(budgets.values()) == n
        assert all(
            0 <= budgets[c] <= size for c, size in zip(range(4), [50, 30, 15, 5], strict=True)
        )


def test_proportional_budgets_are_largest_remainder_rounding():
    labels = np.repeat(["a", "b", "c"], [50, 30, 20])
    # quotas 7 * (0.5, 0.3, 0.2) = (3.5, 2.1, 1.4): floors (3, 2, 1), remainder to 'a'
    assert class_budgets(labels, 7, "proportional") == {"a": 4, "b": 2, "c": 1}
    assert class_budgets(labels, 7, "equal") == {"a": 3, "b": 2, "c": 2}


def test_short_class_warns_takes_all_and_gives_the_rest_to_others():
    labels = np.repeat([0, 1, 2], [2, 20, 20])
    with pytest.warns(
        ClassBudgetWarning, match=r"class 0 has 2 < budget 10.*\{0: 2, 1: 14, 2: 14\}"
    ):
        budgets = class_budgets(labels, 30, "equal")
    assert budgets == {0: 2, 1: 14, 2: 14}


def test_a_class_found_short_after_redistribution_is_reported_with_its_new_budget():
    labels = np.repeat([0, 1, 2], [1, 12, 100])
    # equal: 11 each; class 0 short by 10 -> 16 each for classes 1, 2; class 1 short by 4
    with pytest.warns(
        ClassBudgetWarning,
        match=r"class 0 has 1 < budget 11, class 1 has 12 < "
        r"budget 16.*budgets now \{0: 1, 1: 12, 2: 20\}",
    ):
        budgets = class_budgets(labels, 33, "equal")
    assert budgets == {0: 1, 1: 12, 2: 20}


@DEGENERATE_OK
def test_balanced_selection_with_a_short_class_keeps_all_of_it(global_seed):
    features, labels = blobs(global_seed, sizes=(3, 40, 40))
    for method in METHODS:
        with pytest.warns(ClassBudgetWarning, match="class 0 has 3 < budget 10"):
            sel = select_per_class(features, labels, 30, method, split="equal", rng=global_seed)
        assert sel.indices.size == 30 == np.unique(sel.indices).size
        assert np.bincount(labels[sel.indices]).tolist() == [3, 14, 13] or np.bincount(
            labels[sel.indices]
        ).tolist() == [3, 13, 14]


@DEGENERATE_OK
def test_balanced_selection_meets_the_budgets_without_warning(global_seed):
    features, labels = blobs(global_seed, sizes=(20, 40, 60))
    budgets = class_budgets(labels, 24, "proportional")
    for method in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ClassBudgetWarning)
            sel = select_per_class(
                features, labels, 24, method, split="proportional", rng=global_seed
            )
        assert np.bincount(labels[sel.indices]).tolist() == [budgets[c] for c in range(3)]
        assert np.all(np.diff(sel.indices) > 0)
        again = select_per_class(features, labels, 24, method, rng=global_seed)
        np.testing.assert_array_equal(sel.indices, again.indices)
        if sel.weights is not None:  # SkMM: per-class weights rescaled onto the capped simplex
            assert np.isclose(sel.weights.sum(), 1.0)
            assert sel.weights.max() <= 1 / 24 + 1e-9


def test_select_per_class_validates():
    features, labels = blobs(0)
    with pytest.raises(ValidationError, match="labels must be 1-d with 90 entries"):
        select_per_class(features, labels[:-1], 10, "uniform")
    with pytest.raises(ValidationError, match=r"n must be an int in \[1, 90\], got 91"):
        select_per_class(features, labels, 91, "uniform")
    with pytest.raises(ValidationError, match="split must be one of"):
        select_per_class(features, labels, 10, "uniform", split="even")
