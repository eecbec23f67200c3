"""Smuggling gangs, French police units and UK Border Force vessels.

Migrants are in :mod:`channelsim.population`. Each agent's behaviour reads as the rule it
implements and delegates the decision itself to :mod:`channelsim.decisions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mesa
import numpy as np
from mesa.discrete_space import CellAgent

from . import decisions

__all__ = ["SmugglingGang", "FrenchPoliceUnit", "BorderForceVessel", "Boat"]


@dataclass
class Boat:
    """One launch: a dinghy, its people, and what became of it (not a Mesa agent: it lives a day)."""

    gang: int  #: index of the gang that launched it
    point: int  #: crossing point index
    people: np.ndarray  #: population slots of the people aboard
    launch_hour: float = 0.0  #: hours after midnight
    outcome: str = "launched"  #: stopped, intercepted, landed, picked_up, rescued_fr, lost
    end_hour: float = 0.0  #: hour the crossing ended (landed, picked up or stopped)
    deaths: int = 0
    distress: bool = False
    load: int = field(init=False)

    def __post_init__(self) -> None:
        self.load = len(self.people)


class SmugglingGang(mesa.Agent):
    """A smuggling network based at one camp: holds boats, takes bookings, launches boats."""

    def __init__(self, model: mesa.Model, home_camp: int, stock: int) -> None:
        super().__init__(model)
        self.home_camp = home_camp
        self.stock = stock  #: boats with engines in hand
        self.revenue_eur = 0.0
        self.costs_eur = 0.0
        self.launches = 0
        self.stop_risk = model.params.prior_stop_belief  #: share of its recent launches stopped
        geo = model.geo
        camp_xy = geo.points.groupby("camp")[["x", "y"]].mean().loc[geo.camps[home_camp]].to_numpy()
        self.home_km = np.linalg.norm(geo.points[["x", "y"]].to_numpy() - camp_xy, axis=1)

    def receive_supply(self, boats: int) -> None:
        """Boats and engines arrive through the supply chain and are paid for."""
        self.stock += boats
        self.costs_eur += boats * self.model.params.boat_cost_eur

    def plan_launches(self, customers: int, beaufort: float, expected_stop: np.ndarray,
                      rng: np.random.Generator) -> list[tuple[int, int]]:
        """Today's launches as ``(crossing point, load)``: none in rough weather or without
        boats; otherwise as many full boats as customers and stock allow, sent to the points
        the gang expects to be least policed near its home."""
        p = self.model.params
        if customers <= 0 or self.stock <= 0:
            return []
        if rng.random() >= decisions.launch_propensity(beaufort, p):
            return []
        load = decisions.gang_load(customers, self.stock, self.stop_risk, p)
        n_boats = min(self.stock, customers // load)
        if n_boats == 0:
            return []
        weights = decisions.launch_point_weights(expected_stop, self.home_km, p.police_avoidance)
        points = rng.choice(len(weights), size=n_boats, p=weights)
        self.stock -= n_boats
        self.launches += n_boats
        return [(int(k), load) for k in points]

    def learn(self, launched: int, stopped: int) -> None:
        """Update the share of launches the gang sees stopped (a 30-launch memory)."""
        if launched:
            w = min(1.0, launched / 30.0)
            self.stop_risk += w * (stopped / launched - self.stop_risk)


class FrenchPoliceUnit(CellAgent):
    """A patrol unit of French officers, sent each day to one crossing point."""

    def __init__(self, model: mesa.Model, officers: int) -> None:
        super().__init__(model)
        self.officers = officers
        self.point = -1
        self.stops_today = 0

    def patrol(self, point: int) -> None:
        """Take up position at crossing point ``point``."""
        self.point = point
        self.cell = self.model.point_cells[point]
        self.stops_today = 0


class BorderForceVessel(CellAgent):
    """A UK Border Force vessel: finds boats in UK waters, takes people aboard and lands them
    at Dover, trip after trip, as long as the day's boats keep coming."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.cell = model.landing_cells[model.geo.dover]
        self.free_at = 0.0  #: hour from which the vessel is free today
        self.people_today = 0
        self.trips_today = 0
        self.busy_hours_today = 0.0

    def start_day(self) -> None:
        self.free_at = 0.0
        self.people_today = self.trips_today = 0
        self.busy_hours_today = 0.0
        self.cell = self.model.landing_cells[self.model.geo.dover]

    def pick_up(self, boat: Boat, hour: float, cell) -> float:
        """Take a boat's people aboard at ``hour``; returns the hour the vessel is free again."""
        p = self.model.params
        trips = max(1, math.ceil(boat.load / p.bf_capacity_per_trip))
        self.trips_today += trips
        self.people_today += len(boat.people)  # the living: people who died aboard are not landed
        self.busy_hours_today += trips * p.bf_trip_hours
        self.free_at = hour + trips * p.bf_trip_hours
        self.cell = cell
        return self.free_at
