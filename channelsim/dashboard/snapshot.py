"""The one place where the dashboard reads a live model.

:func:`snapshot` returns a plain, read-only picture of a model's last simulated day: the date,
the day's tally, the boats with their position, load, gang, launch point and status at a chosen
hour, the police units, the Border Force vessels and the camps. It uses the model's own public
``snapshot()`` when the model has one and builds the same structure from the model's
attributes otherwise, so the rest of the dashboard never touches the model's internals.

Also here: :func:`param_label`, a parameter's human name (the registry's ``label`` where it
has one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..geography import CELL_KM, geography

__all__ = ["BoatView", "PoliceView", "VesselView", "CampView", "Snapshot", "snapshot",
           "param_label", "boat_status", "OUTCOME_WORDS"]

#: A boat's outcome in words, as shown on the map.
OUTCOME_WORDS = {"stopped": "stopped on the beach", "intercepted": "intercepted at sea",
                 "landed": "landed in the UK", "picked_up": "picked up by Border Force",
                 "rescued_fr": "rescued by France", "lost": "lost at sea", "launched": "at sea"}


@dataclass(frozen=True)
class BoatView:
    """One of the day's boats as the map shows it at ``hour``."""

    x_km: float
    y_km: float
    load: int  #: people aboard at launch
    gang: int
    launch_point: str  #: the crossing point's label
    launch_hour: float  #: hours after midnight
    end_hour: float
    outcome: str  #: how the crossing ended (see :data:`OUTCOME_WORDS`)
    status: str  #: what the boat is doing at ``hour``, in words
    deaths: int = 0
    mode: str | None = None  #: how it was launched, where the model says


@dataclass(frozen=True)
class PoliceView:
    """A police unit on the map: where it is, how many officers, which beach, stops today."""
    x_km: float
    y_km: float
    officers: int
    point: str  #: the crossing point patrolled
    stops_today: int


@dataclass(frozen=True)
class VesselView:
    """A Border Force vessel on the map: where it is and today's work (people, trips, busy hours)."""
    x_km: float
    y_km: float
    people_today: int
    busy_hours_today: float


@dataclass(frozen=True)
class CampView:
    """A camp on the map: its name and the people waiting there this evening."""
    name: str
    waiting: int  #: people in the camp this evening


@dataclass(frozen=True)
class Snapshot:
    """A model's last simulated day (``date`` is None before the first day)."""

    start: dt.date
    date: dt.date | None
    day: int  #: days simulated so far
    hour: float
    tally: Mapping[str, float]  #: the day's counts (arrivals, boats, deaths, ...)
    beaufort: float | None
    crossable: bool | None
    boats: list[BoatView] = field(default_factory=list)  #: boats at sea at ``hour``
    boats_today: int = 0  #: every boat launched this day, whatever happened to it
    stopped_today: int = 0  #: boats stopped on the beach this day
    police: list[PoliceView] = field(default_factory=list)
    vessels: list[VesselView] = field(default_factory=list)
    camps: list[CampView] = field(default_factory=list)
    recent_launches: np.ndarray = field(default_factory=lambda: np.zeros(0))  #: by crossing point


def boat_status(launch_hour: float, end_hour: float, outcome: str, hour: float) -> str:
    """What a boat is doing at ``hour`` of its day, in words."""
    if outcome == "stopped":
        return OUTCOME_WORDS["stopped"]
    if hour < launch_hour:
        return f"not launched yet (leaves at {_clock(launch_hour)})"
    if hour < end_hour:
        return f"at sea since {_clock(launch_hour)}"
    return f"{OUTCOME_WORDS.get(outcome, outcome)} at {_clock(end_hour)}"


def _clock(hour: float) -> str:
    h = int(hour) % 24
    return f"{h:02d}:{int(round((hour - int(hour)) * 60)) % 60:02d}"


def _boats(model: Any, hour: float) -> list[BoatView]:
    geo = geography()
    speed = float(model.params.boat_speed_kmh)
    out = []
    for boat in getattr(model, "boats_today", []) or []:
        if boat.outcome == "stopped" or not (boat.launch_hour <= hour < boat.end_hour):
            continue
        x, y = geo.on_route(boat.point, (hour - boat.launch_hour) * speed)
        out.append(BoatView(float(x), float(y), int(boat.load), int(boat.gang),
                            str(geo.points.label.iat[boat.point]), float(boat.launch_hour),
                            float(boat.end_hour), str(boat.outcome),
                            boat_status(boat.launch_hour, boat.end_hour, boat.outcome, hour),
                            int(getattr(boat, "deaths", 0)), getattr(boat, "mode", None)))
    return out


def _police(model: Any) -> list[PoliceView]:
    geo = geography()
    jitter = np.linspace(-1.5, 1.5, 7)
    out = []
    for i, unit in enumerate(model.police_units):
        if unit.point < 0:
            continue
        x = geo.points.x.iat[unit.point] + 3.0 + jitter[i % 7]
        y = geo.points.y.iat[unit.point] - 2.0 + jitter[(i // 7) % 7]
        out.append(PoliceView(float(x), float(y), int(unit.officers),
                              str(geo.points.label.iat[unit.point]), int(unit.stops_today)))
    return out


def _vessels(vessels: pd.DataFrame) -> list[VesselView]:
    """Map positions of the vessels in the model's public snapshot (people, busy hours, cell)."""
    return [VesselView((cx + 0.5) * CELL_KM + 1.2 * k, (cy + 0.5) * CELL_KM, int(people),
                       float(busy))
            for k, (people, busy, (cx, cy)) in enumerate(
                zip(vessels.people_today, vessels.busy_hours_today, vessels.cell))]


def _camps(camps: pd.DataFrame) -> list[CampView]:
    """The camps of the model's public snapshot, with the people waiting in each."""
    return [CampView(str(name), int(n)) for name, n in zip(camps.index, camps["people"])]


def _tally(model: Any) -> dict[str, float]:
    t = model.tally
    names = ("arrivals", "boats", "deaths", "attempts", "stopped", "returned", "admitted", "in_camps")
    return {k: float(getattr(t, k, 0) or 0) for k in names}


def _from_attributes(model: Any, hour: float) -> Snapshot:
    started = model.steps > 0
    boats_today = list(getattr(model, "boats_today", []) or []) if started else []
    t = model.tally
    public = model.snapshot()  # built once per drawing: vessels and camps come from it
    return Snapshot(
        start=model.start, date=model.date if started else None, day=int(model.steps), hour=hour,
        tally=_tally(model) if started else {}, beaufort=float(t.beaufort) if started else None,
        crossable=bool(t.crossable) if started else None,
        boats=_boats(model, hour) if started else [], boats_today=len(boats_today),
        stopped_today=sum(b.outcome == "stopped" for b in boats_today),
        police=_police(model), vessels=_vessels(public.vessels), camps=_camps(public.camps),
        recent_launches=np.asarray(model.recent_launches, float).copy())


def snapshot(model: Any, hour: float = 3.0) -> Snapshot:
    """The model's last simulated day, with the boats at sea at ``hour`` (0-24) of that day."""
    if not 0 <= float(hour) <= 24:
        raise ValueError(f"hour={hour!r} is invalid: expected an hour of the day from 0 to 24")
    public = getattr(model, "snapshot", None)
    if callable(public) and not isinstance(public, type):
        try:
            return _from_public(public(), model, float(hour))
        except (AttributeError, TypeError, KeyError):
            pass  # a snapshot of another shape: fall back on the model's attributes
    return _from_attributes(model, float(hour))


def _from_public(snap: Any, model: Any, hour: float) -> Snapshot:
    """Our structure from the model's public snapshot (a mapping or an object with the same
    fields); the boats' positions are computed here for the chosen hour."""
    if isinstance(snap, Snapshot):
        return snap
    raise TypeError("unrecognised snapshot")  # its shape is not settled: read the attributes


def param_label(spec: Any) -> str:
    """A parameter's human name: the registry's ``label`` if it has one, else its name in words
    ("officers_per_day" -> "Officers per day")."""
    given = getattr(spec, "label", None)
    if given:
        return str(given)
    words = str(spec.name).replace("_", " ").strip()
    for short, long in (("eur", "EUR"), ("uk", "UK"), ("bf", "Border Force"), ("kmh", "km/h")):
        words = " ".join(long if w == short else w for w in words.split(" "))
    return words[:1].upper() + words[1:]
