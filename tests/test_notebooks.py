"""Every notebook under notebooks/ executes from top to bottom in a fresh kernel.

Each runs in a temporary copy of its folder (so nothing it writes lands in the repository) with
``CHANNELSIM_QUICK=1`` in the environment, which notebooks may read to shorten their runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
    if path.name == "01_explore.ipynb":
        last = [c for c in nb.cells if c.cell_type == "code"][-1]
        shown = [o for o in last.outputs if o.output_type == "execute_result"]
        assert shown and WIDGET_VIEW in shown[0]["data"], "the dashboard is not displayed as a widget"
