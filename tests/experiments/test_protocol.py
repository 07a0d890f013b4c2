"""The classification protocol: the linear probe and its scores, the protocol and its summary."""

import numpy as np
import pytest

from skmm_convex.errors import ValidationError
from skmm_convex.evaluation.probe import LinearProbe, score_predictions
from skmm_convex.experiments.protocol import Trial, run_protocol, summarise
from skmm_convex.selection import METHODS
from tests.helpers import DEGENERATE_OK, blobs


@DEGENERATE_OK
@pytest.mark.parametrize("balanced", ["none", "equal"])
def test_protocol_on_separable_data_gives_accuracy_one(global_seed, balanced):
    # three tight clusters at 3 e_c in R^3: separable with a margin of ~40 noise deviations
    features, labels = blobs(global_seed, d=3)
    test_features, test_labels = blobs(global_seed + 100, d=3)
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
    features, labels = blobs(0)
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
    features, labels = blobs(0)
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
    features, labels = blobs(global_seed)

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
