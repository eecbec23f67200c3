"""Policing: the French police on the beaches and at sea.

Each morning the officers on duty form patrol units of ``officers_per_unit`` (a remainder forms
one smaller unit) and each :class:`FrenchPoliceUnit` (a Mesa agent on the grid) is sent to a
crossing point: a ``patrol_focus`` share of units follows where launches were seen lately (a
memory of :data:`POLICE_MEMORY_DAYS`), the rest is spread along the coast
(:func:`decisions.allocate_units`). The officers at a point per km of coast give the chance that
a launch there is stopped on the beach (:func:`decisions.stop_probability`); a stopped boat is
seized with chance ``seizure_on_stop``. While sea interceptions are in force, a share of the
boats crossing the inshore band are intercepted, at a risk to the people aboard.
"""

from __future__ import annotations

import random

import mesa
import numpy as np
from mesa.agent import AgentSet
from mesa.discrete_space import CellAgent

from .. import decisions
from .base import Module, Result

__all__ = ["FrenchPoliceUnit", "Policing", "POLICE_MEMORY_DAYS"]

POLICE_MEMORY_DAYS = 7.0  #: how long police remember where launches were (e-folding, days)


class FrenchPoliceUnit(CellAgent):
    """A patrol unit of French officers, sent each day to one crossing point."""

    def __init__(self, model: mesa.Model, officers: float) -> None:
        super().__init__(model)
        self.officers = officers
        self.point = -1
        self.stops_today = 0  #: boats this unit's point saw stopped on the beach today

    def patrol(self, point: int, officers: float) -> None:
        """Take up position at crossing point ``point`` with ``officers`` officers."""
        self.officers = officers
        self.point = point
        self.cell = self.model.point_cells[point]
        self.stops_today = 0


class Policing(Module):
    """French police: allocation of units, beach stops, interceptions at sea."""

    OWNS = ()
    RESULTS = (
        Result("stopped_beach", "people", "flow", "people stopped on the beach by French police"),
        Result("intercepted_sea", "people", "flow", "people intercepted at sea in the French inshore band"),
        Result("stopped", "people", "flow", "stopped_beach + intercepted_sea"),
    )
    DAY = ("morning: units are sent along the coast; night: launches are stopped on the beaches "
           "and, while in force, boats intercepted at sea")

    def __init__(self, model) -> None:
        super().__init__(model)
        p, geo = model.params, model.geo
        self.coast_km = geo.points.coast_km.to_numpy(float)
        self.recent_launches = np.zeros(geo.n_points)  #: memory of launches per point
        self.stop_risk = np.full(geo.n_points, p.prior_stop_belief)  #: today's beach stop chance
        self.gang_view = self.stop_risk  #: the stop chance the gangs' spotters saw (yesterday's)

    @property
    def units(self) -> AgentSet:
        """Today's patrol units (an empty set when no officers are on duty)."""
        by_type = self.model.agents_by_type
        return by_type[FrenchPoliceUnit] if FrenchPoliceUnit in by_type else _NO_AGENTS

    def patrol(self) -> None:
        """Send today's units along the coast, weighted toward recent launches."""
        m = self.model
        p = m.params
        full, rest = divmod(m.levers.officers_per_day, p.officers_per_unit)
        sizes = [float(p.officers_per_unit)] * int(full) + ([rest] if rest > 0 else [])
        units = self.units
        for unit in units.to_list()[len(sizes):]:  # the newest units stand down first
            unit.remove()
        for _ in range(len(sizes) - len(units)):
            FrenchPoliceUnit(m, officers=p.officers_per_unit)
        counts = decisions.allocate_units(len(sizes), self.recent_launches, self.coast_km,
                                          p.patrol_focus, m.rng)
        points = np.repeat(np.arange(len(counts)), counts)
        for unit, point, size in zip(self.units, points.tolist(), sizes):
            unit.patrol(point, size)
        officers = np.bincount(points, weights=sizes, minlength=len(counts))
        self.gang_view = self.stop_risk  # gangs' spotters saw yesterday's deployment
        self.stop_risk = decisions.stop_probability(officers, self.coast_km, p.stop_effectiveness)

    def watch_beaches(self, boats: list) -> np.ndarray:
        """Launches are stopped on the beach with the chance at their point; the people of a
        stopped boat are back in camp. Returns, per boat, whether a stopped boat was seized."""
        m = self.model
        rng, t = m.rng, m.tally
        stopped = rng.random(len(boats)) < self.stop_risk[[b.point for b in boats]]
        seized = rng.random(len(boats)) < m.params.seizure_on_stop
        launched_at = np.array([b.point for b in boats], dtype=np.int64)
        by_point = np.bincount(launched_at, minlength=m.geo.n_points)
        t.launches_by_point += by_point
        caught = [b for b, s in zip(boats, stopped.tolist()) if s]
        for boat in caught:
            boat.outcome = "stopped"
        if caught:
            people = np.concatenate([b.people for b in caught])
            t.stopped_beach += len(people)
            m.demand.back_in_camp(people)
            m.beliefs.record("stopped", people)
        stops_at = np.bincount([b.point for b in caught], minlength=m.geo.n_points)
        self.units.do(_count_stops, stops_at)
        self.recent_launches = self.recent_launches * np.exp(-1 / POLICE_MEMORY_DAYS) + t.launches_by_point
        return seized

    def intercept(self, boat) -> bool:
        """While interceptions at sea are in force, ``boat`` crossing the inshore band is
        intercepted with chance ``sea_interception_rate``; some aboard may die; the others are
        brought back to France. Returns whether it was intercepted."""
        m = self.model
        levers = m.levers
        if not (levers.sea_interceptions and m.rng.random() < levers.sea_interception_rate):
            return False
        boat.outcome = "intercepted"
        boat.end_hour = boat.launch_hour + 0.5
        dead = int(m.rng.binomial(len(boat.people), m.params.interception_death_risk))
        if dead:
            m.crossing.die(boat, dead)
        m.tally.intercepted_sea += len(boat.people)
        m.demand.back_in_camp(boat.people)
        return True

    def record_results(self) -> None:
        t = self.model.tally
        t.stopped = t.stopped_beach + t.intercepted_sea


_NO_AGENTS = AgentSet([], random=random.Random(0))  # holds nobody: its generator is never used


def _count_stops(unit: FrenchPoliceUnit, stops_at: np.ndarray) -> None:
    unit.stops_today = int(stops_at[unit.point])
