"""Benchmarks of skmm_convex (not run by the test suite): ``python -m benchmarks [--quick]``."""
