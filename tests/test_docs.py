"""The README and the documentation site: current, complete, and buildable.

* the README keeps the two set-up commands (``.ci/run`` runs the test one), stays under 12 KB,
  and its results-at-a-glance block is what ``docs/generate.py`` writes from the results files
  now (a stale number fails);
* every other number with a decimal point (or a speed-up like ``191x``) in the prose of the
  README and of the pages is found in a results file: a number copied by hand that the files
  no longer hold fails;
* every included file, image, link and page reference exists; nothing points outside the
  repository;
* every public name has an API entry, every notebook a tutorial page;
* the theory page includes the theory checks' generated report, and no Markdown file outside
  the generated folders holds a pasted row of it (a result table row, a negative-control line);
* the examples of the README and of the Getting-started page run;
* the site builds with warnings as errors (when Sphinx is installed: the ``test`` extra has it).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import skmm_convex
import theory_checks

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
RUN_COMMAND = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && skmm-convex reproduce gmm"
)
TEST_COMMAND = 'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && pytest'
README_LIMIT = 12 * 1024


def _generate():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages() -> list[Path]:
    """The hand-written pages of the site (Markdown and reST), not the generated ones."""
    skip = {"_build", "_generated", "generated", "jupyter_execute"}
    return sorted(
        p
        for p in DOCS.rglob("*")
        if p.suffix in {".md", ".rst"} and not skip & set(p.relative_to(DOCS).parts)
    )


def _prose(text: str) -> str:
    """``text`` without code blocks, code spans, math, directive options and link targets."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"^(\.\. |   :).*$", " ", text, flags=re.M)  # reST directives and options
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"`[^`\n]+`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"arXiv \d{4}\.\d{4,5}", " ", text)  # the paper's identifier
    return re.sub(r"https?://\S+", " ", text)


def _results_text() -> str:
    files = [*(ROOT / "benchmarks" / "results").glob("*.md")]
    files += [p for p in (DOCS / "_generated").rglob("*") if p.suffix in {".md", ".txt"}]
    files.append(DOCS / "bad_inputs.md")
    return "\n".join(p.read_text() for p in files)


def test_readme_keeps_the_two_set_up_commands():
    lines = README.read_text().splitlines()
    assert RUN_COMMAND in lines
    assert TEST_COMMAND in lines
    assert TEST_COMMAND.split(" && ", 2)[2] in (ROOT / ".ci" / "run").read_text()


def test_readme_is_short():
    size = len(README.read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes, the limit is {README_LIMIT}"


def test_readme_results_at_a_glance_are_current():
    generate = _generate()
    text = README.read_text()
    assert text.count(generate.GLANCE_START) == 1 and text.count(generate.GLANCE_END) == 1
    expected = generate.readme_with_glance(text, generate.glance_lines())
    assert text == expected, "README is stale: run `python docs/generate.py --readme`"
    block = text[text.index(generate.GLANCE_START) : text.index(generate.GLANCE_END)]
    assert 5 <= block.count("\n- ") <= 8


def test_readme_block_rewriting_replaces_only_the_block():
    generate = _generate()
    text = f"before\n{generate.GLANCE_START}\n- stale 1.23\n{generate.GLANCE_END}\nafter\n"
    new = generate.readme_with_glance(text, ["- fresh"])
    assert new == f"before\n{generate.GLANCE_START}\n- fresh\n{generate.GLANCE_END}\nafter\n"


NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+(?:e[+-]?\d+)?|\d+(?:\.\d+)?x)(?![\w.])")


def _stale(text: str, results: str) -> list[str]:
    """The numbers of the prose of ``text`` that ``results`` does not hold."""
    return [n for n in NUMBER.findall(_prose(text)) if n not in results]


@pytest.mark.parametrize("path", [README, *_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_numbers_in_prose_come_from_a_results_file(path):
    text = path.read_text()
    if path == README:  # the generated block is checked against its files above
        generate = _generate()
        start, end = text.index(generate.GLANCE_START), text.index(generate.GLANCE_END)
        text = text[:start] + text[end:]
    stale = _stale(text, _results_text())
    assert not stale, f"{path.name}: numbers found in no results file: {stale}"


def test_the_number_check_catches_a_retyped_number():
    results = "| 0.042 | 0.204 | 191x |"
    prose = "The proof takes 0.034 s against 0.204 s (`0.19` in code is not prose), 191x."
    assert _stale(prose, results) == ["0.034"]


DIRECTIVE = re.compile(r"```\{(include|literalinclude|image|figure)\}\s+(\S+)")


def test_included_files_and_images_exist():
    found = 0
    for page in _pages():
        for _kind, target in DIRECTIVE.findall(page.read_text()):
            found += 1
            assert (page.parent / target).is_file(), f"{page.name}: {target} does not exist"
    assert found >= 10  # Table 1, digits, theory, the benchmark tables and figures


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", " ", path.read_text(), flags=re.S)
    return re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("path", [README, *_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_links_point_inside_the_repository_at_files_that_exist(path):
    for link in _links(path):
        if re.match(r"(https?|mailto):", link) or link.startswith("#"):
            continue
        target = (path.parent / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT), f"{path.name}: {link} leaves the repository"
        assert target.exists(), f"{path.name}: {link} does not exist"


@pytest.mark.parametrize("path", [README, *_pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_page_references_exist(path):
    for target in re.findall(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`", path.read_text()):
        base = DOCS if target.startswith("/") else path.parent
        stem = base / target.lstrip("/")
        suffixes = (".md", ".rst", ".ipynb")
        assert any(stem.with_suffix(s).exists() for s in suffixes), f"{path.name}: {target}"


def test_nothing_mentions_the_notes_outside_the_repository():
    for path in [README, *_pages(), DOCS / "conf.py", DOCS / "generate.py"]:
        assert "shared/" not in path.read_text(), f"{path} mentions shared/"


def test_every_public_name_has_an_api_entry():
    api = (DOCS / "api" / "index.rst").read_text()
    entries = set(re.findall(r"^   (\w+)$", api, flags=re.M))
    public = {n for n in skmm_convex.__all__ if n != "__version__"} | set(theory_checks.__all__)
    assert public - entries == set(), "public names without an API page"
    assert entries - public == set(), "API entries that are not public names"


def test_every_notebook_has_a_tutorial_page():
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    links = sorted(p.name for p in (DOCS / "tutorials").glob("*.ipynb"))
    assert links == notebooks
    for link in (DOCS / "tutorials").glob("*.ipynb"):
        assert link.resolve() == (ROOT / "notebooks" / link.name).resolve()
    index = (DOCS / "tutorials" / "index.md").read_text()
    for name in notebooks:
        assert f"\n{Path(name).stem}\n" in index, f"{name} is not in the tutorials toctree"


THEORY = DOCS / "_generated" / "theory"
THEORY_FILES = ("summary.txt", "results.md", "allowances.md", "monte_carlo.txt", "controls.txt")
# a row of the theory checks' table (`| S1 | monte-carlo | ... | 0.97 |`) or a negative-control
# line (`S1   bound x 0.263: fails as it should`), as `python -m theory_checks` prints them
PASTED_THEORY = re.compile(
    r"\s*(\|\s*(F0|S\d+(-general)?)\s*\|.*\d|(F0|S\d+(-general)?)\s+bound x \S*\d)"
)


def _pasted_theory_lines(text: str) -> list[str]:
    """The lines of ``text`` that look like a pasted piece of the theory checks' output."""
    return [line.strip() for line in text.splitlines() if PASTED_THEORY.match(line)]


def _markdown_files() -> list[Path]:
    """Every Markdown file of the repository but the generated and results folders."""
    generated = (DOCS / "_generated", ROOT / "benchmarks" / "results", DOCS / "_build")
    return sorted(
        p
        for p in ROOT.rglob("*.md")
        if not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
        and not any(p.is_relative_to(folder) for folder in generated)
    )


def test_the_theory_page_includes_the_generated_report():
    page = (DOCS / "theory.md").read_text()
    included = {Path(target).name for _kind, target in DIRECTIVE.findall(page)}
    for name in THEORY_FILES:
        assert name in included, f"docs/theory.md does not include _generated/theory/{name}"
        assert (THEORY / name).is_file()
    # the README's theory line quotes the generated summary of verdicts and of the controls
    summary = (THEORY / "summary.txt").read_text().splitlines()[1]
    controls = (THEORY / "controls.txt").read_text().splitlines()[-1]
    theory_line = next(line for line in README.read_text().splitlines() if "**Theory.**" in line)
    assert summary in theory_line and controls in theory_line


def test_the_paste_detector_flags_the_generated_report():
    for name in ("results.md", "allowances.md", "controls.txt"):
        text = (THEORY / name).read_text()
        rows = [line for line in text.splitlines() if re.match(r"\|? ?(F0|S\d)", line)]
        assert rows and _pasted_theory_lines(text) == rows, name
    prose = "| S1 is the variance identity |\nS5 bounds the risk; see | F0 | in the table."
    assert _pasted_theory_lines(prose) == []


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_markdown_file_pastes_the_theory_report(path):
    pasted = _pasted_theory_lines(path.read_text())
    assert not pasted, f"{path.name} holds pasted theory_checks output: {pasted[:3]}"


@pytest.mark.filterwarnings("ignore::skmm_convex.DegenerateProblemWarning")
@pytest.mark.parametrize("path", [README, DOCS / "getting_started.md"], ids=lambda p: p.name)
def test_python_examples_run(path):
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)  # noqa: S102
    sel = namespace["sel"]
    assert sel.indices.shape == (64,) and len(set(sel.indices.tolist())) == 64


def test_site_builds_with_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_nb")
    pytest.importorskip("numpydoc")
    pytest.importorskip("pydata_sphinx_theme")
    out = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q"]
    command += ["-d", str(tmp_path / "doctrees"), str(DOCS), str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-4000:]
    print(f"sphinx-build: {seconds:.1f} s")
    # The Table-1 page shows the table `skmm-convex reproduce gmm` wrote, and its figure.
    page = (out / "reproductions.html").read_text()
    table = (DOCS / "_generated" / "gmm" / "table.md").read_text()
    herding = next(line for line in table.splitlines() if line.startswith("| Herding"))
    for cell in herding.strip("|").split("|"):
        assert cell.strip() in page
    assert "figure.png" in page
    # Every public name got its page, and every notebook page shows its figures.
    for name in skmm_convex.__all__:
        if name != "__version__":
            assert (out / "api" / "generated" / f"skmm_convex.{name}.html").is_file()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(notebook.read_text())["cells"]
        outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
        figures = sum("image/png" in o.get("data", {}) for o in outputs)
        html = (out / "tutorials" / f"{notebook.stem}.html").read_text()
        assert html.count("<img") >= figures > 0, notebook.name
