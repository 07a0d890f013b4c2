"""S9: the diagonal moment conditions of SkMM against the Loewner condition of the theorem."""

from __future__ import annotations

import warnings

import numpy as np

from skmm_convex import certified_c_s, compute_moments, select
from skmm_convex._validation import as_generator

from ._common import as_instance, uniform_coreset
from .result import CheckResult

__all__ = ["check_diagonal_relaxation"]


def _commuting_sketch(gen: np.random.Generator, n_samples: int = 200, m: int = 6) -> np.ndarray:
    """Rows along coordinate axes: ``Sigma~`` and every ``Sigma~_S`` are diagonal (commute)."""
    axes = gen.integers(0, m, n_samples)
    axes[:m] = np.arange(m)
    sketch = np.zeros((n_samples, m))
    sketch[np.arange(n_samples), axes] = gen.uniform(0.5, 2.0, n_samples)
    return sketch


def _certified_pair(moments, coreset: np.ndarray) -> tuple[float, float]:
    """(c_diag, c_LMI) certified by the uniform weights ``1/n`` on ``coreset``."""
    weights = np.zeros(moments.whitened.shape[0])
    weights[coreset] = 1.0 / len(coreset)
    return (
        certified_c_s(moments, weights, "diagonal"),
        certified_c_s(moments, weights, "loewner"),
    )


def check_diagonal_relaxation(
    problem,
    *,
    n_values=(48, 200),
    sketch_dim: int = 32,
    c_s: float = 0.999,
    n_uniform: int = 3,
    commuting_sketches=None,
    rng=0,
) -> CheckResult:
    """S9: ``c_diag <= c_LMI`` always, with equality when ``Sigma~_S`` commutes with ``Sigma~``.

    Parameters
    ----------
    problem : Instance, GMMData or ndarray (N, r)
    n_values : sequence of int
        Coreset sizes; at each, one SkMM coreset (``skmm_convex.select``, vertex solution,
        stratified systematic sampler) and ``n_uniform`` uniform ones.
    sketch_dim, c_s : SkMM's m and c_S.
    commuting_sketches : sequence of ndarray (N', m'), optional
        Sketches whose ``Sigma~`` commutes with every coreset's ``Sigma~_S`` (the equality
        case); default: five with rows along coordinate axes. A sketch that does not commute
        is a broken input, and the check then fails.

    Notes
    -----
    ``Sigma~ <= c Sigma~_S`` iff ``V'Sigma~_S V >= Lambda / c`` (full LMI in the eigenbasis);
    SkMM imposes only its diagonal ``v_j'Sigma~_S v_j >= lambda_j / c``. So
    ``c_diag = max_j lambda_j / v_j'Sigma~_S v_j <= c_LMI = c*(Sigma~, Sigma~_S)``, computed
    with ``skmm_convex.certified_c_s`` at ``s = 1_S/n``. Equality is checked on a commuting
    construction (rows along coordinate axes). Both facts hold by algebra (the two constants
    come from the same matrix), so the check is an identity that tests
    ``skmm_convex.certified_c_s``; the gap ``c_LMI / c_diag`` is the report.
    """
    inst = as_instance(problem)
    gen = as_generator(rng)
    rows = []
    for n in n_values:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sel = select(
                inst.features, n, method="skmm", rng=gen.spawn(1)[0], sketch_dim=sketch_dim, c_s=c_s
            )
        moments = compute_moments(sel.solution.sketch)
        coresets = [("skmm", sel.indices)] + [
            ("uniform", uniform_coreset(inst.n_samples, n, gen)) for _ in range(n_uniform)
        ]
        for name, s in coresets:
            rows.append((n, name, *_certified_pair(moments, s)))
    if commuting_sketches is None:
        commuting_sketches = [_commuting_sketch(gen) for _ in range(5)]
    commuting = []
    for sketch in commuting_sketches:
        sketch = np.asarray(sketch, dtype=float)
        moments = compute_moments(sketch)
        size = min(60, sketch.shape[0])
        commuting.append(_certified_pair(moments, uniform_coreset(sketch.shape[0], size, gen)))
    order_ok = all(d <= lmi * (1 + 1e-10) for (_, _, d, lmi) in rows)
    equal_ok = all(abs(d - lmi) <= 1e-8 * lmi for (d, lmi) in commuting)
    ratios = np.array([d / lmi for (_, _, d, lmi) in rows])
    worst = int(np.argmin(ratios))
    return CheckResult(
        key="S9",
        statement="the diagonal conditions v_j' Sigma~_S v_j >= lambda_j/c_S are necessary for "
        "Sigma~ <= c_S Sigma~_S, and sufficient when Sigma~_S commutes with Sigma~",
        status="certain",
        tag="[P]",
        sense="<=",
        bound=rows[worst][3],
        empirical=rows[worst][2],
        uncertainty=0.0,
        allowance="exact: c_diag <= c_LMI (1 + 1e-10); commuting case equal to 1e-8",
        holds=bool(order_ok and equal_ok),
        kind="identity",
        details=dict(
            ratios=ratios,
            ratio_label="c_diag / c_LMI",
            table=[dict(n=n, coreset=name, c_diag=d, c_lmi=lmi) for (n, name, d, lmi) in rows],
            max_gap=float(1 / ratios.min()),
            commuting_max_relative_difference=max(abs(d - lmi) / lmi for (d, lmi) in commuting),
            sketch_dim=sketch_dim,
            c_s=c_s,
        ),
    )
