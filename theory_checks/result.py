"""The result of one check: a frozen record a reader can audit, and its verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CheckResult",
    "FAILING_VERDICTS",
    "KINDS",
    "SENSES",
    "STATUSES",
    "VERDICTS",
]

STATUSES = ("certain", "reconstructed", "ours")
SENSES = ("<=", ">=", "=")
#: "identity": holds by algebra, tests the implementation, not the paper;
#: "deterministic": an inequality between closed forms, float slack only;
#: "monte-carlo": a claim about an expectation or a probability, tested on random draws.
KINDS = ("identity", "deterministic", "monte-carlo")

#: every verdict, in the order the summary counts them
VERDICTS = (
    "holds",
    "holds with a constant",
    "identity holds",
    "fails as designed",
    "FAILS",
    "IDENTITY FAILS",
    "HOLDS, designed to fail",
    "not applicable",
)
#: the verdicts that make the run exit non-zero
FAILING_VERDICTS = ("FAILS", "IDENTITY FAILS", "HOLDS, designed to fail", "not applicable")


@dataclass(frozen=True)
class CheckResult:
    """One checkable statement turned into numbers.

    Attributes
    ----------
    key : str
        Short identifier, e.g. ``"S5"`` or ``"S5-general"``.
    statement : str
        The statement in words.
    status : {"certain", "reconstructed", "ours"}
        Where the statement comes from: ``"certain"``, the math is readable in the paper's
        poster; ``"reconstructed"``, hypotheses or constants are our best reading;
        ``"ours"``, a helper lemma or counterexample that the paper does not claim. What held
        is :attr:`verdict`.
    tag : str
        A finer source tag, e.g. ``"[P; I]"`` (P: printed, I: inferred, R: reconstructed).
    sense : {"<=", ">=", "="}
        The claim is ``empirical <= bound``, ``empirical >= bound`` or an equality.
    bound : float
        The statement's right-hand side at the worst configuration.
    empirical : float
        The measured left-hand side at that configuration.
    uncertainty : float
        Standard error of ``empirical`` (0 for closed forms).
    allowance : str
        What slack the comparison allows (floating point, k standard errors, binomial level).
    holds : bool
        Whether the statement held with constant 1 within the allowance.
    expected_to_hold : bool
        False only for counterexamples shown as failing by design.
    constant : float or None
        For statements "up to a constant" (``<~``): the empirical constant (the smallest factor
        on the bound that makes the statement hold); None otherwise.
    constant_tolerance : float
        The largest constant our reading of the statement allows (1 for statements with no
        hidden constant). ``holds`` False with ``constant <= constant_tolerance`` is the
        verdict "holds with a constant"; a larger constant is a failure.
    kind : {"identity", "deterministic", "monte-carlo"}
        See :data:`KINDS`. An identity is kept because it tests the implementation; it is
        never counted as a verification of the paper.
    applicable : bool
        False when no configuration met the statement's hypotheses (nothing was tested).
    draws : int or None
        Monte Carlo draws per configuration.
    false_alarm : float or None
        For Monte Carlo checks: an upper bound on the probability that a true statement is
        reported as failing (union over the run's tests).
    details : dict
        Per-configuration numbers (``"ratios"``: the empirical/bound ratio of each
        configuration, used by the plots) and anything else worth reporting.
    """

    key: str
    statement: str
    status: str
    tag: str
    sense: str
    bound: float
    empirical: float
    uncertainty: float
    allowance: str
    holds: bool
    expected_to_hold: bool = True
    constant: float | None = None
    constant_tolerance: float = 1.0
    kind: str = "deterministic"
    applicable: bool = True
    draws: int | None = None
    false_alarm: float | None = None
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if self.sense not in SENSES:
            raise ValueError(f"sense must be one of {SENSES}, got {self.sense!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not self.constant_tolerance >= 1:
            raise ValueError(f"constant_tolerance must be >= 1, got {self.constant_tolerance}")

    @property
    def ratio(self) -> float:
        """``empirical / bound`` (<= 1 for a holding "<=" claim, >= 1 for ">=")."""
        if self.bound == 0:
            return float("inf") if self.empirical > 0 else 1.0
        return float(self.empirical / self.bound)

    @property
    def within_constant(self) -> bool:
        """A "<~" statement that fails with constant 1 but holds with its allowed constant."""
        return (
            not self.holds
            and self.constant is not None
            and bool(np.isfinite(self.constant))
            and self.constant <= self.constant_tolerance
        )

    @property
    def verdict(self) -> str:
        """What held: one of :data:`VERDICTS`."""
        if not self.applicable:
            return "not applicable"
        if not self.expected_to_hold:
            return "HOLDS, designed to fail" if self.holds else "fails as designed"
        if self.kind == "identity":
            return "identity holds" if self.holds else "IDENTITY FAILS"
        if self.holds:
            return "holds"
        return "holds with a constant" if self.within_constant else "FAILS"

    @property
    def note(self) -> str:
        """What the verdict alone does not say (a ratio past 1 within a Monte Carlo allowance,
        the constant against its tolerance)."""
        if self.verdict == "holds with a constant":
            return f"constant {self.constant:.3g} <= tolerance {self.constant_tolerance:g}"
        if self.verdict == "FAILS" and self.constant is not None:
            return f"constant {self.constant:.3g} > tolerance {self.constant_tolerance:g}"
        if self.sense == "=":
            past = abs(self.ratio - 1) > 1e-8
        else:
            past = self.ratio > 1 if self.sense == "<=" else self.ratio < 1
        if self.holds and self.expected_to_hold and past:
            side = "off" if self.sense == "=" else "past"
            return f"ratio {self.ratio:.4g} {side} 1, within the allowance"
        return ""

    @property
    def as_expected(self) -> bool:
        """False when the check must be reported as a failure (drives the exit code)."""
        return self.verdict not in FAILING_VERDICTS
