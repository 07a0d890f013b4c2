import subprocess
import sys
from pathlib import Path

import pytest

import skmm_convex
from skmm_convex import cli as skmm_cli
from theory_checks import CheckResult, cli, registry
from theory_checks.report import format_markdown


def test_exit_code_zero_and_table(capsys):
    assert cli.main(["--quick", "--only", "S11,S5-general"]) == 0
    out = capsys.readouterr().out
    assert "S5-general" in out and "fails as designed" in out
    assert "check" in out and "verdict" in out and "kind" in out
    assert "2 checks: 1 identity holds, 1 fails as designed" in out


def _fixed(**fields):
    """A registry runner that returns a fixed result, ``bound_scale`` or not."""
    base = dict(
        key="S2",
        statement="a fixed result",
        status="certain",
        tag="[P]",
        sense="<=",
        bound=1.0,
        empirical=2.0,
        uncertainty=0.0,
        allowance="exact",
        holds=False,
        details={"ratios": [2.0]},
    )
    base.update(fields)
    return lambda quick, seed, bound_scale=1.0: CheckResult(**base)


@pytest.mark.parametrize(
    ("fields", "verdict", "code"),
    [
        ({}, "FAILS", 1),
        ({"constant": 2.0, "constant_tolerance": 3.0}, "holds with a constant", 0),
        ({"constant": 4.0, "constant_tolerance": 3.0}, "FAILS", 1),
        ({"holds": True, "applicable": False}, "not applicable", 1),
        ({"kind": "identity"}, "IDENTITY FAILS", 1),
        ({"holds": True, "expected_to_hold": False}, "HOLDS, designed to fail", 1),
    ],
)
def test_exit_code_follows_the_verdict(monkeypatch, capsys, fields, verdict, code):
    monkeypatch.setitem(registry.CHECKS, "S2", (_fixed(**fields), "fixed"))
    assert cli.main(["--quick", "--only", "S2,S11"]) == code
    out = capsys.readouterr().out
    assert verdict in out
    assert ("FAILING: S2" in out) == (code == 1)


def test_a_ratio_past_one_within_the_allowance_says_so(monkeypatch, capsys):
    fixed = _fixed(holds=True, kind="monte-carlo", empirical=1.01, draws=10, false_alarm=1e-3)
    monkeypatch.setitem(registry.CHECKS, "S2", (fixed, "fixed"))
    assert cli.main(["--quick", "--only", "S2"]) == 0
    out = capsys.readouterr().out
    assert "ratio 1.01 past 1, within the allowance" in out
    assert "10 draws, false alarm <= 0.001" in out


def test_negative_controls_are_caught(capsys):
    assert cli.main(["--quick", "--negative-controls", "--only", "S4,S5-general,S11"]) == 0
    out = capsys.readouterr().out
    assert "S4          bound x" in out and "fails as it should (FAILS)" in out
    assert "S5-general" in out and "holds as it should" in out
    assert "S11" not in out  # an identity: no bound to scale
    assert "2/2 negative controls caught" in out


def test_a_check_that_cannot_fail_is_reported(monkeypatch, capsys):
    always = _fixed(holds=True, empirical=0.5, details={"ratios": [0.5]})
    monkeypatch.setitem(registry.CHECKS, "S2", (always, "cannot fail"))
    assert cli.main(["--quick", "--negative-controls", "--only", "S2"]) == 1
    out = capsys.readouterr().out
    assert "S2          bound x 0.25: PASSES: the check cannot fail (holds)" in out
    assert "0/1 negative controls caught" in out


def test_quiet_and_markdown(capsys):
    assert cli.main(["--quick", "--only", "S11", "--quiet", "--markdown"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "| check | kind | source |" in captured.out
    assert "| S11 | identity | ours | = |" in captured.out
    assert cli.main(["--quick", "--only", "S11"]) == 0
    assert "S11: identity holds" in capsys.readouterr().err  # not a TTY: no bar, lines only


def test_markdown_escapes_the_bars_of_norms():
    result = _fixed(statement="E[ER] <= ||theta||^2")(True, 0)
    text = format_markdown([result])
    assert "E[ER] <= \\|\\|theta\\|\\|^2" in text
    assert all(line.replace("\\|", "").count("|") in (4, 10) for line in text.splitlines() if line)


def _crashing(quick, seed, bound_scale=1.0):
    raise RuntimeError("solver exploded")


def test_a_crashing_check_is_reported_and_fails_the_run(monkeypatch, capsys):
    monkeypatch.setitem(registry.CHECKS, "S2", (_crashing, "crashes"))
    assert cli.main(["--quick", "--only", "S2,S11"]) == 1
    out = capsys.readouterr().out
    assert "ERROR in check S2: RuntimeError: solver exploded" in out
    assert "S11" in out


def test_usage_errors():
    for argv in (["--only", "S99"], ["--blas-threads", "0"], ["--seed", "-1"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2


def test_plots_are_written_and_not_overwritten(tmp_path, capsys):
    assert cli.main(["--quick", "--only", "S5-general", "--plot", str(tmp_path)]) == 0
    assert (tmp_path / "S5-general.png").stat().st_size > 0
    assert cli.main(["--quick", "--only", "S5-general", "--plot", str(tmp_path)]) == 1
    assert "--force" in capsys.readouterr().err
    assert cli.main(["--quick", "--only", "S5-general", "--plot", str(tmp_path), "--force"]) == 0


def test_existing_figures_are_refused_before_the_checks_run(tmp_path, capsys, monkeypatch):
    (tmp_path / "S11.png").write_bytes(b"precious")
    monkeypatch.setattr(registry, "run_check", lambda *a: pytest.fail("the checks ran"))
    monkeypatch.setattr(cli, "run_check", lambda *a: pytest.fail("the checks ran"))
    assert cli.main(["--quick", "--only", "S11", "--plot", str(tmp_path)]) == 1
    assert "S11.png); pass --force" in capsys.readouterr().err
    assert (tmp_path / "S11.png").read_bytes() == b"precious"


def test_skmm_convex_theory_subcommand_runs_a_subprocess(capfd):
    assert skmm_cli.main(["theory", "--quick", "--only", "S11"]) == 0
    assert "S11" in capfd.readouterr().out


def test_skmm_convex_theory_passes_arguments_and_exit_code(monkeypatch):
    calls = []

    class Child:
        def __init__(self, command):
            calls.append(command)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def wait(self, timeout=None):
            return 3

    monkeypatch.setattr(subprocess, "Popen", Child)
    assert skmm_cli.main(["theory", "--quick", "--seed", "4", "--help"]) == 3
    assert calls == [skmm_cli.theory_command(["--quick", "--seed", "4", "--help"])]
    assert calls[0][0] == sys.executable and calls[0][-4:] == ["--quick", "--seed", "4", "--help"]


def test_skmm_convex_does_not_import_theory_checks():
    package = Path(skmm_convex.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "import theory_checks" not in text and "from theory_checks" not in text, path
