"""Small data and markers shared by several test modules."""

import numpy as np
import pytest

# SkMM at c_S = 0.999 is degenerate on most small data (expected and documented): tests about
# something else allow exactly that warning
DEGENERATE_OK = pytest.mark.filterwarnings("ignore::skmm_convex.errors.DegenerateProblemWarning")


def blobs(seed, sizes=(30, 30, 30), d=12, spread=0.05):
    """Well separated classes: class c sits at 3 e_c plus small noise."""
    gen = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    features = 3.0 * np.eye(d)[labels] + spread * gen.normal(size=(labels.size, d))
    return features, labels
