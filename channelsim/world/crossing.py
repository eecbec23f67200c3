"""Crossing: boats at sea, hour by hour, from launch to landing.

Boats leave between midnight and 08:00 (:data:`LAUNCH_WINDOW_HOURS`). A taxi boat runs empty
along the inshore band to its beach, where France's maritime doctrine may intercept it before
anyone boards (:meth:`Policing.intercept_taxi`), and its people wade out to board it: some may
drown (``boarding_drowning_risk``). People may die in the crush of an overloaded boat; while the
doctrine targets loaded boats, a share of them is intercepted in the inshore band
(:meth:`Policing.intercept`). Each death has its cause (:data:`DEATH_CAUSES`), and its column. The others cross at ``boat_speed_kmh``: a boat
may get into distress (an hourly hazard growing with overloading and wind,
:func:`decisions.distress_probability`); people rescued in French waters are brought back to
France. In UK waters each boat is found after a geometric number of hours and picked up by the
first :class:`BorderForceVessel` free (a vessel is tasked: it takes the people aboard and lands
them at Dover, trip after trip), or it reaches a beach unassisted. The people who reach the UK
are LANDED, for the casework (:mod:`channelsim.world.casework`) to act on.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
from mesa.agent import AgentSet
from mesa.discrete_space import CellAgent

from .. import decisions
from ..population import State
from .base import Module, Result, agents_of

__all__ = ["BorderForceVessel", "Crossing", "LAUNCH_WINDOW_HOURS", "DEATH_CAUSES", "HEAVY_LOADS"]

LAUNCH_WINDOW_HOURS = 8.0  #: boats leave between midnight and 08:00 (night departures)
#: Where people die, each the cause of its own ``deaths_<cause>`` column (they add up to deaths):
#: in the crush aboard at embarkation, drowned in the water while boarding a taxi boat, at sea
#: after distress, during an interception at sea.
DEATH_CAUSES = ("crush", "boarding", "at_sea", "interception")
HEAVY_LOADS = (60, 80)  #: loads counted in ``boats_<n>plus`` (the record counts boats with 60+)


class BorderForceVessel(CellAgent):
    """A UK Border Force vessel: finds boats in UK waters, takes people aboard and lands them
    at Dover, trip after trip, as long as the day's boats keep coming."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.cell = model.landing_cells[model.geo.dover]
        self.free_at = 0.0  #: hour from which the vessel is free today
        self.people_today = 0  #: people taken aboard today
        self.busy_hours_today = 0.0

    def start_day(self) -> None:
        """Back at Dover at dawn, with no people or busy hours yet today."""
        self.free_at = 0.0
        self.people_today = 0
        self.busy_hours_today = 0.0
        dover = self.model.landing_cells[self.model.geo.dover]
        if self.cell is not dover:
            self.cell = dover

    def pick_up(self, boat, hour: float, cell) -> float:
        """Take a boat's people aboard at ``hour``, in as many trips to Dover as its load needs;
        returns the hour the vessel is free again."""
        p = self.model.params
        trips = max(1, math.ceil(boat.boarded / p.bf_capacity_per_trip))
        self.people_today += len(boat.people)  # the living: people who died aboard are not landed
        self.busy_hours_today += trips * p.bf_trip_hours
        self.free_at = hour + trips * p.bf_trip_hours
        self.cell = cell
        return self.free_at




class Crossing(Module):
    """Boats at sea, distress and rescue, Border Force, landings."""

    OWNS = ()
    RESULTS = (
        Result("arrivals", "people", "flow", "people landed in the UK by small boat"),
        Result("boats", "boats", "flow", "boats whose people reached the UK"),
        Result("people_per_boat", "people/boat", "ratio",
               "mean people aboard the boats that reached the UK (0 if none)", weight="boats", dtype=float),
        Result("deaths", "people", "flow",
               "people who died at launch, while boarding, at sea or in an interception (the sum "
               "of the deaths_<cause> columns)"),
        Result("deaths_crush", "people", "flow",
               "people who died in the crush aboard an overloaded boat at embarkation"),
        Result("deaths_boarding", "people", "flow",
               "people who drowned in the water while boarding a taxi boat"),
        Result("deaths_at_sea", "people", "flow", "people who died at sea when their boat got into distress"),
        Result("deaths_interception", "people", "flow",
               "people who died during an interception at sea (aboard, or waiting in the water)"),
        Result("boats_60plus", "boats", "flow",
               "boats reaching the UK with 60 or more aboard when they left France"),
        Result("boats_80plus", "boats", "flow",
               "boats reaching the UK with 80 or more aboard when they left France"),
        Result("share_60plus", "share", "ratio", "boats with 60 or more aboard among the boats reaching the UK",
               weight="boats", dtype=float),
        Result("rescued", "people", "flow", "people aboard boats in distress who survived"),
        Result("unassisted", "boats", "flow", "boats that reached a beach without being picked up"),
        Result("bf_people", "people", "flow", "people taken aboard Border Force vessels"),
        Result("bf_busy_hours", "vessel-hours", "flow", "vessel-hours of Border Force work", dtype=float),
        Result("bf_utilisation", "share", "level",
               "busy hours / (vessels x 24); above 1 when crews work past midnight", dtype=float),
    )
    DAY = ("morning: Border Force puts its fleet on task; night and early morning: boats cross, "
           "in hours: the crush aboard, interceptions, distress and rescue, pick-ups, landings")

    @property
    def vessels(self) -> AgentSet:
        """Today's Border Force fleet (an empty set when no vessel is on task)."""
        return agents_of(self.model, BorderForceVessel)

    def muster_vessels(self) -> None:
        """Border Force puts today's fleet on task."""
        m = self.model
        vessels = self.vessels
        for vessel in vessels.to_list()[m.levers.bf_vessels:]:  # the newest stand down first
            vessel.remove()
        for _ in range(m.levers.bf_vessels - len(vessels)):
            BorderForceVessel(m)

    def cross(self, boats: list, beaufort: float) -> None:
        """The boats launched and not stopped on the beach cross, in hours."""
        at_sea = [b for b in boats if b.outcome != "stopped"]
        self._set_off(at_sea)
        m = self.model
        speed = m.params.boat_speed_kmh
        crossing = sorted((b for b in at_sea if b.outcome == "launched"),
                          key=lambda b: b.launch_hour + m.geo.median_km[b.point] / speed)
        vessels = self.vessels
        for vessel in vessels:
            vessel.start_day()
        for boat in crossing:
            self._cross_one(boat, beaufort, vessels)
        self._record(vessels)
        m.gangs.learn(boats)

    def _set_off(self, at_sea: list) -> None:
        """Each boat leaves at an hour of the launch window. An empty taxi boat may be
        intercepted before anyone boards; its people wade out to it and some may drown. Some
        aboard may die in the crush; a loaded boat crossing the inshore band may be intercepted."""
        m = self.model
        rng, p = m.rng, m.params
        for boat in at_sea:
            boat.launch_hour = LAUNCH_WINDOW_HOURS * rng.random()  # rng.uniform(0, 8), as it draws it
            if boat.mode == "taxi":
                if m.policing.intercept_taxi(boat):
                    continue
                drowned = int(rng.binomial(len(boat.people), p.boarding_drowning_risk))
                if drowned:
                    self.die(boat, drowned, "boarding")
            crush = int(rng.binomial(len(boat.people), decisions.crush_probability(boat.boarded, p)))
            if crush:
                self.die(boat, crush, "crush")
            m.policing.intercept(boat)

    def _cross_one(self, boat, beaufort: float, vessels: AgentSet) -> None:
        """One boat's crossing: found in UK waters and picked up, or in distress, or landed."""
        m = self.model
        p, geo, rng = m.params, m.geo, m.rng
        speed = p.boat_speed_kmh
        t_uk = boat.launch_hour + geo.median_km[boat.point] / speed
        t_beach = boat.launch_hour + geo.route_km[boat.point] / speed
        pick_hour, vessel = np.inf, None
        detect = p.bf_detection_per_hour
        if len(vessels) and detect > 0:
            found = t_uk + (rng.geometric(detect) - 0.5 if detect < 1 else 0.0)
            vessel = min(vessels, key=lambda v: v.free_at)  # the first free vessel is tasked
            pick_hour = max(found, vessel.free_at)
        end = min(pick_hour, t_beach)
        hours = end - boat.launch_hour
        boat.end_hour = end
        if rng.random() < decisions.distress_probability(len(boat.people), beaufort, hours, p):
            if self._distress(boat, hours, t_uk):
                return
        if not len(boat.people):  # everyone aboard died: nobody to pick up or to land
            boat.outcome = "lost"
            return
        if pick_hour <= t_beach:
            boat.outcome = "picked_up"
            xy = geo.on_route(boat.point, (pick_hour - boat.launch_hour) * speed)
            vessel.pick_up(boat, pick_hour, m.grid[geo.cell_of(xy)])
        else:
            boat.outcome = "landed"
            m.tally.unassisted += 1
        self._land(boat)

    def _distress(self, boat, hours: float, t_uk: float) -> bool:
        """A boat in distress: some aboard may die, the others are rescued. Returns True if
        the rescue was in French waters (the people are brought back to France)."""
        m = self.model
        rng = m.rng
        when = boat.launch_hour + hours * rng.random()  # rng.uniform(0, hours), as it draws it
        dead = int(rng.binomial(len(boat.people), m.params.death_share_in_distress))
        if dead:
            self.die(boat, dead, "at_sea")
        m.tally.rescued += len(boat.people)
        if when < t_uk:
            boat.outcome = "rescued_fr"
            boat.end_hour = when
            m.demand.back_in_camp(boat.people)
            return True
        return False

    def _land(self, boat) -> None:
        """The living aboard reach the UK."""
        m = self.model
        t = m.tally
        m.population.state[boat.people] = State.LANDED
        t.arrivals += len(boat.people)
        if len(boat.people):
            t.boats += 1
            t.people_per_boat += boat.boarded
            t.boats_60plus += boat.boarded >= HEAVY_LOADS[0]
            t.boats_80plus += boat.boarded >= HEAVY_LOADS[1]

    def die(self, boat, n: int, cause: str) -> None:
        """``n`` people aboard ``boat`` (or waiting in the water for it) die of ``cause`` (one
        of :data:`DEATH_CAUSES`); the camp they came from hears of it."""
        if cause not in DEATH_CAUSES:
            raise ValueError(f"cause={cause!r} is invalid: expected one of {', '.join(DEATH_CAUSES)}")
        m = self.model
        dead = m.rng.choice(boat.people, size=min(n, len(boat.people)), replace=False)
        m.beliefs.record("deaths", dead)
        boat.deaths += len(dead)
        m.tally.deaths += len(dead)
        setattr(m.tally, f"deaths_{cause}", getattr(m.tally, f"deaths_{cause}") + len(dead))
        boat.people = np.setdiff1d(boat.people, dead, assume_unique=True)
        m.population.remove(dead, State.DEAD)

    def _record(self, vessels: AgentSet) -> None:
        m = self.model
        t = m.tally
        t.people_per_boat = t.people_per_boat / t.boats if t.boats else 0.0
        t.share_60plus = t.boats_60plus / t.boats if t.boats else 0.0
        if len(vessels):
            fleet = vessels.to_list()
            t.bf_people = sum(v.people_today for v in fleet)
            t.bf_busy_hours = sum(v.busy_hours_today for v in fleet)
            t.bf_utilisation = t.bf_busy_hours / (24.0 * len(fleet))
        m.beliefs.record("landed", m.population.where(State.LANDED))
