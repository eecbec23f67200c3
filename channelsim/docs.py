"""Generated sections of the model description (``docs/ODD.md``).

The parameter table, the list of result columns and the belief rules in ODD.md are not written by hand: they are
generated from the parameter registry (:func:`channelsim.params.parameter_table`) and from the
result columns the modules declare (:data:`channelsim.results.COLUMNS`), and the table of belief
rules from :data:`channelsim.world.beliefs.BELIEF_RULES`, between marker comments::

    <!-- BEGIN GENERATED: parameters -->
    ...
    <!-- END GENERATED: parameters -->

Regenerate them after changing the registry or the tally with::

    python -m channelsim.docs            # rewrites docs/ODD.md in place
    python -m channelsim.docs --check    # exit status 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys
from collections.abc import Callable

from .geography import geography
from .params import GROUPS, REGISTRY, parameter_table
from .world import MODULES
from .world.beliefs import BELIEF_RULES

__all__ = ["ODD_PATH", "REGENERATE", "SECTIONS", "parameter_table_markdown",
           "result_columns_markdown", "render", "update", "main"]

#: The model description in a source checkout.
ODD_PATH = pathlib.Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
#: The command that regenerates the generated sections.
REGENERATE = "python -m channelsim.docs"


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value != "" else "—"


def parameter_table_markdown() -> str:
    """The registry as Markdown: one table per group, one row per parameter."""
    table = parameter_table()
    defaults = {s.name: s.default for s in REGISTRY}
    out = []
    for title in GROUPS.values():
        rows = table[table["group"] == title]
        if rows.empty:
            continue
        out += [f"#### {title}", "",
                "| Parameter | Default | Unit | Range | Description | Source |",
                "|---|---|---|---|---|---|"]
        for r in rows.itertuples():
            out.append(f"| `{r.name}` | {_cell(_default(defaults[r.name]))} | {_cell(r.unit or '—')} "
                       f"| {_cell(r.range)} | {_cell(r.description)} | {_cell(r.source)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def result_columns_markdown() -> str:
    """The daily result columns as Markdown: name, unit, kind, the module that produces it,
    and meaning, from the modules' declarations (:data:`channelsim.results.COLUMNS`)."""
    out = ["| Column | Unit | Kind | Module | Meaning |", "|---|---|---|---|---|"]
    for module in MODULES:
        where = module.__module__.rsplit(".", 1)[-1]
        for r in module.RESULTS:
            out.append(f"| `{r.name}` | {_cell(r.unit)} | {r.kind} | {where} | {_cell(r.description)} |")
    points = ", ".join(f"`launches_{n}`" for n in geography().points.name)
    out += ["", "A flow is summed over a period, a level averaged, a ratio recomputed from the flow "
            "that weights it, a flag counts the days it holds, a maximum is the largest of the days.", "",
            f"Then one column per crossing point, boats launched there that day (a flow): {points}."]
    return "\n".join(out) + "\n"


def belief_rules_markdown() -> str:
    """How each belief learns from camp news (:data:`channelsim.world.beliefs.BELIEF_RULES`)."""
    out = ["| Belief | Observed rate | Smugglers' reassurance |", "|---|---|---|"]
    for r in BELIEF_RULES:
        out.append(f"| `b_{r.belief}` | {r.numerator} / {r.denominator} | "
                   f"{'applied' if r.reassured else 'not applied'} |")
    return "\n".join(out) + "\n"


#: Generated sections: marker name -> the function that writes its content.
SECTIONS: dict[str, Callable[[], str]] = {
    "parameters": parameter_table_markdown,
    "result-columns": result_columns_markdown,
    "belief-rules": belief_rules_markdown,
}


def _markers(name: str) -> tuple[str, str]:
    return (f"<!-- BEGIN GENERATED: {name} (do not edit: run `{REGENERATE}`) -->",
            f"<!-- END GENERATED: {name} -->")


def render(text: str, source: str = "ODD.md") -> str:
    """``text`` with every generated section rewritten from the code.

    Raises ValueError naming ``source`` if a section's markers are missing or out of order.
    """
    for name, make in SECTIONS.items():
        begin, end = _markers(name)
        i, j = text.find(begin), text.find(end)
        if i < 0 or j < i:
            raise ValueError(f"{source}: no generated section {name!r}: expected the lines\n"
                             f"{begin}\n{end}")
        text = text[:i + len(begin)] + "\n\n" + make() + "\n" + text[j:]
    return text


def update(path: str | pathlib.Path = ODD_PATH) -> bool:
    """Rewrite the generated sections of the file at ``path``; True if it changed."""
    path = pathlib.Path(path)
    old = path.read_text(encoding="utf-8")
    new = render(old, str(path))
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


def main(argv: list[str] | None = None) -> int:
    """Regenerate the generated sections of the ODD (``docs/ODD.md`` by default), or with
    ``--check`` only check them. Returns the exit status: 1 if ``--check`` finds the file out of
    date, else 0."""
    ap = argparse.ArgumentParser(prog="python -m channelsim.docs",
                                 description="Regenerate the generated sections of docs/ODD.md.")
    ap.add_argument("path", nargs="?", default=str(ODD_PATH), help="the file (default: %(default)s)")
    ap.add_argument("--check", action="store_true",
                    help="only check: exit status 1 if the file is out of date")
    args = ap.parse_args(argv)
    path = pathlib.Path(args.path)
    if args.check:
        stale = render(path.read_text(encoding="utf-8"), str(path)) != path.read_text(encoding="utf-8")
        print(f"{path} is out of date: run `{REGENERATE}`" if stale else f"{path} is up to date")
        return 1 if stale else 0
    print(f"{path} {'updated' if update(path) else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
