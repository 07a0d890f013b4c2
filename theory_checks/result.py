"""The result of one check: a frozen record a reader can audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CheckResult", "STATUSES", "SENSES"]

STATUSES = ("certain", "reconstructed", "ours")
SENSES = ("<=", ">=", "=")


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
        ``"certain"``: the math is readable in the poster (tags [P], [I] of theory.md);
        ``"reconstructed"``: hypotheses or constants are our best reading ([R]);
        ``"ours"``: a helper lemma or counterexample that the paper does not claim ([OURS]).
    tag : str
        The theory.md tag, e.g. ``"[P; I]"``.
    sense : {"<=", ">="}
        The claim is ``empirical <= bound`` or ``empirical >= bound``.
    bound : float
        The statement's right-hand side at the worst configuration.
    empirical : float
        The measured left-hand side at that configuration.
    uncertainty : float
        Standard error of ``empirical`` (0 for closed forms).
    allowance : str
        What slack the comparison allows (floating point, 4 SE, binomial level, constant).
    holds : bool
        Whether the statement held within the allowance.
    expected_to_hold : bool
        False only for counterexamples shown as failing by design.
    constant : float or None
        For statements "up to a constant" (``<~``): the empirical constant ``max LHS/RHS``
        (``min`` for ``>=``); ``holds`` is then ``constant <= 1`` and a constant in (1, 10]
        is reported as "constant needed", not as a refutation.
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
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if self.sense not in SENSES:
            raise ValueError(f"sense must be one of {SENSES}, got {self.sense!r}")

    @property
    def ratio(self) -> float:
        """``empirical / bound`` (<= 1 for a holding "<=" claim, >= 1 for ">=")."""
        if self.bound == 0:
            return float("inf") if self.empirical > 0 else 1.0
        return float(self.empirical / self.bound)

    @property
    def as_expected(self) -> bool:
        """False when the check must be reported as a failure (drives the exit code).

        A designed failure is as expected; so is a "<~" claim whose empirical constant lies in
        (1, 10] ("constant needed": the poster hides the constant).
        """
        return self.verdict in ("holds", "fails (by design)", "constant needed")

    @property
    def verdict(self) -> str:
        """``"holds"``, ``"constant needed"``, ``"fails"`` or ``"fails (by design)"``."""
        if self.holds:
            return "holds" if self.expected_to_hold else "holds (UNEXPECTED)"
        if self.constant is not None and np.isfinite(self.constant) and self.constant <= 10:
            return "constant needed"
        return "fails" if self.expected_to_hold else "fails (by design)"
