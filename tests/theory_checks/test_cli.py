import subprocess
import sys
from pathlib import Path

import pytest

from theory_checks import CheckResult, cli, registry


def test_exit_code_zero_and_table(capsys):
    assert cli.main(["--quick", "--only", "S11,S5-general"]) == 0
    out = capsys.readouterr().out
    assert "S5-general" in out and "fails (by design)" in out
    assert "check" in out and "verdict" in out


def _failing(quick, seed):
    return CheckResult(
        key="S2",
        statement="a check made to fail",
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


def test_exit_code_nonzero_when_an_expected_check_fails(monkeypatch, capsys):
    monkeypatch.setitem(registry.CHECKS, "S2", (_failing, "made to fail"))
    assert cli.main(["--quick", "--only", "S2,S11"]) == 1
    assert "NOT as expected: S2" in capsys.readouterr().out


def _crashing(quick, seed):
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


def test_skmm_convex_theory_subcommand_runs_a_subprocess(capfd):
    from skmm_convex import cli as skmm_cli

    assert skmm_cli.main(["theory", "--quick", "--only", "S11"]) == 0
    assert "S11" in capfd.readouterr().out


def test_skmm_convex_theory_passes_arguments_and_exit_code(monkeypatch):
    from skmm_convex import cli as skmm_cli

    calls = []

    def fake_run(command, *args, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 3)

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert skmm_cli.main(["theory", "--quick", "--seed", "4", "--help"]) == 3
    assert calls == [[sys.executable, "-m", "theory_checks", "--quick", "--seed", "4", "--help"]]


def test_skmm_convex_does_not_import_theory_checks():
    import skmm_convex

    package = Path(skmm_convex.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "import theory_checks" not in text and "from theory_checks" not in text, path
