"""Every notebook under notebooks/ executes from top to bottom in a fresh kernel, and what it
shows reads as written for people.

Each runs in a temporary copy of its folder (so nothing it writes lands in the repository) with
``CHANNELSIM_QUICK=1`` in the environment, which notebooks may read to shorten their runs. Its
executed outputs (tables, text, printed lines) are then read: no number in exponent notation
(3.46e+04), no NaN, no whole count printed with two decimals (299.00), no interval that reaches
an impossible fall of more than 100% or spans a halving to a doubling (the notebook must say it
is too wide instead), the runtime stated in the first cell, and rankings of drivers that cover
every driver.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from channelsim import analysis

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_there_is_a_dashboard_notebook():
    assert "01_explore.ipynb" in [nb.name for nb in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    work = tmp_path / "notebooks"
    shutil.copytree(path.parent, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    monkeypatch.setenv("CHANNELSIM_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    nb = nbformat.read(work / path.name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    _assert_readable(nb)
    if path.name == "02_one_in_one_out.ipynb":
        _assert_every_driver_is_ranked(nb)
    if path.name == "01_explore.ipynb":
        last = [c for c in nb.cells if c.cell_type == "code"][-1]
        shown = [o for o in last.outputs if o.output_type == "execute_result"]
        assert shown and WIDGET_VIEW in shown[0]["data"], "the dashboard is not displayed as a widget"


EXPONENT = re.compile(r"\d(\.\d+)?e[+-]\d", re.IGNORECASE)
MISSING = re.compile(r"\b(NaN|nan|None|inf)\b")
WHOLE_WITH_DECIMALS = re.compile(r"(?<![\d.,])\d[\d,]+\.00\b")  # 299.00, 1,843.00 (not 0.00 or 1.00)
INTERVAL = re.compile(r"interval ([\u2212+-]?[\d,.]+)% to ([\u2212+-]?[\d,.]+)%")
RUNTIME = re.compile(r"runtime\b.*?\d+(\.\d+)?\s*(s\b|seconds?|minutes?|hours?)", re.IGNORECASE | re.DOTALL)


def _shown_text(nb) -> list[tuple[int, str]]:
    """(cell number, text) of what each code cell shows: tables and Markdown as their text,
    printed lines, plain results; not figures, widgets or progress bars."""
    shown = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                shown.append((i, out.text))
            data = out.get("data", {})
            if "text/html" in data:
                text = re.sub(r"<style.*?</style>", " ", data["text/html"], flags=re.DOTALL)
                shown.append((i, html.unescape(re.sub(r"<[^>]+>", " ", text))))
            elif "text/markdown" in data:
                shown.append((i, data["text/markdown"]))
    return shown


def _percent(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ""))


def _assert_readable(nb) -> None:
    first = nb.cells[0]
    assert first.cell_type == "markdown" and RUNTIME.search(first.source), \
        "the first cell does not state the notebook's runtime"
    for i, text in _shown_text(nb):
        for pattern, what in ((EXPONENT, "exponent notation"), (MISSING, "a missing value"),
                              (WHOLE_WITH_DECIMALS, "a whole number with decimals")):
            found = pattern.search(text)
            assert not found, f"cell {i} shows {what}: ...{text[max(0, found.start() - 80):found.end() + 40]}..."
        for low, high in INTERVAL.findall(text):
            lo, hi = _percent(low), _percent(high)
            assert lo >= -100 and not (lo <= -50 and hi >= 100), \
                f"cell {i} prints an interval too wide to mean anything: {low}% to {high}%"


def _assert_every_driver_is_ranked(nb) -> None:
    """The drivers' table (the cell that shows ``relative_change`` by ``setting``) holds every
    parameter of analysis.DRIVER_RANGES, in quick mode too."""
    tables = [text for _, text in _shown_text(nb) if "relative_change" in text and "setting" in text]
    assert tables, "no table of the drivers of the effect"
    missing = [name for name in analysis.DRIVER_RANGES if name not in tables[-1]]
    assert not missing, f"drivers left out of the ranking: {missing}"
