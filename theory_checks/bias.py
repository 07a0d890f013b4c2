"""S4: without low intrinsic dimension the excess risk is at least about r - n."""

from __future__ import annotations

import numpy as np

from skmm_convex._validation import as_generator

from ._common import (
    Z_LIMIT,
    as_instance,
    check_bound_scale,
    normal_false_alarm,
    uniform_coreset,
)
from .result import CheckResult
from .ridge import CoresetRidge

__all__ = ["check_isotropic_bias_floor"]


def check_isotropic_bias_floor(
    problem,
    *,
    n_values=(50, 150),
    n_thetas: int = 500,
    sigma: float = 1.0,
    bound_scale: float = 1.0,
    rng=0,
) -> CheckResult:
    """S4 (our precise reading): for ``Sigma = I_r`` and ``theta_* ~ N(0, I_r)``,
    ``E_{theta_*, z}[inf_alpha ER] >= r - rank(G_S) >= r - n``.

    Parameters
    ----------
    problem : Instance or ndarray (N, r)
        A design with ``G'G/N = I_r`` (``instances.isotropic``).
    n_values : sequence of int
    n_thetas : int
        Draws of theta_* per coreset.
    bound_scale : float
        Factor on the floor ``r - rank`` (1: the statement; a negative control uses a factor
        above what the means reach).

    Notes
    -----
    Ridge and min-norm estimators lie in ``Range(G_S')``, so
    ``ER >= ||P^perp theta_*||^2 ~ chi^2_{r - rank}``. The check compares the mean over theta_*
    of ``inf_alpha E_z[ER]`` with ``(r - rank) - 4 sqrt(2 (r - rank) / T)`` (4 SE of the
    chi-square mean). Each draw's risk is at least its chi-square variable, so the chance of
    a false alarm is at most the chi-square mean's 4-SE tail (normal approximation). The ratio
    reported is mean / (r - n).
    """
    scale = check_bound_scale(bound_scale)
    inst = as_instance(problem)
    gen = as_generator(rng)
    n_samples, r = inst.features.shape
    rows = []
    for n in n_values:
        s = uniform_coreset(n_samples, n, gen)
        ridge = CoresetRidge(inst.features, s)
        dof = r - ridge.rank
        values = np.array(
            [
                ridge.minimize(gen.standard_normal(r), sigma**2, n_grid=120).risk
                for _ in range(n_thetas)
            ]
        )
        mean, se = float(values.mean()), float(values.std(ddof=1) / np.sqrt(n_thetas))
        rows.append((n, dof, mean, se, scale * dof - Z_LIMIT * np.sqrt(2 * dof / n_thetas)))
    ratios = np.array([mean / (scale * (r - n)) for (n, _, mean, _, _) in rows])
    worst = int(np.argmin(ratios))
    return CheckResult(
        key="S4",
        statement="no low intrinsic dimension (Sigma = I_r, theta_* ~ N(0, I)): "
        "E[ER(theta_S)] >~ r - n",
        status="reconstructed",
        tag="[R]",
        sense=">=",
        bound=float(scale * (r - rows[worst][0])),
        empirical=rows[worst][2],
        uncertainty=rows[worst][3],
        allowance=f"mean over T={n_thetas} theta_* >= (r - rank) - {Z_LIMIT:g} sqrt(2 (r - rank)/T)"
        " (4 SE of the chi-square floor)",
        holds=all(mean >= floor for (_, _, mean, _, floor) in rows),
        kind="monte-carlo",
        draws=n_thetas,
        false_alarm=normal_false_alarm(len(rows), False),
        details=dict(
            bound_scale=scale,
            ratios=ratios,
            ratio_label="mean inf_alpha E[ER] / (r - n)",
            table=[dict(n=n, r_minus_rank=d, mean=m, se=e) for (n, d, m, e, _) in rows],
            n_thetas=n_thetas,
        ),
    )
