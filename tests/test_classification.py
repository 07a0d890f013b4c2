"""The classification protocol: per-class budgets, balanced selection, linear probe, summary.

Per-class selection lives in :mod:`skmm_convex.selection`, the probe in
:mod:`skmm_convex.evaluation.probe`, the protocol runner in
:mod:`skmm_convex.experiments.protocol`.
"""

import warnings

import numpy as np
import pytest

from skmm_convex.errors import ClassBudgetWarning, ValidationError
from skmm_convex.evaluation.probe import LinearProbe, score_predictions
from skmm_convex.experiments.protocol import Trial, run_protocol, summarise
from skmm_convex.selection import METHODS, class_budgets, select_per_class

# SkMM at c_S = 0.999 is degenerate on these data (expected; the README explains it)
DEGENERATE_OK = pytest.mark.filterwarnings("ignore::skmm_convex.errors.DegenerateProblemWarning")


def _blobs(seed, sizes=(30, 30, 30), d=12, spread=0.05):
    """Well separated classes: class c sits at 3 e_c plus small noise."""
    gen = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    features = 3.0 * np.eye(d)[labels] + spread * gen.normal(size=(labels.size, d))
    return features, labels


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
    features, labels = _blobs(global_seed, sizes=(3, 40, 40))
    for method in METHODS:
        with pytest.warns(ClassBudgetWarning, match="class 0 has 3 < budget 10"):
            sel = select_per_class(features, labels, 30, method, split="equal", rng=global_seed)
        assert sel.indices.size == 30 == np.unique(sel.indices).size
        assert np.bincount(labels[sel.indices]).tolist() == [3, 14, 13] or np.bincount(
            labels[sel.indices]
        ).tolist() == [3, 13, 14]


@DEGENERATE_OK
def test_balanced_selection_meets_the_budgets_without_warning(global_seed):
    features, labels = _blobs(global_seed, sizes=(20, 40, 60))
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
    features, labels = _blobs(0)
    with pytest.raises(ValidationError, match="labels must be 1-d with 90 entries"):
        select_per_class(features, labels[:-1], 10, "uniform")
    with pytest.raises(ValidationError, match=r"n must be an int in \[1, 90\], got 91"):
        select_per_class(features, labels, 91, "uniform")
    with pytest.raises(ValidationError, match="split must be one of"):
        select_per_class(features, labels, 10, "uniform", split="even")


@DEGENERATE_OK
@pytest.mark.parametrize("balanced", ["none", "equal"])
def test_protocol_on_separable_data_gives_accuracy_one(global_seed, balanced):
    # three tight clusters at 3 e_c in R^3: separable with a margin of ~40 noise deviations
    features, labels = _blobs(global_seed, d=3)
    test_features, test_labels = _blobs(global_seed + 100, d=3)
    probe = LinearProbe(features, labels, test_features, test_labels)
    # per-class budgets guarantee every class for any method; globally, check the two core ones
    methods = tuple(METHODS) if balanced == "equal" else ("skmm", "uniform")
    trials = run_protocol(
        features,
        labels,
        [30],
        probe,
        methods=methods,
        seeds=[global_seed, global_seed + 1],
        balanced=balanced,
        method_options={"skmm": {"sketch_dim": None}},
    )
    assert [t.method for t in trials] == 2 * list(methods)
    for trial in trials:
        assert trial.accuracy == 1.0 and trial.macro_f1 == 1.0


def test_probe_on_a_single_class_coreset_predicts_that_class():
    features, labels = _blobs(0)
    probe = LinearProbe(features, labels, features, labels)
    score = probe(np.flatnonzero(labels == 1)[:5])
    assert score.accuracy == pytest.approx(1 / 3)
    assert score.macro_f1 == pytest.approx((0 + 0.5 + 0) / 3)  # F1 of class 1: 2*(1/3)/(4/3)


def test_score_counts_a_missed_class_in_macro_f1():
    score = score_predictions([0, 0, 1, 1], [0, 0, 0, 0])
    assert score.accuracy == 0.5
    assert score.macro_f1 == pytest.approx((2 * 0.5 / 1.5 + 0) / 2)


def test_summary_mean_and_standard_error():
    trials = [
        Trial("uniform", 10, 0, 0.5, 0.4, 0.0, "none"),
        Trial("uniform", 10, 1, 0.7, 0.6, 0.0, "none"),
        Trial("skmm", 10, 0, 0.9, 0.9, 1.0, "none"),
    ]
    uniform, skmm = summarise(trials)
    assert (uniform.method, uniform.n_seeds) == ("uniform", 2)
    assert uniform.accuracy_mean == pytest.approx(0.6)
    assert uniform.accuracy_se == pytest.approx(np.std([0.5, 0.7], ddof=1) / np.sqrt(2))
    assert uniform.accuracy_se == pytest.approx(0.1)
    assert np.isnan(skmm.accuracy_se) and skmm.n_seeds == 1


def test_run_protocol_validates():
    features, labels = _blobs(0)
    probe = LinearProbe(features, labels, features, labels)
    with pytest.raises(ValidationError, match="methods must be one of"):
        run_protocol(features, labels, [5], probe, methods=["nope"])
    with pytest.raises(ValidationError, match="balanced must be one of"):
        run_protocol(features, labels, [5], probe, balanced="yes")
    with pytest.raises(ValidationError, match=r"sizes must be an int in \[1, 90\], got 0"):
        run_protocol(features, labels, [0], probe)
    with pytest.raises(ValidationError, match="test_features must have 12 columns"):
        LinearProbe(features, labels, features[:, :3], labels)


@DEGENERATE_OK
def test_a_methods_coresets_do_not_depend_on_the_other_methods(global_seed):
    features, labels = _blobs(global_seed)

    def coresets(methods, sizes):
        chosen = []

        def record(indices, _rng):
            chosen.append(np.sort(indices))
            return score_predictions([0], [0])

        run_protocol(
            features,
            labels,
            sizes,
            record,
            methods=methods,
            seeds=[global_seed],
            method_options={"skmm": {"sketch_dim": 8}},
        )
        return chosen

    alone = coresets(["uniform"], [10])
    beside = coresets(["skmm", "uniform"], [5, 10])  # uniform at n=10 comes last
    np.testing.assert_array_equal(alone[0], beside[-1])
