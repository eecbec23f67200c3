"""The export panel: downloads in the browser, nothing written on the server.

"Prepare downloads" turns the current run into links the browser saves as files: the daily
results (CSV), the settings (JSON), the run's charts and the map as SVG (drawn by
:mod:`channelsim.plotting`), and after a comparison its runs (CSV). The links carry the file
in their address (``data:`` URLs with the ``download`` attribute), so they work the same in
JupyterLab and Voila and leave nothing in the working folder. Each interactive figure also
has a camera button on its toolbar that saves it as PNG.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from ..plotting import MapView, overview

__all__ = ["ExportPanel", "download_link", "run_files"]


def download_link(filename: str, data: bytes, mime: str, text: str) -> str:
    """An HTML link that makes the browser save ``data`` as ``filename``."""
    payload = base64.b64encode(data).decode("ascii")
    return (f"<a class='channelsim-download' download='{html.escape(filename)}' "
            f"href='data:{mime};base64,{payload}' style='margin-right:14px'>"
            f"⬇ {html.escape(text)}</a>")


def _svg(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    return out.getvalue()


def run_files(daily: pd.DataFrame, settings: Any, model: Any = None, comparison: pd.DataFrame | None = None,
              ) -> list[tuple[str, bytes, str, str]]:
    """The files of a run: (file name, content, MIME type, link text)."""
    stem = f"channelsim-{settings.scenario_name.replace(' ', '_')}-seed{settings.seed}"
    meta = {"scenario": settings.scenario_name, "start": settings.start.isoformat(), "days": settings.days,
            "seed": settings.seed, "changed_from_scenario": settings.overrides,
            "parameters": settings.params.as_dict()}
    files = [(f"{stem}-daily.csv", daily.to_csv().encode(), "text/csv", "daily results (CSV)"),
             (f"{stem}-settings.json", json.dumps(meta, indent=2, default=str).encode(), "application/json",
              "settings (JSON)")]
    charts = overview(daily, title=settings.label, fig=Figure(figsize=(11, 12), layout="constrained"))
    files.append((f"{stem}-charts.svg", _svg(charts), "image/svg+xml", "charts (SVG)"))
    if model is not None:
        fig = Figure(figsize=(7.5, 7.5), layout="constrained")
        MapView(fig.add_subplot()).update(model, 3.0)
        files.append((f"{stem}-map-day{model.steps}.svg", _svg(fig), "image/svg+xml", "map (SVG)"))
    if comparison is not None:
        files.append((f"{stem}-comparison-runs.csv", comparison.to_csv(index=False).encode(), "text/csv",
                      "comparison runs (CSV)"))
    return files


class ExportPanel:
    """A button that prepares the downloads of the current run, and the links."""

    def __init__(self, gather: Callable[[], list[tuple[str, bytes, str, str]]],
                 error: Callable[[str], None]) -> None:
        self.gather, self.error = gather, error
        self.button = widgets.Button(description="Prepare downloads", icon="download", button_style="success",
                                     tooltip="Make the current run's files ready to save from the browser")
        self.button.add_class("channelsim-export")
        self.button.on_click(lambda _: self.prepare())
        self.links = widgets.HTML()
        self.links.add_class("channelsim-downloads")
        note = widgets.HTML("<i>Files are saved by your browser; nothing is written on the server. "
                            "Each interactive figure's camera button saves it as PNG.</i>")
        self.widget = widgets.VBox([widgets.HBox([self.button]), self.links, note])
        self.files: list[tuple[str, bytes, str, str]] = []

    def prepare(self) -> list[tuple[str, bytes, str, str]]:
        """Build the links of the current run; returns the files."""
        try:
            self.files = self.gather()
        except (RuntimeError, ValueError, OSError) as err:
            self.error(str(err))
            return []
        self.links.value = "".join(download_link(*f) for f in self.files)
        return self.files
