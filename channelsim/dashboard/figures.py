"""The dashboard's figures: plotly ``FigureWidget`` s.

Why plotly's ``FigureWidget``: it is an ipywidget (built on anywidget) whose JavaScript,
plotly.js included, ships inside the ``plotly`` Python package, so JupyterLab and Voila load
it from the server and nothing is fetched from a CDN (we draw no geographic traces, the only
ones that would ask for map tiles). Hover labels, zoom and the toolbar's "download as PNG"
run in the browser without a round trip to the kernel, so reading a boat or saving a figure
works as well in Voila as in JupyterLab. Figures size themselves to their container
(``autosize``), and new data is sent as arrays in one batch per update, which lets the charts
fill in day by day while a run is computed. bqplot would also do, but its hover labels and
image export are weaker; ipympl draws on the server and sends pictures.

Weekly charts sum calendar weeks (Monday to Sunday). A week the period covers only in part
is never scaled to seven days: its bar is as wide as the days it has, drawn lighter, and its
line point is an open circle; the hover label says "3 of 7 days".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from copy import deepcopy
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..geography import CELL_KM, KINDS, geography
from .snapshot import Snapshot

__all__ = ["weekly_totals", "policy_periods", "ChartsFigure", "MapFigure", "DifferenceFigure",
           "CURRENT_COLOUR", "PREVIOUS_COLOUR", "POLICY_FILL"]

#: Line colours: the current run, the previous run's faint overlay, the other side of a comparison.
CURRENT_COLOUR, PREVIOUS_COLOUR, OTHER_COLOUR = "#1f5fa8", "#9aa5b1", "#c2410c"
#: Shading of the periods when a policy is in force.
POLICY_FILL = "rgba(255, 196, 0, 0.16)"
DAY_MS = 86_400_000
FONT = dict(family="system-ui, -apple-system, 'Segoe UI', sans-serif", size=12)
CONFIG = {"displaylogo": False, "responsive": True,
          "toImageButtonOptions": {"format": "png", "filename": "channelsim", "scale": 2}}
KIND_NAMES = {"fr_land": "France (land)", "uk_land": "England (land)", "fr_waters": "French waters",
              "uk_waters": "UK waters", "fr_inshore": "French inshore band"}
KIND_COLOURS = {"fr_land": "#d9cdb4", "uk_land": "#cfd8c0", "fr_waters": "#a9c8e8",
                "uk_waters": "#8fb3dc", "fr_inshore": "#c3dbf0"}

#: Weekly series (column, panel, name, colour, kind) drawn by :class:`ChartsFigure`.
WEEKLY = (("arrivals", 1, "arrivals (people)", CURRENT_COLOUR, "bar"),
          ("deaths", 3, "deaths", "#b22222", "bar"),
          ("attempts", 4, "attempts (people)", "#444444", "line"),
          ("stopped", 4, "stopped by France", "#2e8b57", "line"),
          ("returned", 5, "returned to France", "#c0392b", "line"),
          ("admitted", 5, "admitted by the legal route", "#16a085", "line"))
#: Map symbols of the boats by launch mode (``channelsim.world.gangs.MODES``), and their names.
BOAT_SYMBOLS = {"beach": "circle", "taxi": "hexagon"}
MODE_WORDS = {"beach": "launched from the beach", "taxi": "taxi boat, boarded in the water"}
PANELS = ("Arrivals in the UK (people a week)", "People per boat (mean, largest)",
          "Deaths at sea (a week)", "Attempts and stops (a week)",
          "Returns and admissions (a week)", "Waiting in camps (people)")


def _figure(fig: go.Figure) -> go.FigureWidget:
    widget = go.FigureWidget(fig)
    widget._config = CONFIG  # the toolbar's PNG download, without the plotly logo
    return widget


def sync(widget: go.FigureWidget) -> None:
    """Make the widget's synced state the figure as it is now.

    A ``FigureWidget`` sends its changes as messages to the views that exist; a view created
    later (Voila connects after the notebook has run, a page is reloaded, the dashboard is shown
    again) starts from the synced state, which plotly only refreshes when the figure itself is
    displayed. The dashboard displays its own container, so each update refreshes it here.
    """
    widget._widget_layout = deepcopy(widget._layout_obj._props)
    widget._widget_data = deepcopy(widget._data)


def weekly_totals(daily: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Sums of ``columns`` over calendar weeks (Monday to Sunday), never rescaled.

    Columns added: ``days`` (simulated days of the week in ``daily``), ``start`` and ``end``
    (first and last simulated day of the week), ``mid`` (middle of those days) and
    ``people_per_boat`` (arrivals over boats of the week, NaN without boats).
    """
    if daily.empty:
        return pd.DataFrame(columns=[*columns, "days", "start", "end", "mid", "people_per_boat",
                                     "largest_load"])
    idx = pd.DatetimeIndex(daily.index)
    week = idx.to_period("W-SUN")
    frame = daily[list(columns)].copy()
    frame["days"] = 1
    frame["start"] = idx
    frame["end"] = idx
    out = frame.groupby(week).agg({**{c: "sum" for c in columns}, "days": "sum", "start": "min",
                                   "end": "max"})
    out["mid"] = out["start"] + (out["end"] - out["start"]) / 2 + pd.Timedelta(hours=12)
    if "boats" in daily and "people_per_boat" in daily:
        aboard = (daily["people_per_boat"] * daily["boats"]).groupby(week).sum()
        boats = daily["boats"].groupby(week).sum()
        out["people_per_boat"] = (aboard / boats.where(boats > 0)).to_numpy()
        if "largest_load" in daily:  # the fullest boat of the week (NaN in a week without boats)
            out["largest_load"] = daily["largest_load"].groupby(week).max().where(boats > 0).to_numpy()
    if "largest_load" not in out:
        out["largest_load"] = np.nan
    return out.reset_index(drop=True)


def policy_periods(scenario: Any, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, str]]:
    """The dated policies of ``scenario`` (its ``[[policies]]``, the only switch of a policy,
    the pilot included) within ``start``..``end``; as (first day, last day, name)."""
    from ..policies import OneInOneOut, policy_from_dict

    out = []
    for raw in getattr(scenario, "policies", ()) or ():
        policy = policy_from_dict(dict(raw)) if not hasattr(raw, "kind") else raw
        lo, hi = max(policy.start or start, start), min(policy.end or end, end)
        if lo <= hi:
            name = ("one in, one out pilot" if isinstance(policy, OneInOneOut)
                    else policy.kind.replace("_", " "))
            out.append((lo, hi, name))
    return out


def _weeks_hover(weeks: pd.DataFrame) -> list[str]:
    return [f"week of {s:%d %b %Y}" + ("" if d == 7 else f" (incomplete: {d} of 7 days)")
            for s, d in zip(weeks["start"], weeks["days"])]


class ChartsFigure:
    """Six time-series panels of one run, with the previous run as a faint overlay, the
    policies' periods shaded and a cursor at the live model's date."""

    def __init__(self, height: int = 560) -> None:
        fig = make_subplots(rows=3, cols=2, shared_xaxes=True, subplot_titles=PANELS,
                            vertical_spacing=0.09, horizontal_spacing=0.08)
        self.slots: dict[str, int] = {}
        for previous in (True, False):
            for column, panel, name, colour, kind in WEEKLY:
                self._add(fig, column, panel, name, PREVIOUS_COLOUR if previous else colour, kind, previous)
            self._add(fig, "people_per_boat", 2, "people per boat", "#7a3b8f", "line", previous)
            self._add(fig, "largest_load", 2, "largest load of the week", "#d35400", "line", previous)
            self._add(fig, "in_camps", 6, "in camps (people)", "#8a5a00", "daily", previous)
        # The legend sits at the foot of the figure (container coordinates), and the plots make
        # room for its 2 to 4 rows: placed below the plots in their own coordinates, it kept the
        # room of its previous width after a resize and covered the dates.
        fig.update_layout(autosize=True, height=height, margin=dict(l=48, r=12, t=36, b=8),
                          font=FONT, barmode="overlay", bargap=0, hovermode="x unified",
                          showlegend=True, legend=dict(orientation="h", yref="container", y=0, yanchor="bottom",
                                                       x=0, xanchor="left", font=dict(size=10), tracegroupgap=0),
                          plot_bgcolor="white", uirevision="keep")
        fig.update_annotations(font_size=12)
        fig.update_xaxes(gridcolor="#eee", showline=True, linecolor="#aaa", tickformat="%b", nticks=7,
                         tickangle=0, tickfont=dict(size=10))
        fig.update_yaxes(gridcolor="#eee", rangemode="tozero", zeroline=False)
        self.widget = _figure(fig)
        self.widget.add_class("channelsim-charts")
        self.widget.add_class("channelsim-figure")
        self.policy_shapes: list[dict] = []
        self.cursor: dt.date | None = None

    def _add(self, fig: go.Figure, column: str, panel: int, name: str, colour: str, kind: str,
             previous: bool) -> None:
        row, col = (panel - 1) // 2 + 1, (panel - 1) % 2 + 1
        common = dict(name=("previous run" if previous else name), legendgroup="previous" if previous else name,
                      showlegend=not previous or not self.slots)
        if kind == "bar":
            trace = go.Bar(x=[], y=[], marker_color=colour, opacity=0.45 if previous else 1.0,
                           hovertemplate="%{y:,.0f} %{customdata}<extra>" + name + "</extra>", **common)
        else:
            line = dict(color=colour, width=1.2 if previous else 1.8, dash="dot" if previous else "solid")
            trace = go.Scatter(x=[], y=[], mode="lines" if kind == "daily" else "lines+markers",
                               line=line, marker=dict(size=5), opacity=0.6 if previous else 1.0,
                               hovertemplate="%{y:,.1f} %{customdata}<extra>" + name + "</extra>", **common)
        fig.add_trace(trace, row=row, col=col)
        self.slots[("prev:" if previous else "") + column] = len(fig.data) - 1

    def _series(self, daily: pd.DataFrame | None, prefix: str) -> None:
        """Move the traces named ``prefix + column`` to ``daily`` (empty traces if None)."""
        data = self.widget.data
        cols = [c for c, *_ in WEEKLY] + ["boats"]
        weeks = weekly_totals(daily, cols) if daily is not None else weekly_totals(pd.DataFrame(), cols)
        full = (weeks["days"] == 7).to_numpy() if len(weeks) else np.zeros(0, bool)
        hover = _weeks_hover(weeks) if len(weeks) else []
        for column, _, _, colour, kind in WEEKLY:
            trace = data[self.slots[prefix + column]]
            trace.x, trace.y, trace.customdata = list(weeks["mid"]), weeks[column].to_numpy(float), hover
            if kind == "bar":
                trace.width = (weeks["days"].to_numpy(float) * DAY_MS).tolist()
                if not prefix:
                    trace.marker.opacity = np.where(full, 1.0, 0.45).tolist()
            elif not prefix:
                trace.marker.symbol = np.where(full, "circle", "circle-open").tolist()
        for column in ("people_per_boat", "largest_load"):
            trace = data[self.slots[prefix + column]]
            trace.x, trace.y, trace.customdata = list(weeks["mid"]), weeks[column].to_numpy(float), hover
            if not prefix:
                trace.marker.symbol = np.where(full, "circle", "circle-open").tolist()
        trace = data[self.slots[prefix + "in_camps"]]
        if daily is None or daily.empty:
            trace.x, trace.y, trace.customdata = [], [], []
        else:
            trace.x, trace.y = list(pd.DatetimeIndex(daily.index)), daily["in_camps"].to_numpy(float)
            trace.customdata = [f"on {d:%d %b %Y}" for d in daily.index]

    def show(self, daily: pd.DataFrame | None, *, previous: pd.DataFrame | None = None,
             period: tuple[dt.date, dt.date] | None = None,
             policies: Iterable[tuple[dt.date, dt.date, str]] = (), title: str = "",
             final: bool = True) -> None:
        """Draw ``daily`` (possibly the first days of a run still going on: ``final`` False,
        which skips refreshing the synced state), the faint ``previous`` run, the x range
        ``period`` and the shaded ``policies``."""
        with self.widget.batch_update():
            self._series(daily, "")
            if previous is not None or daily is None:
                self._series(previous, "prev:")
            if period is not None:
                lo, hi = pd.Timestamp(period[0]), pd.Timestamp(period[1]) + pd.Timedelta(days=1)
                self.widget.update_xaxes(range=[lo, hi])
            self.policy_shapes = [self._shade(a, b, name) for a, b, name in policies]
            self._shapes()
            self.widget.layout.title = dict(text=title, font=dict(size=13), x=0.01, y=0.995)
        if final:
            sync(self.widget)

    def clear_previous(self) -> None:
        """Remove the faint overlay of the previous run."""
        with self.widget.batch_update():
            self._series(None, "prev:")
        sync(self.widget)

    @staticmethod
    def _shade(a: dt.date, b: dt.date, name: str) -> dict:
        return dict(type="rect", xref="x", yref="paper", x0=pd.Timestamp(a), y0=0, y1=1,
                    x1=pd.Timestamp(b) + pd.Timedelta(days=1), fillcolor=POLICY_FILL, line_width=0,
                    layer="below", label=dict(text=name, textposition="top left",
                                              font=dict(size=10, color="#7a5a00")))

    def set_cursor(self, date: dt.date | None, final: bool = True) -> None:
        """A vertical line at ``date`` (the live model's day); None hides it."""
        self.cursor = date
        self._shapes()
        if final:
            sync(self.widget)

    def _shapes(self) -> None:
        shapes = list(self.policy_shapes)
        if self.cursor is not None:
            x = pd.Timestamp(self.cursor) + pd.Timedelta(hours=12)
            shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                               line=dict(color="#e8590c", width=1.5)))
        self.widget.layout.shapes = shapes


#: Where each place's name goes around its marker, so that neighbours' names do not overlap.
POINT_LABELS = {"Dunkirk/Loon-Plage": "top left", "Gravelines": "bottom center", "Calais": "top center",
                "Sangatte/Wissant": "middle left", "Wimereux": "middle left", "Boulogne-sur-Mer": "middle right",
                "Le Portel/Équihen": "middle left", "Hardelot": "middle right", "Berck": "middle left"}
LANDING_LABELS = {"Deal": "middle right", "Dover": "middle right", "Folkestone": "top left",
                  "Dymchurch/Hythe beaches": "bottom right", "Dungeness": "bottom center"}


def _label_positions(labels: Iterable[str], where: dict[str, str]) -> list[str]:
    return [where.get(label, "middle left") for label in labels]


class MapFigure:
    """The Channel with its crossing points (shaded by recent launches), landing sites, camps,
    and the day's boats at sea, police units and Border Force vessels; everything can be hovered."""

    def __init__(self, height: int = 500) -> None:
        geo = self.geo = geography()
        fig = go.Figure()
        w, h = geo.width * CELL_KM, geo.height * CELL_KM
        kinds = list(KINDS)
        scale = [[i / (len(kinds) - 1), KIND_COLOURS[k]] for i, k in enumerate(kinds)]
        fig.add_heatmap(z=geo.kind.T, x0=CELL_KM / 2, dx=CELL_KM, y0=CELL_KM / 2, dy=CELL_KM,
                        colorscale=scale, zmin=0, zmax=len(kinds) - 1, showscale=False,
                        hoverinfo="skip", name="sea and land")
        for coast, colour in ((geo.fr_coast, "#6b5b3e"), (geo.uk_coast, "#4f6b3e")):
            fig.add_scatter(x=coast[:, 0], y=coast[:, 1], mode="lines", line=dict(color=colour, width=1),
                            hoverinfo="skip", showlegend=False)
        self._add_places(fig)
        fig.add_scatter(x=[], y=[], mode="markers", name="boat at sea (size: people aboard)",
                        marker=dict(color="#ff8c00", line=dict(color="#7a3d00", width=1), sizemode="diameter"),
                        hovertemplate="<b>boat</b>: %{customdata[0]} people aboard<br>gang %{customdata[1]}"
                                      "<br>from %{customdata[2]}<br>mode: %{customdata[3]}<br>"
                                      "status: %{customdata[4]}<extra></extra>")
        fig.add_scatter(x=[], y=[], mode="markers", name="French police unit",
                        marker=dict(symbol="triangle-up", size=9, color="#1c3f94"),
                        hovertemplate="<b>police unit</b>: %{customdata[0]} officers<br>at %{customdata[1]}"
                                      "<br>stops today: %{customdata[2]}<extra></extra>")
        fig.add_scatter(x=[], y=[], mode="markers", name="Border Force vessel",
                        marker=dict(symbol="diamond", size=10, color="#b00020"),
                        hovertemplate="<b>Border Force vessel</b><br>people taken aboard today: "
                                      "%{customdata[0]}<br>hours busy today: %{customdata[1]:.1f}<extra></extra>")
        fig.update_layout(autosize=True, height=height, margin=dict(l=44, r=8, t=48, b=24), font=FONT,
                          showlegend=False, plot_bgcolor="white", uirevision="keep", hoverdistance=12)
        fig.update_xaxes(range=[0, w], title=None, constrain="domain", ticksuffix=" km",
                         tickfont=dict(size=9))
        fig.update_yaxes(range=[0, h], scaleanchor="x", title=None, constrain="domain", ticksuffix=" km",
                         tickfont=dict(size=9))
        self.widget = _figure(fig)
        self.widget.add_class("channelsim-map")
        self.widget.add_class("channelsim-figure")
        names = [t.name for t in self.widget.data]
        self.points, self.camps, self.boats, self.police, self.vessels = (
            self.widget.data[names.index(n)] for n in (
                "crossing point (colour: launches lately)", "camp (people waiting)",
                "boat at sea (size: people aboard)", "French police unit", "Border Force vessel"))

    def _add_places(self, fig: go.Figure) -> None:
        """Crossing points (shaded by recent launches), UK landing sites and camps."""
        geo = self.geo
        pts = geo.points
        fig.add_scatter(
            x=pts.x, y=pts.y, mode="markers+text", text=pts.label, textposition=_label_positions(pts.label, POINT_LABELS),
            textfont=dict(size=10, color="#222"), name="crossing point (colour: launches lately)",
            marker=dict(size=11, color=np.zeros(len(pts)), colorscale="Reds", cmin=0, cmax=1,
                        line=dict(color="black", width=0.8),
                        colorbar=dict(title=dict(text="launches<br>lately", font=dict(size=10)), thickness=10,
                                      len=0.45, y=0.78, x=1.0, tickfont=dict(size=9))),
            hovertemplate="<b>%{text}</b> (crossing point)<br>camp: %{customdata[0]}<br>"
                          "launches lately: %{customdata[1]:.1f}<br>police officers today: "
                          "%{customdata[2]}<extra></extra>")
        lands = geo.landings
        fig.add_scatter(x=lands.x, y=lands.y, mode="markers+text", text=lands.label,
                        textposition=_label_positions(lands.label, LANDING_LABELS),
                        textfont=dict(size=10, color="#2d5016"), name="UK landing site",
                        marker=dict(symbol="square", size=8, color="#2d5016"),
                        hovertemplate="<b>%{text}</b> (landing site)<extra></extra>")
        camp_xy = pts.groupby("camp")[["x", "y"]].mean().loc[list(geo.camps)]
        fig.add_scatter(x=camp_xy.x, y=camp_xy.y - 6, mode="markers", name="camp (people waiting)",
                        marker=dict(symbol="star", size=12, color="#8a5a00", line=dict(color="white", width=0.5)),
                        text=list(geo.camps), customdata=np.zeros(len(geo.camps)),
                        hovertemplate="<b>%{text}</b> (camp)<br>%{customdata:,} people waiting<extra></extra>")

    @staticmethod
    def legend_html() -> str:
        """The map's legend: every symbol and every shading, as compact HTML beside the figure."""
        def item(symbol: str, colour: str, text: str, border: str = "") -> str:
            return (f"<span style='white-space:nowrap;margin-right:12px'><span style='color:{colour};"
                    f"{border}font-size:14px'>{symbol}</span> {text}</span>")

        shading = "".join(
            f"<span style='white-space:nowrap;margin-right:12px'><span style='display:inline-block;width:11px;"
            f"height:11px;background:{KIND_COLOURS[k]};border:1px solid #888;vertical-align:-1px'></span> "
            f"{KIND_NAMES[k]}</span>" for k in KINDS)
        symbols = "".join([
            item("●", "#ff8c00", "boat launched from the beach (bigger: more people aboard)"),
            item("⬢", "#ff8c00", "taxi boat, boarded in the water"), item("▲", "#1c3f94", "French police unit"),
            item("◆", "#b00020", "Border Force vessel"), item("★", "#8a5a00", "camp (people waiting)"),
            item("○", "#000", "crossing point (redder: more launches lately)"), item("■", "#2d5016", "UK landing site")])
        return (f"<div class='channelsim-map-legend' style='display:flex;flex-wrap:wrap;font-size:11.5px;"
                f"line-height:1.7;white-space:normal'>{symbols}{shading}</div>")

    def show(self, snap: Snapshot) -> None:
        """Draw ``snap`` (see :func:`channelsim.dashboard.snapshot.snapshot`)."""
        geo, recent = self.geo, snap.recent_launches
        officers = np.zeros(geo.n_points, int) if hasattr(geo, "n_points") else np.zeros(len(geo.points), int)
        labels = list(geo.points.label)
        for u in snap.police:
            officers[labels.index(u.point)] += u.officers
        with self.widget.batch_update():
            top = float(recent.max()) if len(recent) and recent.max() > 0 else 1.0
            self.points.marker.color = (recent / top if len(recent) else np.zeros(len(labels))).tolist()
            self.points.marker.cmax = 1
            self.points.customdata = list(zip(geo.points.camp, recent.tolist() if len(recent) else [0] * len(labels),
                                              officers.tolist()))
            self.camps.customdata = [c.waiting for c in snap.camps]
            b = snap.boats
            self.boats.x, self.boats.y = [v.x_km for v in b], [v.y_km for v in b]
            self.boats.marker.size = [6 + 0.35 * v.load for v in b]
            self.boats.marker.symbol = [BOAT_SYMBOLS.get(v.mode, "circle") for v in b]
            self.boats.customdata = [(v.load, v.gang, v.launch_point, MODE_WORDS.get(v.mode, v.mode or
                                      MODE_WORDS["beach"]), v.status) for v in b]
            p = snap.police
            self.police.x, self.police.y = [u.x_km for u in p], [u.y_km for u in p]
            self.police.customdata = [(u.officers, u.point, u.stops_today) for u in p]
            v = snap.vessels
            self.vessels.x, self.vessels.y = [s.x_km for s in v], [s.y_km for s in v]
            self.vessels.customdata = [(s.people_today, s.busy_hours_today) for s in v]
            self.widget.layout.title = dict(text=self.title(snap), font=dict(size=13), x=0.01)
        sync(self.widget)

    @staticmethod
    def title(snap: Snapshot) -> str:
        """The map's title for ``snap``: the date and the hour of the night shown."""
        if snap.date is None:
            return f"{snap.start:%a %d %b %Y}: before the first day"
        h = snap.hour
        wind = f"wind force {snap.beaufort:.0f}" if snap.beaufort is not None else ""
        return (f"{snap.date:%a %d %b %Y}, {int(h) % 24:02d}:{int(round((h % 1) * 60)):02d}<br>"
                f"<span style='font-size:11px'>{len(snap.boats)} boats at sea of {snap.boats_today} launched"
                f" · {wind}</span>")


class DifferenceFigure:
    """Paired differences (alternative minus current) of the headline totals, in percent of
    the current settings' mean, with their intervals: one row per output."""

    def __init__(self, height: int = 320) -> None:
        fig = go.Figure()
        fig.add_scatter(x=[], y=[], mode="markers", marker=dict(size=10, color=OTHER_COLOUR),
                        error_x=dict(type="data", symmetric=False, array=[], arrayminus=[], thickness=2),
                        hovertemplate="%{y}: %{customdata}<extra></extra>", name="difference")
        fig.add_vline(x=0, line=dict(color="#555", width=1))
        fig.update_layout(autosize=True, height=height, margin=dict(l=140, r=16, t=40, b=40), font=FONT,
                          plot_bgcolor="white", showlegend=False,
                          title=dict(text="Run a comparison to see the differences", font=dict(size=13), x=0.01),
                          xaxis=dict(title="difference from the current settings (% of their mean)",
                                     gridcolor="#eee", ticksuffix="%"))
        self.widget = _figure(fig)
        self.widget.add_class("channelsim-difference")
        self.widget.add_class("channelsim-figure")

    def show(self, table: pd.DataFrame, names: dict[str, str], level: float, title: str) -> None:
        """``table`` is :attr:`channelsim.experiments.Comparison.table`."""
        t = table.dropna(subset=["relative_difference"]).iloc[::-1]
        mid = t["relative_difference"].to_numpy(float)
        with self.widget.batch_update():
            trace = self.widget.data[0]
            trace.x, trace.y = mid, [names.get(i, i) for i in t.index]
            trace.error_x.array = (t["relative_high"].to_numpy(float) - mid).tolist()
            trace.error_x.arrayminus = (mid - t["relative_low"].to_numpy(float)).tolist()
            trace.customdata = [f"{m:+.1f}% ({lo:+.1f}% to {hi:+.1f}%, {level:.0%} interval)"
                                for m, lo, hi in zip(mid, t["relative_low"], t["relative_high"])]
            self.widget.layout.title.text = title
        sync(self.widget)


_FIT_ESM = """
export default {
  render({ el }) {
    // Plotly figures follow the window's size; the dashboard's columns also change size when
    // a side panel opens or closes. Tell the figures whenever one of their boxes changes size.
    let timer = null;
    const seen = new WeakMap();
    const observer = new ResizeObserver((entries) => {
      let changed = false;
      for (const e of entries) {
        const w = Math.round(e.contentRect.width);
        if (seen.get(e.target) !== w) { seen.set(e.target, w); changed = true; }
      }
      if (!changed) return;
      clearTimeout(timer);
      timer = setTimeout(() => window.dispatchEvent(new Event("resize")), 120);
    });
    const watched = new WeakSet();
    const scan = () => {
      const root = el.closest(".channelsim-root") || document;
      for (const fig of root.querySelectorAll(".channelsim-figure")) {
        if (!watched.has(fig)) { watched.add(fig); observer.observe(fig); }
      }
    };
    scan();
    const interval = setInterval(scan, 1000);
    return () => { clearInterval(interval); observer.disconnect(); };
  }
};
"""


def fit_to_container() -> Any:
    """An invisible widget that keeps the dashboard's figures as wide as their columns (its
    JavaScript is the short module above, shipped in this file)."""
    import anywidget

    class FitFigures(anywidget.AnyWidget):
        _esm = _FIT_ESM

    widget = FitFigures()
    widget.layout.height = "0px"
    return widget
