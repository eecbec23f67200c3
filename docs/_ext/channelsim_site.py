"""Sphinx extension for the channelsim site: pages generated from the code, and checks.

Before Sphinx reads any source (``config-inited``), this writes:

* ``reference/api.rst``: an autosummary of every name in ``channelsim.__all__``, grouped by
  kind, and ``reference/modules.rst``: every module of the package (so a new public name or a
  new module appears in the reference by itself);
* ``reference/_generated/*.md``: the parameter table (from the registry, through
  :mod:`channelsim.docs`), the result columns (same), each policy's settings with their units
  and ranges (from :data:`channelsim.policies.POLICY_TYPES` and the registry), and the sources
  of the facts table;
* ``notebooks/*.ipynb``: copies of the repository's notebooks with a note saying in which mode
  they were executed (links into ``docs/`` rewritten to work from the site).

It also warns (so the ``-W`` build fails) for every public name without a docstring, except
those listed in :data:`KNOWN_UNDOCUMENTED`, and for every name on that list that has gained one.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import re
from pathlib import Path

from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

LOG = logging.getLogger(__name__)
DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
GENERATED = DOCS / "reference" / "_generated"

#: Public names still without a docstring. The build accepts these and fails on any other
#: undocumented public name; it also fails when one of them gains a docstring, so that this
#: list only shrinks.
KNOWN_UNDOCUMENTED: frozenset[str] = frozenset()


# ----------------------------------------------------------------------------- helpers
def _write(path: Path, text: str) -> None:
    """Write ``text`` only if it differs, so that unchanged pages are not rebuilt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


@functools.cache
def _modules() -> list[str]:
    """Every public module of the package, in import order of their names."""
    import channelsim

    names = ["channelsim"]
    for info in pkgutil.walk_packages(channelsim.__path__, "channelsim."):
        spec = importlib.util.find_spec(info.name)
        if spec.origin and spec.origin.endswith(".py") and os.path.getsize(spec.origin) and \
                not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)  # not folders of data files (namespace packages)
    return sorted(names)


# ----------------------------------------------------------------------------- API pages
_KINDS = [("Functions", "function"), ("Classes", "class"), ("Exceptions", "exception"),
          ("Data", "data"), ("Modules", "module")]
_DIRECTIVE = {"function": "autofunction", "class": "autoclass", "exception": "autoexception",
              "data": "autodata"}


def _kind(obj: object) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if callable(obj) and hasattr(obj, "__module__") and hasattr(obj, "__qualname__"):
        return "function"
    return "data"


def public_names(modname: str) -> list[str]:
    """A module's public names: its ``__all__``, or (without one) what it defines."""
    module = importlib.import_module(modname)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [n for n, v in vars(module).items() if not n.startswith("_")
            and (inspect.isclass(v) or inspect.isfunction(v)) and v.__module__ == modname]


def canonical(modname: str, name: str) -> str:
    """The full name under which ``modname.name`` is documented: where it is defined if that
    module makes it public, else ``modname.name`` itself."""
    obj = getattr(importlib.import_module(modname), name)
    if inspect.ismodule(obj):
        return obj.__name__
    home = getattr(obj, "__module__", None) if _kind(obj) != "data" else None
    if home and home != modname and home in _modules() and name in public_names(home):
        return f"{home}.{obj.__qualname__}"
    if _kind(obj) == "data":
        for other in _modules():
            if other.startswith(modname + ".") and name in public_names(other) and \
                    getattr(importlib.import_module(other), name, None) is obj:
                return f"{other}.{name}"
    return f"{modname}.{name}"


def _table(names: list[str]) -> list[str]:
    """Autosummary tables of the objects ``names``, one per module they live in: each table is
    read in its objects' module, so that their one-line summaries link the names they mention
    where those objects are defined."""
    groups: dict[str, list[str]] = {}
    for full in names:
        home, _, name = full.rpartition(".")
        groups.setdefault(home, []).append(name)
    out = []
    for home, members in groups.items():
        out += [f".. currentmodule:: {home}", "", ".. autosummary::", "   :nosignatures:", ""]
        out += [f"   {name}" for name in members] + [""]
    return out


def api_page() -> str:
    """``reference/api.rst``: every name of ``channelsim.__all__``, by kind, each linked to
    the page of the module that defines it."""
    import channelsim

    by_kind: dict[str, list[str]] = {}
    for name in channelsim.__all__:
        obj = getattr(channelsim, name)
        by_kind.setdefault(_kind(obj), []).append(canonical("channelsim", name))
    out = ["The ``channelsim`` namespace", "=" * 28, "",
           ".. automodule:: channelsim", "",
           "Every public name of the package, importable as ``channelsim.NAME``",
           "(``channelsim.__all__``), with a link to its documentation in the module that",
           "defines it (all modules: :doc:`modules`). The columns of the daily results that",
           ":func:`~channelsim.simulation.simulate` returns are in :doc:`results`, what each",
           "policy accepts in :doc:`policies`, and every parameter in :doc:`parameters`.", ""]
    for title, kind in _KINDS:
        if kind in by_kind:
            out += [title, "-" * len(title), ""] + _table(by_kind[kind])
    return "\n".join(out)


def module_page(modname: str) -> str:
    """The reference page of one module: its docstring, then every public name it defines
    (classes with their public members); names it re-exports link to where they are defined."""
    module = importlib.import_module(modname)
    own, elsewhere, submodules = [], [], []
    for name in public_names(modname):
        full = canonical(modname, name)
        if inspect.ismodule(getattr(module, name)):
            submodules.append(full)
        elif full == f"{modname}.{name}":
            own.append(name)
        else:
            elsewhere.append(full)
    submodules += [m for m in _modules() if m.rsplit(".", 1)[0] == modname and m not in submodules]
    out = [modname, "=" * len(modname), "", f".. automodule:: {modname}", ""]
    if submodules:
        out += [".. rubric:: Submodules", ""] + _table(submodules)
    if elsewhere:
        out += [".. rubric:: Defined in submodules and importable from here", ""] + _table(elsewhere)
    for name in own:
        kind = _kind(getattr(module, name))
        out += [f".. {_DIRECTIVE[kind]}:: {modname}.{name}"]
        if kind in ("class", "exception"):
            out += ["   :members:", "   :show-inheritance:"]
        out.append("")
    return "\n".join(out)


def modules_page() -> str:
    """``reference/modules.rst``: every module of the package, each on its own page."""
    mods = [m for m in _modules() if m != "channelsim"]
    return "\n".join(["Modules", "=======", "",
                      "Every module of the package, with the names it makes public (its",
                      "``__all__``).", ""] + _table(mods) +
                     [".. toctree::", "   :hidden:", ""] + [f"   generated/{m}" for m in mods] + [""])


# ----------------------------------------------------------------------------- tables
def parameters_md() -> str:
    from channelsim import docs

    return docs.parameter_table_markdown().replace("#### ", "## ")


def result_columns_md() -> str:
    from channelsim import docs

    return docs.result_columns_markdown()


_AGGREGATION = {"flow": "summed", "level": "averaged (a state at the end of a day)",
                "ratio": "recomputed from the summed flows", "flag": "counted (days it holds)",
                "max": "the largest of the days"}


def result_kinds_md() -> str:
    """How each kind of result column is aggregated over a period, from the result metadata
    of :mod:`channelsim.results` (``COLUMNS``), or from its ``LEVELS`` and ``RATIOS``."""
    from channelsim import results
    from channelsim.model import RESULT_COLUMNS

    ratios = getattr(results, "RATIOS", {})
    if hasattr(results, "COLUMNS"):
        kinds = {name: r.kind for name, r in results.COLUMNS.items()}
    else:
        kinds = {c: "level" if c in results.LEVELS else "ratio" if c in ratios else "flow"
                 for c in RESULT_COLUMNS}
        kinds["launches_*"] = "flow"
    by_kind: dict[str, list[str]] = {}
    for name, kind in kinds.items():
        name = "launches_*" if name.startswith("launches_") else name  # one per crossing point
        if name not in by_kind.setdefault(kind, []):
            by_kind[kind].append(name)
    out = ["| Kind | Over a week, month or year | Columns |", "|---|---|---|"]
    for kind, names in by_kind.items():
        cells = [f"`{n}` (weighted by `{ratios[n]}`)" if n in ratios else f"`{n}`" for n in names]
        out.append(f"| {kind} | {_AGGREGATION.get(kind, kind)} | {', '.join(cells)} |")
    return "\n".join(out) + "\n"


def policies_md() -> str:
    """Each policy type with its settings: TOML ``type``, default, unit, range, meaning."""
    from channelsim import params, policies

    table = params.parameter_table().set_index("name")
    out = []
    for kind, cls in policies.POLICY_TYPES.items():
        doc = " ".join(inspect.getdoc(cls).split("\n\n")[0].split())
        out += [f"## {cls.__name__}", "",
                (f"{{py:class}}`channelsim.policies.{cls.__name__}`, `type = \"{kind}\"` in a "
                 f"scenario file. {doc}"), "",
                "| Setting | Default | Unit | Range | Meaning |", "|---|---|---|---|---|"]
        out += [_setting_row(cls, name, field, table) for name, field in cls.model_fields.items()]
        out.append("")
    return "\n".join(out)


def _setting_row(cls, name: str, field, table) -> str:
    """One setting of a policy as a table row: dates are the policy's own (with their source);
    other settings share a registry parameter's unit, range and meaning."""
    from channelsim.policies import registry_parameter

    param = registry_parameter(cls, name)
    row = table.loc[param] if param in table.index else None
    if row is None:
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        default = field.default if field.default is not None else (
            "open" if name in ("start", "end") else "—")
        meaning = field.description or {"start": "first day in force (inclusive)",
                                        "end": "last day in force (inclusive)"}.get(name, "—")
        if extra.get("source"):
            meaning += f" (source: {extra['source']})"
        return f"| `{name}` | {_cell(default)} | date | — | {_cell(meaning)} |"
    default = f"registry: {row.default}" if field.default is None else field.default
    unit = row.unit if row.unit else "—"
    return (f"| `{name}` | {_cell(default)} | {_cell(unit)} | {_cell(row.range)} | "
            f"{_cell(f'{row.description} (registry: `{param}`)')} |")


def fact_sources_md() -> str:
    """The sources of ``channelsim/data/channel_facts.csv`` and the facts each one gives."""
    import pandas as pd

    facts = pd.read_csv(ROOT / "channelsim" / "data" / "channel_facts.csv", dtype=str)
    source = facts["source"].where(facts["source"].str.strip() != "same").ffill()
    by_source: dict[str, list[str]] = {}
    for fact, src in zip(facts["fact"], source):
        names = by_source.setdefault(src, [])
        if fact not in names:
            names.append(fact)
    out = ["| Source | Facts |", "|---|---|"]
    for src, names in by_source.items():
        out.append(f"| {_cell(src)} | {', '.join(f'`{n}`' for n in names)} |")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- notebooks
def _note(name: str, quick: bool) -> str:
    mode = ("**quick mode** (`CHANNELSIM_QUICK=1`): fewer runs per scenario and shorter "
            "analyses than the full notebook, so its intervals are wider. `make docs-full` "
            "builds the site in full mode" if quick else
            "**full mode** (`make docs-full`)")
    text = (f"This page was executed while the documentation was built, in {mode}. To run it "
            f"yourself, open `notebooks/{name}` in JupyterLab (`make lab`).")
    if name.startswith("01_"):
        text += (" The dashboard is interactive: it needs a running Python kernel (JupyterLab "
                 "or Voila), so it is not shown on this static page.")
    return f":::{{note}}\n{text}\n:::"


def _add_note(nb: dict, note: str) -> None:
    """Put ``note`` under the notebook's title (the first ``# `` line), else on top."""
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = "".join(cell["source"]).split("\n")
        for i, line in enumerate(lines):
            if line.startswith("# "):
                cell["source"] = "\n".join(lines[:i + 1] + ["", note, ""] + lines[i + 1:])
                return
    nb["cells"].insert(0, {"cell_type": "markdown", "id": "channelsim-docs-note", "metadata": {},
                           "source": note})


def copy_notebooks(quick: bool) -> list[str]:
    """Copy ``notebooks/*.ipynb`` into the site with the note; return their names."""
    names = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                src = "".join(cell["source"])
                cell["source"] = src.replace("](../docs/", "](../")
        _add_note(nb, _note(path.name, quick))
        _write(DOCS / "notebooks" / path.name, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        names.append(path.stem)
    for stale in (DOCS / "notebooks").glob("*.ipynb"):
        if stale.stem not in names:
            stale.unlink()  # its notebook was removed or renamed
    return names


# ----------------------------------------------------------------------------- checks
def _own_doc(obj: object) -> str:
    """The docstring of ``obj``, or '' when it has none (or only a dataclass's generated one)."""
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and doc.startswith(obj.__name__ + "("):  # dataclass placeholder
        return ""
    return doc


def _public_members(cls: type) -> list[str]:
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            out.append(name)
    return out


def _defined_elsewhere(package, name: str, obj: object) -> bool:
    """True if data ``name`` of a package's ``__init__`` is re-exported from one of its
    submodules (and so documented, and checked, there)."""
    if not getattr(package, "__path__", None):
        return False
    for modname in _modules():
        if modname.startswith(package.__name__ + ".") and \
                getattr(importlib.import_module(modname), name, None) is obj:
            return True
    return False


def undocumented() -> list[str]:
    """Every public name of the package (module, class, function, method, documented data)
    that has no docstring."""
    missing = []
    for modname in _modules():
        module = importlib.import_module(modname)
        if not _own_doc(module):
            missing.append(modname)
        public = getattr(module, "__all__", None)
        attr_docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        for name in public if public is not None else []:
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            owner = getattr(obj, "__module__", modname)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and owner != modname:
                continue  # documented (and checked) where it is defined
            full = f"{modname}.{name}"
            if inspect.isclass(obj):
                if not _own_doc(obj):
                    missing.append(full)
                missing += [f"{full}.{m}" for m in _public_members(obj)
                            if not inspect.getdoc(getattr(obj, m))]
            elif _kind(obj) == "function":
                if not _own_doc(obj):
                    missing.append(full)
            elif ("", name) not in attr_docs and not _defined_elsewhere(module, name, obj):
                missing.append(full)
    return sorted(set(missing))


def check_docstrings(app, config) -> None:
    missing = undocumented()
    for name in missing:
        if name not in KNOWN_UNDOCUMENTED:
            LOG.warning("public name %s has no docstring", name, type="channelsim",
                        subtype="undocumented")
    for name in sorted(KNOWN_UNDOCUMENTED - set(missing)):
        LOG.info("%s now has a docstring (or is gone): remove it from KNOWN_UNDOCUMENTED in "
                 "docs/_ext/channelsim_site.py", name)


# ----------------------------------------------------------------------------- references
def _lookup(dotted: str) -> object | None:
    """The object named by a dotted path (module, then attributes), or None."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for k, part in enumerate(parts[i:], start=i):
            if hasattr(obj, part):
                obj = getattr(obj, part)
            elif k == len(parts) - 1 and inspect.isclass(obj) and any(
                    part in getattr(c, "__annotations__", {}) for c in obj.__mro__):
                return part  # an instance attribute declared on the class (a dataclass field)
            else:
                return None
        return obj
    return None


def _documented_name(target: str) -> str:
    """``target`` with a re-exporting module's prefix replaced by where the name is
    documented: ``channelsim.simulate`` -> ``channelsim.simulation.simulate``."""
    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        modname, name = ".".join(parts[:i]), parts[i]
        if modname in _modules() and name in public_names(modname):
            return ".".join([canonical(modname, name)] + parts[i + 1:])
    return target


_ROLE_KINDS = {"func": {"function"}, "meth": {"method", "classmethod", "staticmethod"},
               "class": {"class", "exception"}, "exc": {"exception"}, "data": {"data"},
               "attr": {"attribute", "property"}}


def resolve_short_reference(app, env, node, contnode):
    """Resolve a Python reference that Sphinx could not.

    ``channelsim.NAME`` (or ``channelsim.experiments.NAME``...) resolves to where the name is
    documented; a bare name written in a docstring (``ParameterError``) to the one documented
    object of that name, preferring the module of the docstring. A reference to an object that
    exists but has no page of its own (a private helper, an inherited method) is shown as
    plain text. Anything else stays a broken reference, and so a warning.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    if not re.fullmatch(r"[A-Za-z_][\w.]*", target):
        return None
    domain = env.get_domain("py")
    full = _documented_name(target)
    for table in (domain.modules, domain.objects):
        if full in table:
            entry = table[full]
            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id,
                                contnode, full)
    kinds = _ROLE_KINDS.get(node.get("reftype"))
    matches = [n for n, e in domain.objects.items() if n.endswith("." + target)
               and not e.aliased and (kinds is None or e.objtype in kinds)]
    page = node["refdoc"].rpartition("/")[2]  # a module's page is named after the module
    context = node.get("py:module") or (page if page in _modules() else "")
    while len(matches) > 1 and context:
        near = [n for n in matches if n.startswith(context + ".")]
        if near:
            matches = near
            break
        context = context.rpartition(".")[0]
    if len(matches) == 1:
        entry = domain.objects[matches[0]]
        return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id,
                            contnode, matches[0])
    module, cls = node.get("py:module") or "", node.get("py:class") or ""
    for candidate in (target, f"{module}.{target}", f"{module}.{cls}.{target}"):
        if candidate.startswith("channelsim") and _lookup(candidate) is not None:
            return contnode
    return None


def skip_attribute_twice(app, what, name, obj, skip, options):
    """Skip a property that its class's ``Attributes:`` section already documents."""
    if what != "class" or not isinstance(obj, property) or obj.fget is None:
        return None
    owner = _lookup(f"{obj.fget.__module__}.{obj.fget.__qualname__.rpartition('.')[0]}")
    section = (inspect.getdoc(owner) or "").partition("Attributes:")[2]
    if re.search(rf"^\s+{re.escape(name)}\b[^\n]*:", section, flags=re.MULTILINE):
        return True
    return None


#: Text forms of live widgets: a progress bar frozen at its first state, a widget's repr.
_WIDGET_TEXT = re.compile(r"^[^\n]*\d+%\|[^\n]*\|\s*\d+/\d+ \[[^\n]*\]\s*$"
                          r"|^(VBox|HBox|Box|GridBox|Tab|Accordion)\(children=")


def drop_widget_text(app, doctree) -> None:
    """Remove the notebooks' live widgets (progress bars, the dashboard) from their static
    pages: their text form says nothing there (the pages say the dashboard needs a kernel)."""
    from docutils import nodes

    if not app.env.docname.startswith("notebooks/"):
        return
    # The widgets' saved state (megabytes for the dashboard's figures) would be embedded in
    # the page for widget JavaScript that this site does not load: leave it out.
    metadata = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    metadata.get("js_files", {}).pop("ipywidgets_state", None)
    for block in list(doctree.findall(nodes.literal_block)):
        if _WIDGET_TEXT.match(block.astext().strip()):
            parent = block.parent
            parent.remove(block)
            if not parent.children and parent.parent is not None:
                parent.parent.remove(parent)


_ORIGINAL: dict[tuple[str, str], list[str]] = {}


def keep_attribute_text(app, what, name, obj, options, lines) -> None:
    """Before napoleon: remember the doc of data and attributes. Napoleon reads their text
    before a first colon as a type ("one row per year: ..."), which these docs never mean."""
    if what in ("attribute", "data", "property"):
        _ORIGINAL[(what, name)] = list(lines)


def restore_attribute_text(app, what, name, obj, options, lines) -> None:
    """After napoleon: put back the doc remembered by :func:`keep_attribute_text`, and drop
    the docstring of a value's type (``dict``'s, say) shown for data without a doc comment."""
    if (what, name) in _ORIGINAL:
        lines[:] = _ORIGINAL.pop((what, name))
    type_doc = getattr(type(obj), "__doc__", None) if what in ("data", "attribute") else None
    type_doc = inspect.cleandoc(type_doc) if isinstance(type_doc, str) else ""
    if type_doc and lines and lines[0].strip() == type_doc.splitlines()[0].strip():
        lines[:] = []


# ----------------------------------------------------------------------------- Sphinx hooks
def generate(app, config) -> None:
    quick = os.environ.get("CHANNELSIM_QUICK", "1") == "1"
    _write(DOCS / "reference" / "api.rst", api_page())
    _write(DOCS / "reference" / "modules.rst", modules_page())
    pages = {f"{m}.rst": module_page(m) for m in _modules() if m != "channelsim"}
    for stale in (DOCS / "reference" / "generated").glob("*.rst"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        _write(DOCS / "reference" / "generated" / name, text)
    for name, make in [("parameters", parameters_md), ("result-columns", result_columns_md),
                       ("result-kinds", result_kinds_md),
                       ("policies", policies_md), ("fact-sources", fact_sources_md)]:
        _write(GENERATED / f"{name}.md", make())
    copy_notebooks(quick)
    config.myst_substitutions = {**config.myst_substitutions,
                                 "notebook_mode": "quick" if quick else "full",
                                 "version": app.config.release}


def setup(app):
    app.connect("config-inited", generate, priority=400)
    app.connect("config-inited", check_docstrings, priority=450)
    app.connect("missing-reference", resolve_short_reference)
    app.connect("autodoc-skip-member", skip_attribute_twice)
    app.connect("doctree-read", drop_widget_text)
    app.connect("autodoc-process-docstring", keep_attribute_text, priority=100)
    app.connect("autodoc-process-docstring", restore_attribute_text, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
