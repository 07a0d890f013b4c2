"""Negative controls: every check that is not an identity, run against a bound it must fail.

A check that cannot fail is worse than no check. For each registered statement that is not an
identity, :func:`run_control` runs it once as stated, then again with its bound multiplied
(through the public ``bound_scale`` parameter) by a factor that the data exceed by a factor
2 beyond the statement's constant tolerance. A deterministic check must hold in every
configuration, so the factor is set by its worst one (``<=``: ``max(ratios) / (2
tolerance)``; ``>=``: ``2 tolerance min(ratios)``); a Monte Carlo check tests means and
success rates, so the factor is set by the most favourable draw (``min(ratios) / (2
tolerance)``, resp. ``2 tolerance max(ratios)``) and every draw violates the scaled bound.
The control is caught when the check then reports a failing verdict. For the designed
counterexample the control goes the other way: its bound is scaled past its ratio, and the
check must stop failing. Identities have no bound; their tests feed them broken inputs instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .registry import CHECKS, IDENTITIES, run_check
from .result import FAILING_VERDICTS, CheckResult

__all__ = ["Control", "control_factor", "format_controls", "run_control", "run_controls"]


@dataclass(frozen=True)
class Control:
    """One negative control: the factor used, the verdict it produced, and whether it was
    caught (the check reported what the control was built to produce)."""

    key: str
    factor: float
    verdict: str
    caught: bool
    designed_failure: bool

    @property
    def line(self) -> str:
        """``S5  bound x 0.0123: fails as it should (FAILS)`` or ``PASSES: ...``."""
        head = f"{self.key:<11} bound x {self.factor:.3g}:"
        if self.designed_failure:
            outcome = "holds as it should" if self.caught else "STILL FAILS: the check cannot hold"
        else:
            outcome = "fails as it should" if self.caught else "PASSES: the check cannot fail"
        return f"{head} {outcome} ({self.verdict})"


def control_factor(result: CheckResult) -> float:
    """The factor on ``result``'s bound that every configuration violates (see module)."""
    ratios = np.asarray(result.details.get("ratios", [result.ratio]), dtype=float)
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    if ratios.size == 0:
        ratios = np.array([1.0])
    tolerance = result.constant_tolerance
    if not result.expected_to_hold:  # a counterexample: scale the bound past its ratio
        return float(2 * ratios.max()) if result.sense != ">=" else float(ratios.min() / 2)
    every_draw = result.kind == "monte-carlo"
    if result.sense == ">=":
        return float(2 * tolerance * (ratios.max() if every_draw else ratios.min()))
    return float((ratios.min() if every_draw else ratios.max()) / (2 * tolerance))


def run_control(
    key: str, quick: bool = True, seed: int = 0, base: CheckResult | None = None
) -> Control | None:
    """Run the negative control of one registered check (None for an identity).

    ``base`` is the check's result as stated, if already computed (it sets the factor).
    """
    if key in IDENTITIES:
        return None
    base = run_check(key, quick, seed) if base is None else base
    factor = control_factor(base)
    scaled = run_check(key, quick, seed, bound_scale=factor)
    if base.expected_to_hold:
        caught = scaled.verdict in FAILING_VERDICTS
    else:
        caught = scaled.verdict == "HOLDS, designed to fail"
    return Control(key, factor, scaled.verdict, caught, not base.expected_to_hold)


def run_controls(keys=None, quick: bool = True, seed: int = 0, progress=None) -> list[Control]:
    """The controls of ``keys`` (default: every registered check), identities skipped.

    ``progress`` wraps the iterable of keys (e.g. ``tqdm``), if given.
    """
    keys = list(CHECKS) if keys is None else list(keys)
    controls = []
    for key in keys if progress is None else progress(keys):
        control = run_control(key, quick, seed)
        if control is not None:
            controls.append(control)
    return controls


def format_controls(controls: list[Control]) -> str:
    """One line per control, then how many were caught."""
    lines = [control.line for control in controls]
    caught = sum(control.caught for control in controls)
    lines.append(f"{caught}/{len(controls)} negative controls caught")
    return "\n".join(lines)
