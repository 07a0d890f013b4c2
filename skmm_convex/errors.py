"""Typed exceptions and warnings of skmm_convex.

Every error the package raises on purpose derives from :class:`SkmmError`, so callers can
catch one type. Validation errors are also ``ValueError``/``TypeError`` so that code written
against numpy and scikit-learn conventions keeps working.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = [
    "SkmmError",
    "ValidationError",
    "SolverError",
    "InfeasibleProblemError",
    "SolverNotInstalledError",
    "DegenerateProblemWarning",
    "InaccurateSolutionWarning",
    "SolverFallbackWarning",
    "ClassBudgetWarning",
]


class SkmmError(Exception):
    """Base class of every exception raised on purpose by skmm_convex."""


class ValidationError(SkmmError, ValueError):
    """An argument has a bad value, shape or dtype; the message names the argument."""


class SolverError(SkmmError, RuntimeError):
    """A solver failed to produce a usable solution (numerical trouble, iteration limit)."""


class InfeasibleProblemError(SolverError):
    """The optimisation problem has no feasible point."""


class SolverNotInstalledError(SkmmError, ValueError):
    """The requested solver is not installed or not known to CVXPY."""


class DegenerateProblemWarning(UserWarning):
    """The moment-matching optimum is (numerically) zero, so its optimal set is a whole face.

    Uniform weights ``s = 1/N`` are optimal whenever ``c_s >= 1``; which optimal point the
    solver returns then decides the selection (the documentation's page "The method" explains
    degeneracy).
    """


class InaccurateSolutionWarning(UserWarning):
    """The solver stopped at reduced accuracy (CVXPY status ``optimal_inaccurate``)."""


class SolverFallbackWarning(UserWarning):
    """The requested solver failed and a fallback solver produced the solution.

    ``solution.solver`` names the solver that did; the warning says why the first one failed.
    """


class ClassBudgetWarning(UserWarning):
    """A class holds fewer examples than its per-class budget in class-balanced selection.

    The class contributes all its examples and its shortfall is given to the other classes
    (see :func:`skmm_convex.selection.class_budgets`).
    """


def warn_user(message: str, category: type[Warning]) -> None:
    """Warn with the location of the first caller outside skmm_convex, whatever the depth."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package_dir):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level + 1)
