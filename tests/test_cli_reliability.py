"""The command line: exit codes, one-line errors, no clobbering, atomic writes, .npy/.npz."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from skmm_convex import cli
from skmm_convex._io import load_array


@pytest.fixture
def workdir(tmp_path, monkeypatch, global_seed):
    features = np.random.default_rng(global_seed).standard_normal((40, 10))
    np.save(tmp_path / "g.npy", features)
    np.savez(tmp_path / "g.npz", mine=features, other=features[:5])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _error_lines(captured) -> list[str]:
    """The ``error:`` lines on stderr; every stderr line is a ``skmm-convex`` message."""
    lines = [line for line in captured.err.splitlines() if line]
    assert all(line.startswith("skmm-convex") for line in lines), lines
    return [line for line in lines if ": error: " in line]


def _run(capsys, *argv):
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], r"required: COMMAND"),
        (["select", "g.npy", "--out", "o.npz"], r"required: --n"),
        (["select", "g.npy", "--n", "x", "--out", "o.npz"], r"invalid int value: 'x'"),
        (["select", "g.npy", "--n", "5"], r"--out is required"),
        (["select", "g.npy", "--n", "0", "--out", "o.npz"], r"n must be an int in \[1, 40\]"),
        (["select", "g.npy", "--n", "5", "--out", "o.npz", "--c-s", "-1"], r"c_s must be"),
        (["select", "g.npy", "--n", "5", "--out", "o.npz", "--solver", "FOO"], r"'FOO' is not"),
    ],
)
def test_usage_errors_exit_2_with_one_line(workdir, capsys, argv, message):
    code, captured = _run(capsys, *argv)
    lines = _error_lines(captured)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("skmm-convex")
    assert ": error: " in lines[0]
    assert re.search(message, lines[0])
    assert not (workdir / "o.npz").exists()


@pytest.mark.parametrize(
    "setup, argv, message",
    [
        (None, ["select", "missing.npy", "--n", "5", "--out", "o.npz"], r"does not exist"),
        ("notes.txt", ["select", "notes.txt", "--n", "5", "--out", "o.npz"], r"neither a \.npy"),
        ("fake.npy", ["select", "fake.npy", "--n", "5", "--out", "o.npz"], r"neither a \.npy"),
        (None, ["select", "g.npz", "--n", "5", "--out", "o.npz"], r"name one with --key"),
    ],
)
def test_runtime_errors_exit_1_with_one_line(workdir, capsys, setup, argv, message):
    if setup is not None:
        (workdir / setup).write_text("not numpy\n")
    code, captured = _run(capsys, *argv)
    lines = _error_lines(captured)
    assert code == 1 and len(lines) == 1
    assert re.search(message, lines[0])
    assert not (workdir / "o.npz").exists()


def test_existing_output_is_never_overwritten_without_force(workdir, capsys):
    (workdir / "o.npz").write_bytes(b"precious")
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz")
    assert code == 1 and "pass --force" in captured.err
    assert (workdir / "o.npz").read_bytes() == b"precious"
    code, _ = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz", "--force")
    assert code == 0
    with np.load(workdir / "o.npz") as out:
        assert out["indices"].shape == (5,)


def test_output_holds_indices_weights_and_info(workdir, capsys):
    code, captured = _run(capsys, "select", "g.npy", "--n", "6", "--out", "o.npz", "--seed", "3")
    assert code == 0 and "wrote o.npz" in captured.out
    with np.load(workdir / "o.npz") as out:
        indices, weights = out["indices"], out["weights"]
        info = json.loads(str(out["info"]))
    assert np.unique(indices).size == 6 and indices.min() >= 0 and indices.max() < 40
    assert weights.shape == (40,) and abs(weights.sum() - 1) < 1e-8
    assert info["n"] == 6 and info["seed"] == 3
    # the QP solver, or HiGHS when the degeneracy LP settled the (vertex-mode) solve alone
    assert info["solver"] == ("HIGHS" if info["degenerate"] else "CLARABEL")
    assert oct(os.stat(workdir / "o.npz").st_mode & 0o777) != oct(0o600)  # not mkstemp's mode


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_interrupted_write_leaves_no_file(workdir, capsys, monkeypatch, error):
    def savez(file, **arrays):
        file.write(b"PK\x03\x04 the first half of an archive")  # a half-written file ...
        raise error  # ... then the interruption

    monkeypatch.setattr(np, "savez", savez)
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz")
    assert code == (130 if isinstance(error, KeyboardInterrupt) else 1)
    assert len(_error_lines(captured)) == 1
    assert sorted(p.name for p in workdir.iterdir()) == ["g.npy", "g.npz"]  # nothing left


def test_interrupted_overwrite_keeps_the_old_file(workdir, capsys, monkeypatch):
    (workdir / "o.npz").write_bytes(b"previous result")

    def savez(file, **arrays):
        file.write(b"PK\x03\x04 half")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(np, "savez", savez)
    code, _ = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz", "--force")
    assert code == 1
    assert (workdir / "o.npz").read_bytes() == b"previous result"
    assert sorted(p.name for p in workdir.iterdir()) == ["g.npy", "g.npz", "o.npz"]


def test_npy_is_memory_mapped_and_npz_read_by_key(workdir, capsys):
    assert isinstance(load_array(workdir / "g.npy"), np.memmap)
    code, _ = _run(capsys, "select", "g.npy", "--n", "5", "--out", "a.npz")
    assert code == 0
    code, _ = _run(capsys, "select", "g.npz", "--key", "mine", "--n", "5", "--out", "b.npz")
    assert code == 0
    with np.load(workdir / "a.npz") as a, np.load(workdir / "b.npz") as b:
        np.testing.assert_array_equal(a["indices"], b["indices"])
        np.testing.assert_array_equal(a["weights"], b["weights"])


def test_unexpected_exception_is_one_line_not_a_traceback(workdir, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something nobody anticipated")

    monkeypatch.setattr(cli, "select", broken)
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz")
    lines = _error_lines(captured)
    assert code == 1 and len(lines) == 1
    assert "unexpected RuntimeError: something nobody anticipated" in lines[0]


def test_help_and_version_exit_0(capsys):
    assert cli.main(["--version"]) == 0
    assert cli.main(["select", "--help"]) == 0


LOADED_EXPERIMENTS = """
import sys
from skmm_convex.cli import main
code = main(sys.argv[1:])
print(code, sorted(m for m in sys.modules if m.startswith("skmm_convex.experiments.")))
"""


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["select", "--help"], []),
        (["--version"], []),
        (["reproduce", "--help"], []),
        (
            ["reproduce", "gmm", "--help"],
            ["skmm_convex.experiments.gmm"]
            + [f"skmm_convex.experiments.gmm.{m}" for m in ("cli", "config", "report", "run")],
        ),
    ],
)
def test_an_experiment_is_imported_only_when_its_command_runs(argv, loaded):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", LOADED_EXPERIMENTS, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"0 {loaded}"


def test_subprocess_usage_error(workdir):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "skmm_convex", "select", "g.npy", "--n", "99", "--out", "o.npz"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "skmm-convex: error: n must be an int in [1, 40], got 99"
    ]
    assert not (workdir / "o.npz").exists()


def test_solver_failure_exits_1_with_one_line(workdir, capsys, monkeypatch):
    import cvxpy as cp

    def fail(self, *args, **kwargs):
        raise cp.error.SolverError("simulated numerical trouble")

    monkeypatch.setattr(cp.Problem, "solve", fail)
    args = ("select", "g.npy", "--n", "5", "--out", "o.npz", "--solution", "interior")
    code, captured = _run(capsys, *args)
    lines = _error_lines(captured)
    assert code == 1 and len(lines) == 1
    assert re.search(r"CLARABEL: simulated numerical trouble; SCS: simulated", lines[0])
    assert not (workdir / "o.npz").exists()


# --- hostile environments: the working directory, special files, signals, partial outputs ----

ROOT = Path(__file__).resolve().parent.parent
# What the ``skmm-convex`` console script does: the working directory is not on sys.path.
CONSOLE_SCRIPT = "import sys\ndel sys.path[0]\nfrom skmm_convex.cli import main\nsys.exit(main())"
ENTRY_POINT = "import sys\ndel sys.path[0]\nfrom skmm_convex.entry import main\nsys.exit(main())"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("poison", ["theory_checks/__init__.py", "numpy.py"])
def test_theory_never_runs_code_from_the_working_directory(tmp_path, poison):
    marker = tmp_path / "POISONED"
    (tmp_path / poison).parent.mkdir(exist_ok=True)
    (tmp_path / poison).write_text(
        f"open({str(marker)!r}, 'w').close()\nraise SystemExit('poisoned module ran')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", CONSOLE_SCRIPT, "theory", "--help"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert not marker.exists(), f"{poison} of the working directory was executed"
    assert done.returncode == 0, done.stderr
    assert "usage: skmm-convex theory" in done.stdout


def test_theory_command_keeps_the_working_directory_off_sys_path():
    command = cli.theory_command(["--quick"])
    assert command[0] == sys.executable and command[-1] == "--quick"
    assert "-m" not in command  # `python -m` puts the working directory first on sys.path


def _special(path: Path, kind: str) -> None:
    """Make a FIFO, a copy of /dev/null or /dev/full (mknod, root only), or a socket."""
    import socket
    import stat

    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    else:
        minor = {"null": 3, "full": 7}[kind]
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        except PermissionError:
            pytest.skip("making a device node needs root")


def _kind(path: Path) -> str:
    import stat

    mode = os.lstat(path).st_mode
    return next(
        k
        for k, t in (
            ("chr", stat.S_ISCHR),
            ("fifo", stat.S_ISFIFO),
            ("sock", stat.S_ISSOCK),
            ("reg", stat.S_ISREG),
        )
        if t(mode)
    )


@pytest.mark.parametrize("force", [False, True], ids=["", "force"])
def test_a_device_output_is_written_through_never_replaced(workdir, capsys, force):
    _special(workdir / "null", "null")
    code, captured = _run(
        capsys, "select", "g.npy", "--n", "5", "--out", "null", *(["--force"] if force else [])
    )
    assert code == 0, captured.err
    assert _kind(workdir / "null") == "chr"
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")]


def test_a_full_device_is_a_one_line_error_naming_it(workdir, capsys):
    _special(workdir / "full", "full")
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "full", "--force")
    lines = _error_lines(captured)
    assert code == 1 and lines == [
        "skmm-convex: error: cannot write 'full': No space left on device"
    ]
    assert _kind(workdir / "full") == "chr"


def test_a_fifo_output_is_written_through(workdir, capsys):
    import threading

    _special(workdir / "pipe", "fifo")
    received = []
    reader = threading.Thread(target=lambda: received.append((workdir / "pipe").read_bytes()))
    reader.start()
    try:
        code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "pipe")
    finally:
        if reader.is_alive():  # the writer failed before opening the FIFO: release the reader
            with open(workdir / "pipe", "wb"):
                pass
        reader.join(timeout=60)
    assert code == 0, captured.err
    assert _kind(workdir / "pipe") == "fifo"
    (workdir / "got.npz").write_bytes(received[0])
    with np.load(workdir / "got.npz") as out:
        assert out["indices"].shape == (5,)


def test_a_socket_output_is_refused_before_the_work(workdir, capsys, monkeypatch):
    _special(workdir / "sock", "socket")
    monkeypatch.setattr(cli, "select", lambda *a, **k: pytest.fail("the work ran"))
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "sock", "--force")
    assert code == 1 and _error_lines(captured) == [
        "skmm-convex: error: output 'sock' is a socket; give a regular file name"
    ]
    assert _kind(workdir / "sock") == "sock"


def test_an_unwritable_output_folder_is_refused_before_the_work(workdir, capsys, monkeypatch):
    import skmm_convex._io as io_module

    (workdir / "ro").mkdir()
    real = os.access
    monkeypatch.setattr(
        io_module.os, "access", lambda p, m: False if Path(p).name == "ro" else real(p, m)
    )
    monkeypatch.setattr(cli, "select", lambda *a, **k: pytest.fail("the work ran"))
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "ro/o.npz")
    assert code == 1
    assert _error_lines(captured) == ["skmm-convex: error: output folder 'ro' is not writable"]


def test_a_failed_write_names_the_output_not_a_temporary(workdir, capsys, monkeypatch):
    def savez(file, **arrays):
        raise OSError(28, "No space left on device", file.name)

    monkeypatch.setattr(np, "savez", savez)
    code, captured = _run(capsys, "select", "g.npy", "--n", "5", "--out", "o.npz")
    assert code == 1 and _error_lines(captured) == [
        "skmm-convex: error: cannot write 'o.npz': No space left on device"
    ]


def _wait_for_handler(pid: int, signum: int, timeout: float = 60) -> None:
    """Wait until process ``pid`` catches ``signum`` (Linux: SigCgt in /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        pytest.skip("needs /proc to know when the entry point's handlers are in place")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        caught = next(
            (
                line.split()[1]
                for line in status.read_text().splitlines()
                if line.startswith("SigCgt")
            ),
            "0",
        )
        if int(caught, 16) >> (signum - 1) & 1:
            return
        time.sleep(0.01)
    pytest.fail(f"process {pid} never installed a handler for signal {signum}")


def _signalled(argv: list[str], signum: int, after: float) -> subprocess.CompletedProcess:
    child = subprocess.Popen(
        [sys.executable, "-c", ENTRY_POINT, *argv],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_handler(child.pid, signal.SIGTERM)
    time.sleep(after)
    child.send_signal(signum)
    out, err = child.communicate(timeout=120)
    return subprocess.CompletedProcess(argv, child.returncode, out, err)


@pytest.mark.parametrize(
    "signum, code, line",
    [
        (signal.SIGINT, 130, "skmm-convex: error: interrupted"),
        (signal.SIGTERM, 143, "skmm-convex: error: stopped by SIGTERM"),
    ],
    ids=["INT", "TERM"],
)
def test_a_signal_during_start_up_is_one_line(signum, code, line):
    """0.2 s after the handlers are in place, numpy, SciPy and CVXPY are still being imported."""
    done = _signalled(["select", "--demo", "--n", "5"], signum, 0.2)
    assert (done.returncode, done.stderr.splitlines()) == (code, [line])
    assert done.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, code, line",
    [
        (signal.SIGINT, 130, "skmm-convex: error: interrupted"),
        (signal.SIGTERM, 143, "skmm-convex: error: stopped by SIGTERM"),
    ],
    ids=["INT", "TERM"],
)
def test_a_signal_to_reproduce_gmm_ends_it_and_its_workers(tmp_path, signum, code, line):
    """The caller's pipes close (no worker holds them), one line, no partial output set."""
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "gmm"
    child = subprocess.Popen(
        [sys.executable, "-c", ENTRY_POINT, "reproduce", "gmm", "--quick", "--out", str(out)],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = []
    try:
        deadline = time.monotonic() + 300
        while len(workers) < 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = psutil.Process(child.pid).children(recursive=True)
        assert len(workers) >= 2, "the pool never started"
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)  # hangs if a worker keeps the pipes open
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive
        assert (child.returncode, err.splitlines()) == (code, [line])
        assert not out.exists()
    finally:
        for process in [child, *workers]:
            try:
                process.kill()
            except (ProcessLookupError, psutil.NoSuchProcess):
                pass


@pytest.fixture(scope="module")
def tiny_gmm():
    from skmm_convex.experiments.gmm.config import GMMConfig
    from skmm_convex.experiments.gmm.run import run_gmm

    config = GMMConfig(
        sizes=(8,), seeds=1, n_samples=60, n_features=70, n_clusters=3, sketch_dim=8, rank=8
    )
    return run_gmm(config, jobs=1)


def test_a_full_disk_leaves_no_part_of_the_gmm_output_set(tmp_path, monkeypatch, tiny_gmm):
    """figure.png (the third of four files) hits ENOSPC: no file, no folder, a clean rerun."""
    from matplotlib.figure import Figure

    from skmm_convex.experiments.gmm.report import OUTPUT_FILES, write_outputs

    out = tmp_path / "gmm"
    real = Figure.savefig

    def savefig(self, target, **kwargs):
        Path(target).write_bytes(b"\x89PNG half a figure")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", savefig)
    with pytest.raises(OSError, match=r"cannot write '.*figure\.png': No space left on device"):
        write_outputs(tiny_gmm, out)
    assert list(tmp_path.iterdir()) == []  # not even the folder it would have made
    monkeypatch.setattr(Figure, "savefig", real)
    paths = write_outputs(tiny_gmm, out)  # no --force needed: nothing was left behind
    assert sorted(p.name for p in paths) == sorted(OUTPUT_FILES)
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)


def test_a_failing_classification_report_leaves_no_part_of_its_set(tmp_path, monkeypatch):
    from skmm_convex.experiments import report

    out = tmp_path / "probe"
    monkeypatch.setattr(report, "draw_figure", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        report.write_report(out, [], "title", [], force=False)
    assert list(tmp_path.iterdir()) == []


def test_probe_with_a_missing_input_creates_nothing(workdir, capsys):
    code, captured = _run(
        capsys,
        "reproduce",
        "probe",
        "--features",
        "missing.npy",
        "--labels",
        "missing.npy",
        "--test-features",
        "g.npy",
        "--test-labels",
        "g.npy",
        "--sizes",
        "5",
        "--out",
        "new",
    )
    assert code == 1 and "does not exist" in captured.err
    assert not (workdir / "new").exists()


@pytest.mark.slow
@pytest.mark.parametrize("group", [False, True], ids=["TERM-to-the-command", "INT-to-its-group"])
def test_a_signal_to_theory_ends_its_child_with_one_line(group):
    """kill PID reaches the command alone (passed on to its child); Ctrl-C reaches both."""
    psutil = pytest.importorskip("psutil")
    child = subprocess.Popen(
        [sys.executable, "-c", ENTRY_POINT, "theory", "--quick"],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    checks = []
    try:
        deadline = time.monotonic() + 120
        while not checks and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            checks = psutil.Process(child.pid).children(recursive=True)
        assert checks, "the checks never started"
        time.sleep(2)  # the child is past its imports and running checks
        if group:
            os.killpg(child.pid, signal.SIGINT)
        else:
            child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
        _, alive = psutil.wait_procs(checks, timeout=30)
        assert not alive
        expected = (130, "interrupted") if group else (143, "stopped by SIGTERM")
        lines = err.splitlines()
        # the checks' own progress lines may come first (they run for a while); the stop is
        # one line, the last, and nothing else is an error or a traceback
        assert (child.returncode, lines[-1]) == (expected[0], f"skmm-convex: error: {expected[1]}")
        assert all(line.startswith("  ") for line in lines[:-1]), lines
    finally:
        for process in [child, *checks]:
            try:
                process.kill()
            except (ProcessLookupError, psutil.NoSuchProcess):
                pass


def test_a_signal_swallowed_by_a_finalizer_is_sent_again():
    """Ctrl-C landing in a ``__del__`` is reported by Python and ignored; the entry point's
    hook sends it again, so the command still stops with its one line."""
    code = (
        "import gc, os, signal, sys\n"
        "from skmm_convex import entry\n"
        "class Finalised:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt\n"
        "def command(argv):\n"
        "    Finalised()\n"
        "    gc.collect()\n"
        "    for _ in range(10**7):\n"
        "        pass\n"
        "    return 0\n"
        "import skmm_convex.cli\n"
        "skmm_convex.cli.main = command\n"
        "sys.exit(entry.main([]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.splitlines()) == (130, ["skmm-convex: error: interrupted"])
