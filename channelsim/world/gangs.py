"""Gangs: the smuggling networks. Supply of boats, bookings, price, loading and launching.

Each :class:`SmugglingGang` (a Mesa agent) is based at one camp, holds boats with engines,
takes bookings (mostly from its own camp, :data:`GANG_REACH_KM`) and, on a crossable day,
decides how many people to put in each boat (:func:`decisions.gang_load`: more when launches
are stopped, more when boats are scarce) and where to launch them (away from the police it
expects, near home: :func:`decisions.launch_point_weights`). People board first booked, first
aboard, and pay the gang as they board.
"""

from __future__ import annotations

import mesa
import numpy as np

from .. import decisions
from ..population import State
from .base import Module, Result

__all__ = ["SmugglingGang", "Boat", "Gangs", "GANG_REACH_KM"]

GANG_REACH_KM = 40.0  #: distance scale over which people book with gangs of other camps


class Boat:
    """One launch: a dinghy, its people, and what became of it (not a Mesa agent: it lives a day).

    ``outcome`` is one of launched, stopped, intercepted, landed, picked_up, rescued_fr, lost.
    """

    __slots__ = ("gang", "point", "people", "launch_hour", "outcome", "end_hour", "deaths", "load")

    def __init__(self, gang: int, point: int, people: np.ndarray) -> None:
        self.gang = gang  #: index of the gang that launched it
        self.point = point  #: crossing point index
        self.people = people  #: population slots of the living people aboard
        self.launch_hour = 0.0  #: hours after midnight
        self.outcome = "launched"
        self.end_hour = 0.0  #: hour the crossing ended (landed, picked up or stopped)
        self.deaths = 0
        self.load = len(people)  #: people aboard at launch

    def __repr__(self) -> str:
        return f"Boat(gang={self.gang}, point={self.point}, load={self.load}, outcome={self.outcome})"


class SmugglingGang(mesa.Agent):
    """A smuggling network based at one camp: holds boats, takes bookings, launches boats."""

    def __init__(self, model: mesa.Model, home_camp: int, stock: int) -> None:
        super().__init__(model)
        self.home_camp = home_camp
        self.index = -1  #: place among the gangs (``Boat.gang``, population column ``gang``)
        self.stock = stock  #: boats with engines in hand
        self.revenue_eur = 0.0  #: paid by the people it launched, so far (EUR)
        self.supply_cost_eur = 0.0  #: paid for the boats and engines it received, so far (EUR)
        self.launches = 0
        self.stop_risk = model.params.prior_stop_belief  #: share of its recent launches stopped
        geo = model.geo
        camp_xy = geo.points.groupby("camp")[["x", "y"]].mean().loc[geo.camps[home_camp]].to_numpy()
        self.home_km = np.linalg.norm(geo.points[["x", "y"]].to_numpy() - camp_xy, axis=1)

    def receive_supply(self, boats: int) -> float:
        """Boats and engines arrive through the supply chain and are paid for; returns the cost."""
        self.stock += boats
        cost = boats * self.model.params.boat_cost_eur
        self.supply_cost_eur += cost
        return cost

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

    def launch(self, customers: np.ndarray, beaufort: float, expected_stop: np.ndarray,
               rng: np.random.Generator) -> list[Boat]:
        """Load and launch today's boats (:meth:`plan_launches`) with the people at slots
        ``customers`` who booked with this gang: first booked, first aboard."""
        plan = self.plan_launches(len(customers), beaufort, expected_stop, rng)
        if not plan:
            return []
        queue = customers[np.argsort(self.model.population.since[customers], kind="stable")]
        boats, start = [], 0
        for point, load in plan:
            boats.append(Boat(gang=self.index, point=point, people=queue[start:start + load]))
            start += load
        return boats

    def learn(self, launched: int, stopped: int) -> None:
        """Update the share of launches the gang sees stopped (a 30-launch memory)."""
        if launched:
            w = min(1.0, launched / 30.0)
            self.stop_risk += w * (stopped / launched - self.stop_risk)


class Gangs(Module):
    """The gangs together: supply, bookings, price and the day's launches."""

    OWNS = ("gang", "attempts")
    RESULTS = (
        Result("attempts", "people", "flow", "people who set off (each attempt counted)"),
        Result("launches", "boats", "flow", "boats that set off, including those stopped"),
        Result("booked", "people", "level", "of the people in camps, those who paid a gang and wait for a launch"),
        Result("boats_in_stock", "boats", "level", "boats with engines held by all gangs at day's end"),
        Result("price_eur", "EUR/attempt", "ratio", "mean price paid per attempt today (0 if none)",
               weight="attempts", dtype=float),
        Result("revenue_eur", "EUR", "flow", "paid to gangs today", dtype=float),
        Result("supply_cost_eur", "EUR", "flow",
               "paid by gangs for the boats and engines they received today (boat_cost_eur each)",
               dtype=float),
    )
    DAY = ("morning: boats reach the gangs; midday: bookings; night: gangs load and launch "
           "their boats")

    def __init__(self, model) -> None:
        super().__init__(model)
        p, geo = model.params, model.geo
        n_camps = len(geo.camps)
        for g in range(p.n_gangs):  # spread over the camps in turn
            SmugglingGang(model, home_camp=g % n_camps, stock=0)
        #: the gangs in the order they were formed: a gang's index (``Boat.gang``,
        #: population column ``gang``) is its place here; gangs last the whole run
        self.members: tuple[SmugglingGang, ...] = tuple(model.agents_by_type.get(SmugglingGang, ()))
        agents = self.members
        for i, gang in enumerate(agents):
            gang.index = i
        base, extra = divmod(int(p.initial_boat_stock), max(len(agents), 1))
        for i, gang in enumerate(agents):
            gang.stock = base + (i < extra)
        camp_xy = geo.points.groupby("camp")[["x", "y"]].mean().loc[list(geo.camps)].to_numpy()
        home = np.array([g.home_camp for g in agents], dtype=int)
        km = np.linalg.norm(camp_xy[:, None] - camp_xy[home][None], axis=-1)
        pref = np.exp(-km / GANG_REACH_KM)
        #: (camp, gang) odds of booking with each gang; empty when there are no gangs
        self.preference = pref / np.maximum(pref.sum(axis=1, keepdims=True), 1e-300)

    def any(self) -> bool:
        return bool(self.members)

    def __iter__(self):
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def receive_supply(self) -> None:
        """Boats and engines reach the gangs through the supply chain (a Poisson number each)."""
        gangs = self.members
        if not gangs:
            return
        m = self.model
        per_gang = m.levers.boat_supply_per_day / len(gangs)
        cost = 0.0
        for gang, n in zip(gangs, m.rng.poisson(per_gang, size=len(gangs)).tolist()):
            cost += gang.receive_supply(n)
        m.tally.supply_cost_eur = cost

    def price(self, slots: np.ndarray) -> np.ndarray:
        """Price of a place for each person (EUR): discounted for people stopped before."""
        p = self.model.params
        return p.price_eur * np.where(self.model.population.failures[slots] > 0, 1.0 - p.repeat_discount, 1.0)

    def take_bookings(self, slots: np.ndarray) -> None:
        """The people at ``slots`` pay for a place: each books with a gang, mostly of their camp."""
        m = self.model
        pop = m.population
        for c in range(len(m.geo.camps)):
            mine = slots[pop.camp[slots] == c]
            if len(mine):
                pop.gang[mine] = m.rng.choice(len(self.preference[c]), size=len(mine), p=self.preference[c])

    def launch(self, beaufort: float, expected_stop: np.ndarray) -> list[Boat]:
        """The gangs, in random order, fill and launch their boats; the people aboard pay.
        ``expected_stop`` is the chance of a beach stop each gang's spotters expect at each point."""
        m = self.model
        pop, rng = m.population, m.rng
        gangs = self.members
        booked = np.flatnonzero((pop.state == State.IN_CAMP) & (pop.gang >= 0))
        boats: list[Boat] = []
        for g in rng.permutation(len(gangs)).tolist():
            boats += gangs[g].launch(booked[pop.gang[booked] == g], beaufort, expected_stop, rng)
        if boats:
            self._board(boats)
        return boats

    def _board(self, boats: list[Boat]) -> None:
        """The people aboard pay their gang and set off."""
        m = self.model
        pop, t, gangs = m.population, m.tally, self.members
        aboard = np.concatenate([b.people for b in boats])
        price = self.price(aboard)
        t.revenue_eur = float(price.sum())
        t.price_eur = float(price.mean())
        paid_to = np.repeat([b.gang for b in boats], [b.load for b in boats])
        for gang, revenue in zip(gangs, np.bincount(paid_to, weights=price, minlength=len(gangs))):
            gang.revenue_eur += float(revenue)
        pop.gang[aboard] = -1
        pop.attempts[aboard] += 1
        t.attempts = len(aboard)
        t.launches = len(boats)
        m.beliefs.record("attempts", aboard)

    def after_beach_stops(self, boats: list[Boat], seized: np.ndarray) -> None:
        """Boats stopped on the beach but not seized go back to their gang; each gang learns
        the share of its launches that were stopped."""
        gangs = self.members
        per_gang = np.zeros((len(gangs), 2))
        for boat, z in zip(boats, seized.tolist()):
            stopped = boat.outcome == "stopped"
            per_gang[boat.gang] += (1, stopped)
            if stopped and not z:
                gangs[boat.gang].stock += 1
        for g, (n, s) in enumerate(per_gang.tolist()):
            gangs[g].learn(int(n), int(s))

    def record_results(self, in_camp: np.ndarray) -> None:
        m = self.model
        m.tally.booked = int(np.count_nonzero(m.population.gang[in_camp] >= 0))
        if self.members:
            m.tally.boats_in_stock = m.agents_by_type[SmugglingGang].agg("stock", sum)
