"""Sphinx configuration of the skmm_convex documentation.

Build from the repository root with ``sphinx-build -W --keep-going -b html docs docs/_build``.
No page needs the network: notebooks are rendered from their committed outputs
(``nb_execution_mode = "off"``), there is no intersphinx, and every table or figure is a file
of the repository (``docs/generate.py`` regenerates them with the repository's commands).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the source tree's package, installed or not

import skmm_convex  # noqa: E402

project = "skmm_convex"
author = "skmm_convex contributors"
copyright = "skmm_convex contributors"  # noqa: A001
release = skmm_convex.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
# MathJax shipped with the site (the docs extra installs it), so a page renders its equations
# without the network; without the package MathJax is loaded from its CDN by the browser.
if importlib.util.find_spec("sphinx-mathjax-offline") is not None:
    extensions.append("sphinx-mathjax-offline")

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
# bad_inputs.md is included by reliability.md; internals.rst waits for the planned modules
# (see api/internals.rst); generate.py is a script, not a page.
exclude_patterns = [
    "_build",
    "_generated/**",
    "bad_inputs.md",
    "**.ipynb_checkpoints",
]

# MyST and notebooks: render the committed outputs, never execute.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"
nb_merge_streams = True

# API reference: autosummary stubs from the docstrings (numpydoc style). The stubs are written
# into api/generated/ (ignored by git); a stale stub of a name no longer listed would be an
# orphan page, so the folder is emptied before every build.
shutil.rmtree(ROOT / "docs" / "api" / "generated", ignore_errors=True)
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

html_theme = "pydata_sphinx_theme"
html_title = "skmm_convex"
html_static_path = ["_static"]
html_css_files = ["wide.css"]
# The pages hold wide tables: a left sidebar only where it lists sibling pages.
_PAGES = "index getting_started method psd reliability reproductions theory performance design"
html_sidebars = {page: [] for page in (*_PAGES.split(), "changelog")}
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
}
html_show_sourcelink = False
