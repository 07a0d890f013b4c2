"""The top-level package: every public name resolves, and importing it loads nothing heavy."""

import subprocess
import sys

import skmm_convex


def test_every_public_name_resolves_to_its_home():
    public = set(skmm_convex.__all__) - {"__version__"}
    assert public == set(skmm_convex._HOMES)
    for name in public:
        value = getattr(skmm_convex, name)
        home = skmm_convex._HOMES[name].lstrip(".")
        assert getattr(sys.modules[f"skmm_convex.{home}"], name) is value


def test_an_unknown_name_is_an_attribute_error():
    try:
        skmm_convex.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_importing_the_package_loads_neither_numpy_nor_cvxpy():
    code = "import sys, skmm_convex; print('numpy' in sys.modules, 'cvxpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
