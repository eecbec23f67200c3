"""The dashboard's figures: rendered off-screen by matplotlib to PNG images.

Each view keeps its figure and its artists for the life of the dashboard: new results move the
artists' data (``set_data``, ``set_offsets``, titles' text) rather than building a new figure.
Artists that change every simulated day (the map's boats, police and vessels; the charts' date
cursor) are *animated*: they are drawn over a cached image of the rest of the figure (blitting),
so that a day's frame costs milliseconds instead of a full redraw.

PNG images work everywhere a widget does (JupyterLab, Voila, a static notebook export) without
a front-end extension for an interactive backend.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator
from PIL import Image

from ..plotting import MapView
from ..results import aggregate, summary

__all__ = ["PngFigure", "MapFigure", "ChartsFigure", "ComparisonFigure", "weekly_rates", "MAP_HOUR"]

#: Hour of the day the map shows: the end of the night's launch window, when most of the day's
#: boats are at sea.
MAP_HOUR = 8.0
CURRENT_COLOUR, OTHER_COLOUR = "#1f5fa8", "#c2410c"


class PngFigure:
    """A figure drawn off-screen; :meth:`render` redraws everything, :meth:`blit` only the
    animated artists over the cached rest. Both return PNG bytes."""

    def __init__(self, figsize: tuple[float, float], dpi: float = 80, layout: str | None = "constrained") -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi, layout=layout)
        self.canvas = FigureCanvasAgg(self.figure)
        self.animated: list[Artist] = []
        self._background = None

    def animate(self, *artists: Artist) -> None:
        """Mark ``artists`` as changing often: they are blitted, not part of the background."""
        for artist in artists:
            artist.set_animated(True)
        self.animated.extend(artists)

    def render(self) -> bytes:
        """Redraw the whole figure (after its data changed) and return it as PNG."""
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        return self.blit()

    def blit(self) -> bytes:
        """Draw the animated artists over the cached background and return the PNG."""
        if self._background is None:
            return self.render()
        self.canvas.restore_region(self._background)
        for artist in self.animated:
            self.figure.draw_artist(artist)
        return self._png()

    def _png(self) -> bytes:
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba()).convert("RGB")
        out = io.BytesIO()
        image.save(out, format="png", compress_level=3)
        return out.getvalue()

    def save(self, path, dpi: float = 150) -> None:
        """Write the figure as it is now to ``path`` (format from the suffix) at ``dpi``."""
        self.figure.savefig(path, dpi=dpi)
        self._background = None  # saving at another resolution invalidates the cached image


class MapFigure(PngFigure):
    """The map of the Channel grid (:class:`channelsim.plotting.MapView`) for a live model."""

    def __init__(self, model) -> None:
        super().__init__(figsize=(6.6, 6.2), dpi=80)
        self.view = MapView(self.figure.add_subplot())
        self.view.update(model, MAP_HOUR)  # before the first draw, so the layout fits the title
        self.animate(self.view.points, self.view.boats, self.view.police, self.view.vessels,
                     self.view.title)

    def show(self, model) -> bytes:
        """The map of ``model`` at :data:`MAP_HOUR` of its last simulated day, as PNG."""
        self.view.update(model, MAP_HOUR)
        if model.steps == 0:
            self.view.title.set_text(f"{model.start:%a %d %b %Y}: before the first day")
        return self.blit()


def _edges(daily: pd.DataFrame, weekly: pd.DataFrame) -> np.ndarray:
    """Edges of the weekly bins (matplotlib date numbers): the first day, each week's end + 1
    day; the first and last weeks may be partial."""
    first = daily.index[0]
    ends = weekly.index + pd.Timedelta(days=1)
    last = daily.index[-1] + pd.Timedelta(days=1)
    stops = ends.where(ends < last, last)
    return mdates.date2num(pd.DatetimeIndex([first, *stops]).to_pydatetime())


def weekly_rates(daily: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The weekly table of a run (flows as rates per 7 days, so that the partial first and
    last weeks are comparable) and the bins' edges as matplotlib date numbers."""
    weekly = aggregate(daily, "week")
    edges = _edges(daily, weekly)
    per_week = 7.0 / weekly["days"].to_numpy(float)
    for col in ("arrivals", "boats", "deaths", "attempts", "stopped", "stopped_beach",
                "intercepted_sea", "returned", "admitted", "detained"):
        if col in weekly:
            weekly[col] = weekly[col] * per_week
    return weekly, edges


def month_ticks(first: pd.Timestamp, last: pd.Timestamp, most: int = 13) -> tuple[np.ndarray, list[str]]:
    """Tick positions (matplotlib dates) at month starts between ``first`` and ``last``, at
    most ``most`` of them, labelled by month (and year in January and on the first tick).

    Cheaper than matplotlib's automatic date locator, which the charts would otherwise run on
    every axis at every redraw."""
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    months = months[months >= first] if len(months[months >= first]) else months[:1]
    every = max(1, int(np.ceil(len(months) / most)))
    months = months[::every]
    labels = [f"{m:%b}\n{m:%Y}" if (i == 0 or m.month <= every) else f"{m:%b}" for i, m in enumerate(months)]
    return mdates.date2num(months.to_pydatetime()), labels


def _set_date_ticks(axes: Sequence, first: pd.Timestamp, last: pd.Timestamp) -> None:
    ticks, labels = month_ticks(first, last)
    for ax in axes:
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FixedFormatter(labels))


def _mids(edges: np.ndarray) -> np.ndarray:
    return (edges[:-1] + edges[1:]) / 2


def _top(*series: Sequence[float] | np.ndarray, floor: float = 1.0) -> float:
    values = [np.nanmax(np.asarray(s, float)) for s in series if len(s) and np.isfinite(np.asarray(s, float)).any()]
    return max([floor, *values]) * 1.08


class ChartsFigure(PngFigure):
    """Time series of a run, weekly: arrivals, people per boat, deaths, stopped, returns
    against admissions, camp population, price, and cumulative arrivals and net additions;
    a cursor marks the live model's date."""

    def __init__(self) -> None:
        # Fixed margins (inches are known, tick labels are short): a constrained layout would
        # cost more than the rest of a redraw.
        super().__init__(figsize=(11.5, 9.0), dpi=80, layout=None)
        axes = self.figure.subplots(4, 2, sharex=True, gridspec_kw=dict(
            left=0.07, right=0.955, bottom=0.055, top=0.93, wspace=0.3, hspace=0.42))
        self.axes = axes.ravel()
        a = self.axes
        blank = (np.zeros(1), np.array([0.0, 1.0]))
        self.arrivals = a[0].stairs(*blank, fill=True, color=CURRENT_COLOUR, alpha=0.85, label="people")
        a[0].set_ylabel("people / week")
        self.boats_axis = a[0].twinx()
        (self.boats,) = self.boats_axis.plot([], [], color="#e07b00", lw=1.2, label="boats")
        self.boats_axis.set_ylabel("boats / week")
        (self.per_boat,) = a[1].plot([], [], color="#7a3b8f", marker=".", ms=3, lw=1)
        self.safe_load = a[1].axhline(20, color="#7a3b8f", ls=":", lw=1, label="safe load of a dinghy")
        a[1].set_ylabel("people / boat")
        self.deaths = a[2].stairs(*blank, fill=True, color="#b22222")
        a[2].set_ylabel("deaths / week")
        (self.attempts,) = a[3].plot([], [], color="#444444", lw=1.2, label="attempts")
        (self.stopped_beach,) = a[3].plot([], [], color="#2e8b57", lw=1.2, label="stopped on the beach")
        (self.intercepted,) = a[3].plot([], [], color="#0e7490", lw=1.2, ls="--", label="intercepted at sea")
        a[3].set_ylabel("people / week")
        (self.returned,) = a[4].plot([], [], color="#c0392b", lw=1.4, label="returned to France")
        (self.admitted,) = a[4].plot([], [], color="#16a085", lw=1.4, label="admitted (legal routes)")
        a[4].set_ylabel("people / week")
        (self.in_camps,) = a[5].plot([], [], color="#8d6e63", lw=1.2)
        a[5].set_ylabel("people")
        (self.price,) = a[6].plot([], [], color="#5b6b00", lw=1.2)
        a[6].set_ylabel("EUR / place")
        (self.cum_arrivals,) = a[7].plot([], [], color=CURRENT_COLOUR, lw=1.4, label="arrivals")
        (self.cum_net,) = a[7].plot([], [], color="#111111", lw=1.4, ls="--",
                                    label="net additions (arrivals − returns + admissions)")
        a[7].set_ylabel("people")
        handles = [self.arrivals, self.boats]
        a[0].legend(handles, [h.get_label() for h in handles], loc="upper left", frameon=False, fontsize=8)
        a[1].legend(loc="lower right", frameon=False, fontsize=8)
        for ax in (a[3], a[4], a[7]):
            ax.legend(loc="upper left", frameon=False, fontsize=8)
        self.cursors = [ax.axvline(0, color="#111111", lw=0.9, alpha=0.6) for ax in self.axes]
        self.animate(*self.cursors)
        for ax in self.axes:
            ax.title.set_fontsize(10)
            ax.tick_params(labelsize=8)
        self.suptitle = self.figure.suptitle("")

    def show(self, daily: pd.DataFrame, title: str = "", safe_load: float = 20.0) -> None:
        """Move every series to the run ``daily`` (call :meth:`render` to draw it)."""
        weekly, edges = weekly_rates(daily)
        mids = _mids(edges)
        days = mdates.date2num(daily.index.to_pydatetime())
        tot = summary(daily)
        a = self.axes
        self.arrivals.set_data(weekly["arrivals"].to_numpy(float), edges)
        self.boats.set_data(mids, weekly["boats"].to_numpy(float))
        a[0].set_ylim(0, _top(weekly["arrivals"]))
        self.boats_axis.set_ylim(0, _top(weekly["boats"]))
        a[0].set_title(f"Arrivals in the UK: {int(tot.arrivals):,} people in {int(tot.boats):,} boats")
        per_boat = weekly["people_per_boat"].where(weekly["boats"] > 0).to_numpy(float)
        self.per_boat.set_data(mids, per_boat)
        self.safe_load.set_ydata([safe_load, safe_load])
        a[1].set_ylim(0, _top(per_boat, [safe_load]))
        a[1].set_title(f"People per boat: {tot.people_per_boat:.1f} on average")
        self.deaths.set_data(weekly["deaths"].to_numpy(float), edges)
        a[2].set_ylim(0, _top(weekly["deaths"]))
        a[2].set_title(f"Deaths at sea: {int(tot.deaths):,}")
        self.attempts.set_data(mids, weekly["attempts"].to_numpy(float))
        self.stopped_beach.set_data(mids, weekly["stopped_beach"].to_numpy(float))
        self.intercepted.set_data(mids, weekly["intercepted_sea"].to_numpy(float))
        a[3].set_ylim(0, _top(weekly["attempts"]))
        a[3].set_title(f"Stopped by France: {int(tot.stopped):,} of {int(tot.attempts):,} attempts "
                       f"({tot.stopped_share:.0%})")
        self.returned.set_data(mids, weekly["returned"].to_numpy(float))
        self.admitted.set_data(mids, weekly["admitted"].to_numpy(float))
        a[4].set_ylim(0, _top(weekly["returned"], weekly["admitted"], floor=5.0))
        a[4].set_title(f"Returns against admissions: {int(daily['returned'].sum()):,} returned, "
                       f"{int(daily['admitted'].sum()):,} admitted")
        self.in_camps.set_data(days, daily["in_camps"].to_numpy(float))
        a[5].set_ylim(0, _top(daily["in_camps"]))
        a[5].set_title(f"Waiting in camps on the French coast: {int(daily['in_camps'].iloc[-1]):,} "
                       "at the end")
        price = weekly["price_eur"].where(weekly["attempts"] > 0).to_numpy(float)
        self.price.set_data(mids, price)
        a[6].set_ylim(0, _top(price, floor=100.0))
        paid = daily["revenue_eur"].sum() / max(daily["attempts"].sum(), 1)
        a[6].set_title(f"Price of a place: {paid:,.0f} EUR paid on average")
        self.cum_arrivals.set_data(days, daily["arrivals"].cumsum().to_numpy(float))
        self.cum_net.set_data(days, daily["net_effect"].cumsum().to_numpy(float))
        a[7].set_ylim(0, _top(daily["arrivals"].cumsum(), daily["net_effect"].cumsum()))
        a[7].set_title(f"Net additions to the UK: {int(daily['net_effect'].sum()):,}")
        a[0].set_xlim(edges[0], edges[-1])
        _set_date_ticks([*self.axes, self.boats_axis], daily.index[0], daily.index[-1])
        self.suptitle.set_text(title)

    def set_cursor(self, date: dt.date | None) -> None:
        """Put the cursor on ``date`` (hidden if None or outside the run)."""
        lo, hi = self.axes[0].get_xlim()
        x = mdates.date2num(date) + 0.5 if date is not None else np.nan
        visible = date is not None and lo <= x <= hi
        for line in self.cursors:
            line.set_xdata([x, x] if visible else [lo, lo])
            line.set_visible(visible)


def band_arrays(runs: pd.DataFrame, column: str, *, weekly: bool = False,
                cumulative: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From tidy runs (``replicate``, ``date`` and result columns): x (matplotlib dates), and the
    low, median and high over runs (the 5th, 50th and 95th percentiles) of ``column``."""
    wide = runs.pivot(index="date", columns="replicate", values=column).sort_index()
    wide.index = pd.DatetimeIndex(wide.index)
    first, last = mdates.date2num(wide.index[[0, -1]].to_pydatetime())
    if weekly:
        grouped = wide.resample("W-SUN")  # weeks end on Sunday, as in channelsim.aggregate
        days_in_week = grouped.size().to_numpy(float)
        wide = grouped.sum() * (7.0 / days_in_week)[:, None]
        mids = mdates.date2num((wide.index - pd.Timedelta(days=3)).to_pydatetime())
        x = np.clip(mids, first, last)
    else:
        if cumulative:
            wide = wide.cumsum()
        x = mdates.date2num(wide.index.to_pydatetime())
    values = wide.to_numpy(float)
    low, mid, high = np.nanquantile(values, [0.05, 0.5, 0.95], axis=1)
    return x, low, mid, high


class ComparisonFigure(PngFigure):
    """The current settings against a chosen scenario, as ensemble bands: the median over runs
    and the band holding 90% of them, for weekly arrivals, cumulative arrivals, cumulative
    deaths and weekly people per boat."""

    PANELS = (("arrivals", "Arrivals in the UK (people / week)", dict(weekly=True)),
              ("arrivals", "Arrivals so far (people)", dict(cumulative=True)),
              ("deaths", "Deaths at sea so far", dict(cumulative=True)),
              ("net_effect", "Net additions to the UK so far (people)", dict(cumulative=True)))

    def __init__(self) -> None:
        super().__init__(figsize=(11.5, 6.4), dpi=80)
        self.axes = self.figure.subplots(2, 2, sharex=True).ravel()
        self.lines, self.bands = [], []
        for ax, (_, title, _) in zip(self.axes, self.PANELS):
            pair_lines, pair_bands = [], []
            for colour in (CURRENT_COLOUR, OTHER_COLOUR):
                pair_bands.append(ax.fill_between([0.0, 1.0], [0.0, 0.0], [0.0, 0.0], color=colour,
                                                  alpha=0.2, lw=0))
                (line,) = ax.plot([], [], color=colour, lw=1.6)
                pair_lines.append(line)
            self.lines.append(pair_lines)
            self.bands.append(pair_bands)
            ax.set_title(title, fontsize=10)
            ax.tick_params(labelsize=8)
        self.legend = None
        self.suptitle = self.figure.suptitle("Run a comparison to see the bands", fontsize=11)

    def show(self, current: pd.DataFrame, other: pd.DataFrame, labels: tuple[str, str],
             title: str) -> None:
        """Move the bands to two sets of tidy runs (``replicate``, ``date``, result columns)."""
        for k, (column, _, how) in enumerate(self.PANELS):
            ax, top, xs = self.axes[k], 1.0, []
            for j, runs in enumerate((current, other)):
                x, low, mid, high = band_arrays(runs, column, **how)
                self.lines[k][j].set_data(x, mid)
                self.bands[k][j].set_data(x, low, high)
                top = max(top, float(np.nanmax(high)) if len(high) else 1.0)
                xs.append(x)
            ax.set_ylim(0, top * 1.08)
            lo = min(x[0] for x in xs if len(x))
            hi = max(x[-1] for x in xs if len(x))
            ax.set_xlim(lo, hi)
        _set_date_ticks(self.axes, pd.Timestamp(mdates.num2date(lo).date()),
                        pd.Timestamp(mdates.num2date(hi).date()))
        if self.legend is not None:
            self.legend.remove()
        handles = [self.lines[0][0], self.bands[0][0], self.lines[0][1], self.bands[0][1]]
        names = [f"{labels[0]}: median", "90% of runs", f"{labels[1]}: median", "90% of runs"]
        self.legend = self.axes[0].legend(handles, names, loc="upper left", fontsize=8, frameon=False)
        self.suptitle.set_text(title)
