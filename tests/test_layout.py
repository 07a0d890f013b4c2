"""The package's layout: imports form no cycle, and a request never climbs back up.

The import graph (module-level and function-level imports alike) of ``skmm_convex`` is acyclic,
no module imports a private name from another, and a call to ``select`` enters each module on
its way down and returns: no call re-enters a module that is still on the call stack below it.
"""

from __future__ import annotations

import ast
import sys
import warnings
from pathlib import Path

import pytest

import skmm_convex

PACKAGE = Path(skmm_convex.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, imported names) for every import in ``path``, relative ones resolved."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.append((target, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, names in _imports(path):
            # "from .pkg import module" imports a module too
            for candidate in [target, *(f"{target}.{n}" for n in names)]:
                if candidate in modules and candidate != name:
                    graph[name].add(candidate)
    return graph


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                cycle = path[path.index(child) :] + [child] if child in path else [node, child]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if child not in state:
                visit(child, [*path, child])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_no_private_name_is_imported_from_another_module():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for target, names in _imports(path):
            if target.startswith("skmm_convex"):
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                offenders += [f"{path.name}: {target}.{n}" for n in private]
    assert offenders == []


@pytest.mark.parametrize(
    ("c_s", "strategy"), [(0.999, "auto"), (0.5, "auto"), (0.5, "working-set")]
)
def test_select_never_climbs_back_into_a_module_on_the_stack(table1_data, c_s, strategy):
    stack: list[str | None] = []
    climbs: list[tuple[str | None, str]] = []

    def profile(frame, event, _arg):
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            module = module if module.startswith("skmm_convex") else None
            caller = stack[-1] if stack else None
            if module and module != caller and module in stack:
                climbs.append((caller, module))
            stack.append(module or caller)
        elif event == "return" and stack:
            stack.pop()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skmm_convex.DegenerateProblemWarning)
        sys.setprofile(profile)
        try:
            skmm_convex.select(table1_data.features, 120, rng=0, c_s=c_s, strategy=strategy)
        finally:
            sys.setprofile(None)
    assert climbs == []
