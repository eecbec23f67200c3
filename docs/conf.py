"""Sphinx configuration of the channelsim documentation site.

Build it with ``make docs`` (notebooks executed in quick mode) or ``make docs-full`` (full
mode); the site lands in ``docs/_build/html``. Warnings are errors (``-W --keep-going``), so a
broken reference, an undocumented public name or a notebook that raises fails the build.
Nothing is fetched from the network: no intersphinx, MathJax served from the site itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

# Notebooks read CHANNELSIM_QUICK to shorten their runs; the kernels inherit this environment.
# (Leave MPLBACKEND unset: the kernels' inline backend is what puts the figures on the pages.)
os.environ.setdefault("CHANNELSIM_QUICK", "1")

import channelsim

project = "channelsim"
author = "the channelsim authors"
copyright = "channelsim authors, MIT licence"
release = version = channelsim.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",   # MathJax shipped inside the site, not loaded from a CDN
    "myst_nb",
    "channelsim_site",          # docs/_ext: generated pages and the documentation checks
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "README.md"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# -- Warnings: every one fails the build ----------------------------------------------------
nitpicky = True
# Types of other libraries: without intersphinx (no network at build time) they cannot link.
nitpick_ignore_regex = [
    (r"py:.*", (r"(pd|pandas|np|numpy|mesa|plt|matplotlib|mpl|dask|distributed|pydantic|"
                r"concurrent|collections|datetime|dt|pathlib|os|typing|abc|enum|numbers|"
                r"tomllib|argparse|ipywidgets|widgets|SALib|scipy|pyarrow|nbformat|threading|"
                r"types|networkx|traitlets)(\..*)?")),
    (r"py:.*", (r"(Any|Callable|Iterable|Iterator|Mapping|Sequence|Hashable|Path|Figure|Axes|"
                r"DataFrame|Series|Generator|ndarray|Executor|Future|date|datetime|timedelta|"
                r"ClassVar|Literal|Self|Optional|Union|NamedTuple|BaseModel|ArrayLike|"
                r"OrthogonalMooreGrid|FixedAgent|CellAgent|Agent|Model|Client|SeedSequence|"
                r"Enum|IntEnum|StrEnum|TypeVar|ParamSpec\.args|ParamSpec\.kwargs|"
                r"np\.random\.Generator|T|V|K)")),
    (r"py:.*", r"channelsim\..*\._\w+"),   # private helpers (e.g. a generated base class)
    (r"py:.*", (r"(int|float|str|bool|bytes|object|dict|list|tuple|set|frozenset|type|None|"
                r"complex|slice|range|Ellipsis|NotImplemented|TextIO|IO)")),
]
suppress_warnings = [
    "myst.header",          # ODD.md's parameter tables use level-4 headings under level-2 ones
    "mystnb.mime_priority", # outputs that are only a live widget (progress bars) are left out
]

# -- API reference ---------------------------------------------------------------------------
autosummary_generate = False            # docs/_ext writes the pages; autosummary makes tables
autosummary_ignore_module_all = False   # a module's reference lists its own __all__
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_inherit_docstrings = False      # an override without its own docstring is not listed
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
add_module_names = False
napoleon_google_docstring = True
napoleon_numpy_docstring = True
napoleon_use_rtype = False

# -- Markdown and notebooks ------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("CHANNELSIM_DOCS_EXECUTE", "cache")
# One cache per mode, so that outputs of a full run never appear on a page that says "quick".
_MODE = "quick" if os.environ["CHANNELSIM_QUICK"] == "1" else "full"
nb_execution_cache_path = str(DOCS / "_build" / f".jupyter_cache_{_MODE}")
nb_execution_timeout = int(os.environ.get("CHANNELSIM_DOCS_TIMEOUT", "600"))  # seconds a cell
nb_execution_raise_on_error = True   # a notebook that raises fails the build
nb_execution_show_tb = True
nb_merge_streams = True
nb_output_stderr = "remove"          # progress bars; a cell that raises still fails the build
nb_ipywidgets_js = {}                # the dashboard needs a kernel: no widget JavaScript from a CDN
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]

# -- HTML ------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"channelsim {release}"
html_static_path = ["_static"]
html_css_files = ["channelsim.css"]
html_show_sourcelink = False
html_last_updated_fmt = None
