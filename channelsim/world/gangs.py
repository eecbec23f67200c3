"""Gangs: the smuggling networks. Supply of boats, bookings, price, launch modes, loading.

Each :class:`SmugglingGang` (a Mesa agent) is based at one camp, holds boats with engines,
takes bookings (mostly from its own camp, :data:`GANG_REACH_KM`) and, on a crossable day,
launches boats in one of two modes (:data:`MODES`):

* a **beach** launch: people carry the boat to the water; police on that beach can stop it
  (and seize the boat);
* a **taxi** boat: launched empty from a waterway (``waterways.csv``), it runs along the coast
  and boards people waiting in the water off the beach; police on the beach can stop people
  gathering (``taxi_gathering_stop_factor`` of its stop chance each), not the boat. Fewer can
  board from the water (``taxi_capacity``), it costs more (``taxi_launch_cost_eur``) and people
  may drown while boarding (``boarding_drowning_risk``).

Each gang learns, per mode, the share of the people it sends who get past the French coast and
the share of its boats it loses, and picks the mode of each launch by their expected value
(:func:`decisions.launch_value_keur`, :func:`decisions.taxi_probability`). Its loads follow
from its boats in stock against the people who have paid and the chance of losing the boat
(:func:`decisions.gang_load`), never above the mode's ceiling. People board first booked, first
aboard, and pay the gang as they board.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from .. import decisions
from ..population import State
from .base import Module, Result

__all__ = ["SmugglingGang", "Boat", "Gangs", "GANG_REACH_KM", "MODES", "LEARNING_LAUNCHES"]

GANG_REACH_KM = 40.0  #: distance scale over which people book with gangs of other camps
MODES = ("beach", "taxi")  #: launch modes, in the order of a gang's learned arrays
BEACH, TAXI = 0, 1
LEARNING_LAUNCHES = 30.0  #: a gang's memory of its launches of one mode (launches)


class Boat:
    """One launch: a dinghy, its people, and what became of it (not a Mesa agent: it lives a day).

    ``outcome`` is one of launched, stopped, intercepted, landed, picked_up, rescued_fr, lost;
    ``mode`` is "beach" or "taxi".
    """

    __slots__ = ("gang", "point", "people", "launch_hour", "outcome", "end_hour", "deaths", "load",
                 "mode", "boarded", "lost_boat")

    def __init__(self, gang: int, point: int, people: np.ndarray, mode: str = "beach") -> None:
        self.gang = gang  #: index of the gang that launched it
        self.point = point  #: crossing point index
        self.people = people  #: population slots of the living people aboard
        self.mode = mode  #: "beach" or "taxi" (:data:`MODES`)
        self.launch_hour = 0.0  #: hours after midnight
        self.outcome = "launched"
        self.end_hour = 0.0  #: hour the crossing ended (landed, picked up or stopped)
        self.deaths = 0
        self.load = len(people)  #: people the gang sent to this boat (its load at launch)
        #: people aboard when it left the French coast (a taxi boat's load less those stopped
        #: on the beach while gathering)
        self.boarded = len(people)
        self.lost_boat = False  #: the gang lost the boat (seized on the beach or at sea)

    def __repr__(self) -> str:
        return (f"Boat(gang={self.gang}, point={self.point}, mode={self.mode}, load={self.load}, "
                f"outcome={self.outcome})")


class SmugglingGang(mesa.Agent):
    """A smuggling network based at one camp: holds boats, takes bookings, launches boats."""

    def __init__(self, model: mesa.Model, home_camp: int, stock: int) -> None:
        super().__init__(model)
        p = model.params
        self.home_camp = home_camp
        self.index = -1  #: place among the gangs (``Boat.gang``, population column ``gang``)
        self.stock = stock  #: boats with engines in hand
        self.revenue_eur = 0.0  #: paid by the people it launched, so far (EUR)
        self.supply_cost_eur = 0.0  #: paid for the boats and engines it received, so far (EUR)
        self.launches = 0
        #: per mode (:data:`MODES`): share of the people sent who got past the French coast
        #: (a list of floats: the gang's arithmetic is on single numbers)
        self.success = [1.0 - p.prior_stop_belief] * len(MODES)
        #: per mode: share of launches that lost the boat
        self.loss = [p.prior_stop_belief * p.seizure_on_stop, 0.0]
        geo = model.geo
        self.home_km = np.linalg.norm(geo.points[["x", "y"]].to_numpy() - geo.camp_xy[home_camp], axis=1)

    @property
    def stop_risk(self) -> float:
        """The share of the people it sends from the beach that the gang expects to be stopped."""
        return float(1.0 - self.success[BEACH])

    def receive_supply(self, boats: int) -> float:
        """Boats and engines arrive through the supply chain and are paid for; returns the cost."""
        self.stock += boats
        cost = boats * self.model.params.boat_cost_eur
        self.supply_cost_eur += cost
        return cost

    def taxi_chance(self, customers: int, taxis_allowed: bool) -> float:
        """Chance that one of today's launches is a taxi boat, from the expected value of each mode."""
        if not taxis_allowed:
            return 0.0
        p = self.model.params
        values = []
        for mode, ceiling in ((BEACH, p.max_load), (TAXI, p.taxi_capacity)):
            load = decisions.gang_load(customers, self.stock, self.loss[mode], p, ceiling)
            extra = p.taxi_launch_cost_eur if mode == TAXI else 0.0
            values.append(decisions.launch_value_keur(load, self.success[mode], self.loss[mode], p, extra))
        return decisions.taxi_probability(values[TAXI], values[BEACH], p.mode_choice_sharpness)

    def plan_launches(self, customers: int, beaufort: float, expected_stop: np.ndarray,
                      rng: np.random.Generator, taxis_allowed: bool = False) -> list[tuple[int, int, str]]:
        """Today's launches as ``(crossing point, load, mode)``: none in rough weather or
        without boats; otherwise boat after boat while stock lasts and enough people have paid
        to fill one at the mode's load, each sent to a point the gang expects to be least
        policed near its home (a taxi boat only where a waterway serves the point)."""
        p = self.model.params
        if customers <= 0 or self.stock <= 0:
            return []
        if rng.random() >= decisions.launch_propensity(beaufort, p):
            return []
        q_taxi = self.taxi_chance(customers, taxis_allowed)
        weights = decisions.launch_point_weights(expected_stop, self.home_km, p.police_avoidance)
        beach_cdf = decisions.categorical_cdf(weights / weights.sum())  # the same for every beach launch
        plan, left = [], customers
        gangs = self.model.gangs
        while self.stock > 0:
            mode = TAXI if rng.random() < q_taxi else BEACH
            ceiling = p.taxi_capacity if mode == TAXI else p.max_load
            load = decisions.gang_load(left, self.stock, self.loss[mode], p, ceiling)
            if load == 0 or left < self._full(mode, ceiling):
                break
            cdf = beach_cdf
            if mode == TAXI:
                w = weights * gangs.taxi_open()
                if w.sum() <= 0:  # no waterway free tonight: a beach launch
                    mode = BEACH
                    load = decisions.gang_load(left, self.stock, self.loss[mode], p, p.max_load)
                else:
                    cdf = decisions.categorical_cdf(w / w.sum())
            point = int(decisions.draw_categorical(cdf, rng))
            if mode == TAXI:
                gangs.take_taxi_slot(point)
            plan.append((point, load, MODES[mode]))
            left -= load
            self.stock -= 1
        self.launches += len(plan)
        return plan

    def _full(self, mode: int, ceiling: float) -> int:
        """The load below which the gang does not launch a boat of ``mode`` (its target load)."""
        p = self.model.params
        return int(min(round(p.base_load * (1.0 + p.load_enforcement_response * self.loss[mode])),
                       math.floor(ceiling)))

    def load_boats(self, plan: list[tuple[int, int, str]], customers: np.ndarray) -> list[Boat]:
        """The boats of a ``plan`` (:meth:`plan_launches`), filled with the people at slots
        ``customers``: first booked, first aboard."""
        if not plan:
            return []
        queue = customers[np.argsort(self.model.population.since[customers], kind="stable")]
        boats, start = [], 0
        for point, load, mode in plan:
            boats.append(Boat(gang=self.index, point=point, people=queue[start:start + load], mode=mode))
            start += load
        return boats

    def learn(self, boats: list[Boat]) -> None:
        """Update, per mode, the share of people sent who got past the French coast and the
        share of boats lost, from today's launches (a memory of :data:`LEARNING_LAUNCHES`)."""
        for mode, name in enumerate(MODES):
            mine = [b for b in boats if b.mode == name]
            if not mine:
                continue
            sent = sum(b.load for b in mine)
            away = sum(b.boarded for b in mine if b.outcome not in ("stopped", "intercepted"))
            lost = sum(b.lost_boat for b in mine)
            w = min(1.0, len(mine) / LEARNING_LAUNCHES)
            if sent:
                self.success[mode] += w * (away / sent - self.success[mode])
            self.loss[mode] += w * (lost / len(mine) - self.loss[mode])


class Gangs(Module):
    """The gangs together: supply, bookings, price, launch modes and the day's launches."""

    OWNS = ("gang", "attempts")
    RESULTS = (
        Result("attempts", "people", "flow", "people who set off (each attempt counted)"),
        Result("launches", "boats", "flow", "boats that set off, including those stopped"),
        Result("taxi_launches", "boats", "flow",
               "taxi boats launched empty from a waterway to board people off a beach"),
        Result("taxi_share", "share", "ratio", "taxi boats among the boats that set off",
               weight="launches", dtype=float),
        Result("largest_load", "people/boat", "max",
               "most people sent to one boat today (0 if none; over a period, the largest of the days)"),
        Result("booked", "people", "level", "of the people in camps, those who paid a gang and wait for a launch"),
        Result("boats_in_stock", "boats", "level", "boats with engines held by all gangs at day's end"),
        Result("boats_seized_upstream", "boats", "flow",
               "boats with engines seized before they reached the gangs (gang_disruption)"),
        Result("price_eur", "EUR/attempt", "ratio", "mean price paid per attempt today (0 if none)",
               weight="attempts", dtype=float),
        Result("revenue_eur", "EUR", "flow", "paid to gangs today", dtype=float),
        Result("supply_cost_eur", "EUR", "flow",
               "paid by gangs for the boats and engines they received today (boat_cost_eur each)",
               dtype=float),
    )
    DAY = ("morning: boats reach the gangs, some seized upstream; midday: bookings at a price that "
           "rises when boats are scarce; night: gangs pick each launch's mode (beach or taxi boat), "
           "load and launch their boats")

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
        camp_xy = geo.camp_xy
        home = np.array([g.home_camp for g in agents], dtype=int)
        km = np.linalg.norm(camp_xy[:, None] - camp_xy[home][None], axis=-1)
        pref = np.exp(-km / GANG_REACH_KM)
        #: (camp, gang) odds of booking with each gang; empty when there are no gangs
        self.preference = pref / np.maximum(pref.sum(axis=1, keepdims=True), 1e-300)
        #: each camp's cumulative odds of booking with each gang (for the bookings' draws)
        self._booking_cdf = [decisions.categorical_cdf(row) for row in self.preference] \
            if len(agents) else []
        #: 1 at the crossing points a waterway serves (taxi boats can reach them), else 0
        self.taxi_points = (geo.points.waterway_index.to_numpy() >= 0).astype(float)
        self.price_today = p.price_eur  #: today's price of a place (EUR), before discounts
        #: waterway index of each crossing point (-1: none) and taxi launches left tonight per waterway
        self.point_waterway = geo.points.waterway_index.to_numpy()
        self.slots_left = np.zeros(len(geo.waterways), dtype=np.int64)

    def any(self) -> bool:
        """Whether there is at least one gang."""
        return bool(self.members)

    def __iter__(self):
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def receive_supply(self) -> None:
        """Boats and engines are sent to the gangs through the supply chain (a Poisson number
        each); a share ``upstream_seizure`` is seized on the way; the price of a place follows
        the places the gangs' boats hold against the people booked."""
        gangs = self.members
        if not gangs:
            return
        m = self.model
        rng, levers = m.rng, m.levers
        per_gang = levers.boat_supply_per_day / len(gangs)
        sent = rng.poisson(per_gang, size=len(gangs))
        # nothing seized draws nothing: numpy's binomial takes no draw when the chance is 0
        seized = rng.binomial(sent, levers.upstream_seizure) if levers.upstream_seizure > 0 \
            else np.zeros_like(sent)
        cost = 0.0
        for gang, n in zip(gangs, (sent - seized).tolist()):
            cost += gang.receive_supply(n)
        m.tally.supply_cost_eur = cost
        m.tally.boats_seized_upstream = int(seized.sum())
        self._set_price()

    def _set_price(self) -> None:
        m = self.model
        p, pop = m.params, m.population
        booked = len(self.booked())
        places = sum(g.stock for g in self.members) * p.base_load
        self.price_today = decisions.scarcity_price(p.price_eur, booked, places, p.price_scarcity_response)

    def booked(self) -> np.ndarray:
        """Slots of the people in camps who have paid a gang and wait for a launch."""
        pop = self.model.population
        return np.flatnonzero((pop.in_use(pop.state) == State.IN_CAMP) & (pop.in_use(pop.gang) >= 0))

    def price(self, slots: np.ndarray) -> np.ndarray:
        """Price of a place for each person (EUR): today's price, discounted for people stopped before."""
        p = self.model.params
        return self.price_today * np.where(self.model.population.failures.take(slots) > 0,
                                           1.0 - p.repeat_discount, 1.0)

    def take_bookings(self, slots: np.ndarray) -> None:
        """The people at ``slots`` pay for a place: each books with a gang, mostly of their camp."""
        m = self.model
        pop = m.population
        if len(slots) == 0:
            return
        camp = pop.camp[slots]
        for c, cdf in enumerate(self._booking_cdf):
            mine = slots[camp == c]
            if len(mine):
                pop.gang[mine] = decisions.draw_categorical(cdf, m.rng, len(mine))

    def taxi_open(self) -> np.ndarray:
        """1 at the crossing points whose waterway can still put a taxi boat in tonight, else 0."""
        way = self.point_waterway
        return np.where(way >= 0, self.slots_left[np.maximum(way, 0)] > 0, False).astype(float)

    def take_taxi_slot(self, point: int) -> None:
        """A taxi boat is put in on the waterway serving crossing point ``point``."""
        self.slots_left[self.point_waterway[point]] -= 1

    def taxis_allowed(self) -> bool:
        """Whether taxi boats are in use today (from ``taxi_boats_from``)."""
        m = self.model
        return m.date >= m.params.taxi_boats_from and bool(self.taxi_points.any())

    def launch(self, beaufort: float, expected_stop: np.ndarray) -> list[Boat]:
        """The gangs, in random order, fill and launch their boats; the people aboard pay.
        ``expected_stop`` is the chance of a beach stop each gang's spotters expect at each point."""
        m = self.model
        pop, rng = m.population, m.rng
        gangs = self.members
        taxis = self.taxis_allowed()
        if taxis:
            self.slots_left[:] = rng.poisson(m.params.taxi_slots_per_waterway, size=len(self.slots_left))
        booked = self.booked()
        gang_of = pop.gang.take(booked)
        customers = np.bincount(gang_of, minlength=len(gangs)).tolist()
        boats: list[Boat] = []
        for g in rng.permutation(len(gangs)).tolist():
            plan = gangs[g].plan_launches(customers[g], beaufort, expected_stop, rng, taxis)
            if plan:  # only then are the gang's customers looked up and queued
                boats += gangs[g].load_boats(plan, booked[gang_of == g])
        if boats:
            self._board(boats)
        return boats

    def _board(self, boats: list[Boat]) -> None:
        """The people sent pay their gang and set off."""
        m = self.model
        pop, t, gangs = m.population, m.tally, self.members
        aboard = np.concatenate([b.people for b in boats])
        price = self.price(aboard)
        t.revenue_eur = float(price.sum())
        t.price_eur = t.revenue_eur / len(aboard)
        paid_to = np.repeat([b.gang for b in boats], [b.load for b in boats])
        for gang, revenue in zip(gangs, np.bincount(paid_to, weights=price, minlength=len(gangs))):
            gang.revenue_eur += float(revenue)
        pop.gang[aboard] = -1
        pop.attempts[aboard] += 1
        t.attempts = len(aboard)
        t.launches = len(boats)
        t.taxi_launches = sum(b.mode == "taxi" for b in boats)
        t.taxi_share = t.taxi_launches / len(boats)
        t.largest_load = max(b.load for b in boats)
        m.beliefs.record("attempts", aboard)

    def after_beach_stops(self, boats: list[Boat], seized: np.ndarray) -> None:
        """Boats stopped on the beach but not seized go back to their gang (an empty taxi boat
        whose people were all stopped too); the others are lost."""
        gangs = self.members
        for boat, z in zip(boats, seized.tolist()):
            if boat.outcome == "stopped":
                if z and boat.mode == "beach":
                    boat.lost_boat = True
                else:
                    gangs[boat.gang].stock += 1

    def learn(self, boats: list[Boat]) -> None:
        """Each gang learns from its launches of the night, once they have crossed or failed."""
        if boats:
            launched: list[list[Boat]] = [[] for _ in self.members]
            for boat in boats:
                launched[boat.gang].append(boat)
            for gang, mine in zip(self.members, launched):
                gang.learn(mine)

    def record_results(self, in_camp: np.ndarray) -> None:
        """Write the day's bookings, boats in stock and the gangs' results to the tally."""
        m = self.model
        m.tally.booked = int(np.count_nonzero(m.population.gang.take(in_camp) >= 0))
        if self.members:
            m.tally.boats_in_stock = sum(gang.stock for gang in self.members)
