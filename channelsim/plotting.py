"""Figures: the overview of a run and the map of the Channel grid.

Nothing here changes a model; the model knows nothing of how it is drawn. :class:`MapView`
keeps its artists so that a live view updates them instead of redrawing the figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .geography import CELL_KM, geography
from .results import aggregate

__all__ = ["overview", "MapView", "draw_map", "POLICY_COLUMNS"]

#: Colours of the cell kinds: French land, UK land, French waters, UK waters, inshore band.
KIND_COLOURS = ["#d9cdb4", "#cfd8c0", "#a9c8e8", "#8fb3dc", "#c3dbf0"]
#: Result columns of the one-in-one-out pilot; :func:`overview` adds a panel for them when any is
#: non-zero.
POLICY_COLUMNS = ("returned", "admitted", "detained")


def _has_policy(daily: pd.DataFrame) -> bool:
    return any(c in daily and daily[c].sum() > 0 for c in POLICY_COLUMNS)


def overview(daily: pd.DataFrame, title: str | None = None, fig: Figure | None = None) -> Figure:
    """Weekly arrivals and boats, people per boat, deaths, and attempts against stops; a policy
    panel (returns against admissions) is added when the run had any.

    Args:
        daily: one run's daily results, as returned by :func:`channelsim.simulate`.
        title: a title above the panels.
        fig: a figure to draw into (a new one of 11 inches by about 2.3 per panel if None).

    Returns:
        The matplotlib figure: four or five panels sharing a weekly time axis (people a week,
        boats a week, people per boat, deaths a week).

    >>> import channelsim
    >>> from channelsim import plotting
    >>> fig = plotting.overview(channelsim.simulate(days=60, seed=1))      # doctest: +SKIP
    >>> fig.savefig("overview.png")                                     # doctest: +SKIP
    """
    weekly = aggregate(daily, "week")
    panels = [_arrivals_panel, _load_panel, _deaths_panel, _stops_panel]
    if _has_policy(daily):
        panels.append(_policy_panel)
    if fig is None:
        fig = plt.figure(figsize=(11, 2.3 * len(panels) + 0.6), layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True)
    for draw, ax in zip(panels, axes):
        draw(ax, weekly, daily)
    if title:
        fig.suptitle(title)
    return fig


def _arrivals_panel(ax, weekly: pd.DataFrame, daily: pd.DataFrame) -> None:
    """People landed a week (bars) and boats a week (a line on its own axis)."""
    x = weekly.index
    ax.bar(x, weekly.arrivals, width=6, color="#1f5fa8", label="people landed")
    ax.set_ylabel("people / week")
    ax2 = ax.twinx()
    ax2.plot(x, weekly.boats, color="#e07b00", lw=1.5, label="boats")
    ax2.set_ylabel("boats / week")
    ax.set_title(f"Arrivals in the UK: {int(daily.arrivals.sum()):,} people, "
                 f"{int(daily.boats.sum()):,} boats")
    _legend(ax, ax2)


def _load_panel(ax, weekly: pd.DataFrame, daily: pd.DataFrame) -> None:
    """The week's mean people per boat (weeks without boats left blank)."""
    ax.plot(weekly.index, weekly.people_per_boat.where(weekly.boats > 0), color="#7a3b8f",
            marker=".")
    ax.set_ylabel("people / boat")
    ax.set_ylim(bottom=0)
    ax.set_title("People per boat (weekly mean)")


def _deaths_panel(ax, weekly: pd.DataFrame, daily: pd.DataFrame) -> None:
    """Deaths a week, with the run's total."""
    ax.bar(weekly.index, weekly.deaths, width=6, color="#b22222")
    ax.set_ylabel("deaths / week")
    ax.set_title(f"Deaths at sea: {int(daily.deaths.sum())}")


def _stops_panel(ax, weekly: pd.DataFrame, daily: pd.DataFrame) -> None:
    """Attempts against people stopped by France, with the run's share stopped."""
    ax.plot(weekly.index, weekly.attempts, color="#444444", label="attempts")
    ax.plot(weekly.index, weekly.stopped, color="#2e8b57", label="stopped by France")
    share = daily.stopped.sum() / max(daily.attempts.sum(), 1)
    ax.set_title(f"Attempts and stops ({share:.0%} of attempts stopped)")
    ax.set_ylabel("people / week")
    ax.legend(loc="upper left", frameon=False)


def _policy_panel(ax, weekly: pd.DataFrame, daily: pd.DataFrame) -> None:
    """The pilot's returns, admissions and detentions a week."""
    x = weekly.index
    ax.plot(x, weekly.returned, color="#c0392b", label="returned to France")
    ax.plot(x, weekly.admitted, color="#16a085", label="admitted (legal route)")
    ax.plot(x, weekly.detained, color="#888888", ls="--", label="detained")
    ax.set_ylabel("people / week")
    ax.set_title("One in, one out: returns and admissions")
    ax.legend(loc="upper left", frameon=False)


def _legend(*axes) -> None:
    handles, labels = [], []
    for ax in axes:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    axes[0].legend(handles, labels, loc="upper left", frameon=False)


class MapView:
    """The Channel grid with crossing points, boats at sea, police units and Border Force.

    ``MapView(ax)`` draws the static layers once; :meth:`update` moves the dynamic artists to
    the state of a model at ``hour`` of its last simulated day.
    """

    def __init__(self, ax) -> None:
        geo = geography()
        self.ax, self.geo = ax, geo
        extent = (0, geo.width * CELL_KM, 0, geo.height * CELL_KM)
        ax.imshow(geo.kind.T, origin="lower", extent=extent, cmap=ListedColormap(KIND_COLOURS),
                  vmin=-0.5, vmax=4.5, interpolation="nearest")
        ax.plot(*geo.fr_coast.T, color="#6b5b3e", lw=0.8)
        ax.plot(*geo.uk_coast.T, color="#4f6b3e", lw=0.8)
        pts, lands = geo.points, geo.landings
        self.points = ax.scatter(pts.x, pts.y, s=40, c=np.zeros(len(pts)), cmap="Reds", vmin=0,
                                 vmax=1, edgecolors="k", linewidths=0.6, zorder=3)
        for row in pts.itertuples():
            ax.annotate(row.label, (row.x, row.y), xytext=(6, -2), textcoords="offset points",
                        fontsize=7, color="#333")
        ax.scatter(lands.x, lands.y, marker="s", s=22, color="#2d5016", zorder=3)
        for row in lands.itertuples():
            ax.annotate(row.label, (row.x, row.y), xytext=(-6, 3), textcoords="offset points",
                        fontsize=7, ha="right", color="#2d5016")
        self.boats = ax.scatter([], [], s=60, marker="o", facecolors="#ff8c00",
                                edgecolors="#7a3d00", zorder=4, label="boats at sea (size = people)")
        self.police = ax.scatter([], [], marker="^", s=30, color="#1c3f94", zorder=4,
                                 label="French police units")
        self.vessels = ax.scatter([], [], marker="D", s=36, color="#b00020", zorder=5,
                                  label="Border Force vessels")
        self.title = ax.set_title("")
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.set_xlabel("km east")
        ax.set_ylabel("km north")
        ax.set_aspect("equal")
        ax.legend(loc="lower left", fontsize=7, framealpha=0.85)

    def update(self, model, hour: float = 6.0) -> None:
        """Show ``model`` at ``hour`` (0-24) of its last simulated day (from its public
        :meth:`~channelsim.model.ChannelModel.snapshot`)."""
        geo, speed = self.geo, model.params.boat_speed_kmh
        snap = model.snapshot()
        recent = snap.recent_launches
        self.points.set_array(recent / recent.max() if recent.max() > 0 else np.zeros_like(recent))
        boats = snap.boats
        boats = boats[(boats.outcome != "stopped") & (boats.launch_hour <= hour) & (hour < boats.end_hour)]
        xy = [geo.on_route(b.point, (hour - b.launch_hour) * speed) for b in boats.itertuples()]
        self.boats.set_offsets(np.array(xy) if xy else np.empty((0, 2)))
        self.boats.set_sizes((8 + 2.0 * boats.load).tolist())
        jitter = np.linspace(-1.5, 1.5, 7)
        police = [(geo.points.x.iat[p] + 2.0 + jitter[i % 7], geo.points.y.iat[p] + jitter[(i // 7) % 7])
                  for i, p in enumerate(snap.police.point.tolist()) if p >= 0]
        self.police.set_offsets(np.array(police) if police else np.empty((0, 2)))
        vessels = [((c[0] + 0.5) * CELL_KM, (c[1] + 0.5) * CELL_KM) for c in snap.vessels.cell]
        self.vessels.set_offsets(np.array(vessels) if vessels else np.empty((0, 2)))
        if model.steps == 0:
            self.title.set_text(f"{model.start:%a %d %b %Y}: before the first day")
            return
        self.title.set_text(f"{snap.date:%a %d %b %Y}, {int(hour):02d}:00 — "
                            f"{len(xy)} boats at sea, wind force {snap.tally['beaufort']:.0f}")


def draw_map(model, hour: float = 6.0, ax=None) -> Figure:
    """A map of the Channel grid showing ``model`` at ``hour`` (0-24) of its last simulated day:
    crossing points shaded by recent launches, boats at sea with their loads, French police
    units and Border Force vessels, on axes in km.

    Returns:
        The figure drawn into (``ax``'s, or a new 7.5 by 7.5 inch one).

    >>> import channelsim
    >>> from channelsim import plotting
    >>> model = channelsim.build_model(seed=1)                          # doctest: +SKIP
    >>> model.run_for(30)                                               # doctest: +SKIP
    >>> plotting.draw_map(model, hour=4.0).savefig("map.png")           # doctest: +SKIP
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 7.5), layout="constrained")
    view = MapView(ax)
    view.update(model, hour)
    return ax.figure
