"""Shared fixtures. ``SKMM_TEST_SEED=k pytest`` sweeps the seeded tests over another seed."""

import os

import pytest


@pytest.fixture
def global_seed() -> int:
    """The base seed of randomised tests (no global seeding anywhere)."""
    return int(os.environ.get("SKMM_TEST_SEED", "0"))
