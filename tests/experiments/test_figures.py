"""Library figures leave matplotlib's global state alone (a notebook's inline backend keeps
working after ``reproduce`` or ``theory_checks`` has written a PNG)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n"

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import matplotlib

    matplotlib.use("svg")  # stands in for a notebook's backend

    from skmm_convex.experiments.gmm.config import GMMConfig, GMMResult, Run
    from skmm_convex.experiments.gmm.report import write_figure
    from skmm_convex.experiments.report import draw_figure
    from theory_checks.report import plot_result
    from theory_checks.result import CheckResult

    out = Path(sys.argv[1])
    rows = [
        dict(regime="lp", balanced="none", method=m, n=n, accuracy_mean=a, accuracy_se=0.01,
             macro_f1_mean=a, macro_f1_se=0.01, n_seeds=2, select_seconds=0.0)
        for m, a0 in (("skmm", 0.6), ("uniform", 0.5)) for n, a in ((10, a0), (20, a0 + 0.1))
    ]
    draw_figure(rows, "digits", str(out / "digits.png"))

    config = GMMConfig(sizes=(48, 120), seeds=2)
    runs = tuple(
        Run(label=row.label, seed=seed, n=n, risk=1.0 + 10.0 / n + 0.1 * seed, alpha=1.0,
            cluster_counts=(n,))
        for row in config.rows for n in config.sizes for seed in range(2)
    )
    result = GMMResult(config, runs, 1.0, (2000,), 1.0, 1.0)
    write_figure(result, out / "gmm.png", False)

    check = CheckResult(key="T1", statement="x <= 1", status="ours", tag="[OURS]", sense="<=",
                        bound=1.0, empirical=0.5, uncertainty=0.0, allowance="none", holds=True,
                        details={"ratios": [0.2, 0.5]})
    plot_result(check, out)

    print(matplotlib.get_backend(), "matplotlib.pyplot" in sys.modules)
    """
)


def test_figures_keep_the_callers_backend_and_do_not_import_pyplot(tmp_path):
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["svg", "False"]
    for name in ("digits.png", "gmm.png", "T1.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
