"""Policing: the French police on the beaches and at sea.

Each morning the officers on duty form patrol units of ``officers_per_unit`` (a remainder forms
one smaller unit) and each :class:`FrenchPoliceUnit` (a Mesa agent on the grid) is sent to a
crossing point: a ``patrol_focus`` share of units follows where launches were seen lately (a
memory of :data:`POLICE_MEMORY_DAYS`), the rest is spread along the coast
(:func:`decisions.allocate_units`). The officers at a point per km of coast give the chance that
a launch there is stopped on the beach (:func:`decisions.stop_probability`); a stopped boat is
seized with chance ``seizure_on_stop``. While sea interceptions are in force, a share of the
boats crossing the inshore band are intercepted, at a risk to the people aboard or in the water:
France's maritime doctrine targets empty taxi boats before anyone boards, loaded boats, or both
(``sea_interception_target``, :class:`channelsim.policies.MaritimeDoctrine`).
"""

from __future__ import annotations


import mesa
import numpy as np
from mesa.agent import AgentSet
from mesa.discrete_space import CellAgent

from .. import decisions
from .base import Module, Result, agents_of

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
        if point != self.point:  # a unit already there stays where it is
            self.cell = self.model.point_cells[point]
        self.point = point
        self.stops_today = 0


class Policing(Module):
    """French police: allocation of units, beach stops, interceptions at sea."""

    OWNS = ()
    RESULTS = (
        Result("stopped_beach", "people", "flow", "people stopped on the beach by French police"),
        Result("intercepted_sea", "people", "flow",
               "people whose crossing was stopped by an interception at sea in the French inshore "
               "band (aboard a loaded boat, or waiting in the water for a taxi boat)"),
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
        return agents_of(self.model, FrenchPoliceUnit)

    def patrol(self) -> None:
        """Send today's units along the coast, weighted toward recent launches."""
        m = self.model
        p = m.params
        full, rest = divmod(m.levers.officers_per_day, p.officers_per_unit)
        sizes = [float(p.officers_per_unit)] * int(full) + ([rest] if rest > 0 else [])
        units = self.units.to_list()
        if len(units) != len(sizes):
            for unit in units[len(sizes):]:  # the newest units stand down first
                unit.remove()
            for _ in range(len(sizes) - len(units)):
                FrenchPoliceUnit(m, officers=p.officers_per_unit)
            units = self.units.to_list()
        counts = decisions.allocate_units(len(sizes), self.recent_launches, self.coast_km,
                                          p.patrol_focus, m.rng)
        points = np.repeat(np.arange(len(counts)), counts)
        self._post(units, points.tolist(), sizes)
        officers = np.bincount(points, weights=sizes, minlength=len(counts))
        self.gang_view = self.stop_risk  # gangs' spotters saw yesterday's deployment
        self.stop_risk = decisions.stop_probability(officers, self.coast_km, p.stop_effectiveness)

    @staticmethod
    def _post(units: list, points: list[int], sizes: list[float]) -> None:
        """Give each unit one of today's postings (``points[i]`` with ``sizes[i]`` officers):
        a unit whose point is still wanted keeps it (it does not move on the grid), the others
        take the postings left, in order."""
        wanted: dict[int, list[int]] = {}
        for i, point in enumerate(points):
            wanted.setdefault(point, []).append(i)
        moving = []
        for unit in units:
            here = wanted.get(unit.point)
            if here:  # it stays where it is
                unit.patrol(unit.point, sizes[here.pop()])
            else:
                moving.append(unit)
        left = [i for postings in wanted.values() for i in postings]
        for unit, i in zip(moving, left):
            unit.patrol(points[i], sizes[i])

    def watch_beaches(self, boats: list) -> np.ndarray:
        """Police on each beach act on the night's launches with the stop chance at their point:
        a beach launch is stopped whole (its people back in camp); of the people gathering for
        a taxi boat, each is stopped with ``taxi_gathering_stop_factor`` of that chance, and the
        boat, already at sea, goes on with the others. Returns, per boat, whether a stopped
        boat was seized."""
        m = self.model
        rng, t, p = m.rng, m.tally, m.params
        risk = self.stop_risk[[b.point for b in boats]]
        draws = rng.random(len(boats))
        seized = rng.random(len(boats)) < p.seizure_on_stop
        t.launches_by_point += np.bincount([b.point for b in boats], minlength=m.geo.n_points)
        stopped_people, stops_at = [], np.zeros(m.geo.n_points, dtype=np.int64)
        for boat, r, u in zip(boats, risk.tolist(), draws.tolist()):
            if boat.mode == "taxi":
                caught = rng.random(len(boat.people)) < r * p.taxi_gathering_stop_factor
                if caught.any():
                    stopped_people.append(boat.people[caught])
                    boat.people = boat.people[~caught]
                    boat.boarded = len(boat.people)
                    stops_at[boat.point] += 1
                if not len(boat.people):
                    boat.outcome = "stopped"
            elif u < r:
                boat.outcome = "stopped"
                stopped_people.append(boat.people)
                stops_at[boat.point] += 1
        if stopped_people:
            people = np.concatenate(stopped_people)
            t.stopped_beach += len(people)
            m.demand.back_in_camp(people)
            m.beliefs.record("stopped", people)
        stops = stops_at.tolist()
        for unit in self.units:  # each unit reports the stops at its point
            unit.stops_today = stops[unit.point]
        self.recent_launches = self.recent_launches * np.exp(-1 / POLICE_MEMORY_DAYS) + t.launches_by_point
        return seized

    def targets(self, kind: str) -> bool:
        """Whether boats of ``kind`` ("taxi": empty taxi boats before boarding, or "loaded") are
        intercepted at sea today."""
        levers = self.model.levers
        return levers.sea_interceptions and levers.sea_interception_target in (kind, "both")

    def intercept_taxi(self, boat) -> bool:
        """While the doctrine targets taxi boats, the empty ``boat`` running along the inshore
        band to its beach is intercepted with chance ``sea_interception_rate`` before anyone
        boards: the boat is seized; the people waiting in the water for it risk
        ``interception_death_risk`` each and the others go back to camp. Returns whether it was
        intercepted."""
        m = self.model
        if not (self.targets("taxi") and m.rng.random() < m.levers.sea_interception_rate):
            return False
        self._stop_at_sea(boat, "interception")
        return True

    def intercept(self, boat) -> bool:
        """While the doctrine targets loaded boats, ``boat`` crossing the inshore band is
        intercepted with chance ``sea_interception_rate``; some aboard may die
        (``interception_death_risk`` each); the others are brought back to France. Returns
        whether it was intercepted."""
        m = self.model
        if not (self.targets("loaded") and m.rng.random() < m.levers.sea_interception_rate):
            return False
        self._stop_at_sea(boat, "interception")
        return True

    def _stop_at_sea(self, boat, cause: str) -> None:
        m = self.model
        boat.outcome = "intercepted"
        boat.lost_boat = True
        boat.end_hour = boat.launch_hour + 0.5
        dead = int(m.rng.binomial(len(boat.people), m.levers.interception_death_risk))
        if dead:
            m.crossing.die(boat, dead, cause)
        m.tally.intercepted_sea += len(boat.people)
        m.demand.back_in_camp(boat.people)
        m.beliefs.record("stopped", boat.people)

    def record_results(self) -> None:
        """Write the day's people stopped (on the beaches and at sea) to the tally."""
        t = self.model.tally
        t.stopped = t.stopped_beach + t.intercepted_sea
