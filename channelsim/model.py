"""The Channel model: the world, the agents and the daily crossing cycle.

One ``step()`` is one day. The schedule (:meth:`ChannelModel.step`) reads as the day itself:
weather, policies set today's levers, new arrivals, police patrols, boat supply, migrants
choose, gangs launch, police stop launches on the beaches, boats cross (sub-stepped in hours:
interceptions, distress, Border Force pick-ups), landings, policies act on who landed, beliefs
are learned, the day is recorded and the accounting checked.
"""

from __future__ import annotations

import datetime as dt
import numbers
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Mapping

import mesa
import numpy as np
import pandas as pd

from . import decisions
from .agents import Boat, BorderForceVessel, FrenchPoliceUnit, SmugglingGang
from .decisions import Option
from .drivers import make_drivers
from .geography import build_grid, geography
from .params import Params, ParameterError, parse_date
from .policies import Policy
from .population import Migrant, Population, State
from .weather import UNCROSSABLE_BEAUFORT, make_weather

__all__ = ["ChannelModel", "Levers", "Tally", "RESULT_COLUMNS", "as_date"]

LAUNCH_WINDOW_HOURS = 8.0  #: boats leave between midnight and 08:00 (night departures)
CAMP_MEMORY_DAYS = 30.0  #: how long a camp remembers what happened to its people (e-folding, days)
POLICE_MEMORY_DAYS = 7.0  #: how long police remember where launches were (e-folding, days)
GANG_REACH_KM = 40.0  #: distance scale over which people book with gangs of other camps


@dataclass
class Levers:
    """Today's values of the policy levers: set from the parameters each morning, then
    adjusted by whichever policies are in force (:class:`channelsim.policies.Policy`)."""

    officers_per_day: float
    sea_interceptions: bool
    sea_interception_rate: float
    pull_factor: float  #: multiplier on the UK's pull (the crackdown on illegal working lowers it)
    boat_supply_per_day: float  #: boats reaching the gangs per day, after disruption
    bf_vessels: int
    route_open: bool = False  #: a legal route is taking applications today

    @classmethod
    def from_params(cls, p: Params) -> "Levers":
        return cls(
            officers_per_day=p.officers_per_day,
            sea_interceptions=p.sea_interceptions,
            sea_interception_rate=p.sea_interception_rate,
            pull_factor=1.0 - p.working_crackdown,
            boat_supply_per_day=p.boat_supply_per_day * (1.0 - p.gang_disruption),
            bf_vessels=p.bf_vessels,
        )


@dataclass
class Tally:
    """What happened on one day: one row of the results (people unless stated)."""

    arrivals: int = 0  #: people landed in the UK by small boat
    boats: int = 0  #: boats whose people reached the UK
    people_per_boat: float = 0.0  #: mean people aboard the boats that reached the UK (0 if none)
    attempts: int = 0  #: people who set off (each attempt counted)
    launches: int = 0  #: boats that set off, including those stopped
    stopped_beach: int = 0  #: people stopped on the beach by French police
    intercepted_sea: int = 0  #: people intercepted at sea in the French inshore band
    stopped: int = 0  #: stopped_beach + intercepted_sea
    deaths: int = 0  #: people who died at launch, at sea or in an interception
    rescued: int = 0  #: people aboard boats in distress who survived
    unassisted: int = 0  #: boats that reached a beach without being picked up
    inflow: int = 0  #: people arriving on the French coast
    left: int = 0  #: people who gave up and left the coast
    in_camps: int = 0  #: people waiting on the French coast at day's end
    booked: int = 0  #: of those, people who paid a gang and wait for a launch
    boats_in_stock: int = 0  #: boats with engines held by all gangs at day's end
    price_eur: float = 0.0  #: mean price paid per attempt today (EUR; 0 if none)
    revenue_eur: float = 0.0  #: paid to gangs today (EUR)
    bf_people: int = 0  #: people taken aboard Border Force vessels
    bf_busy_hours: float = 0.0  #: vessel-hours of Border Force work
    bf_utilisation: float = 0.0  #: busy hours / (vessels x 24); above 1 when crews work past midnight
    beaufort: float = 0.0  #: wind force (Beaufort)
    crossable: bool = False  #: wind below Beaufort 7: boats can launch
    detained: int = 0  #: people detained on landing under the pilot
    returned: int = 0  #: people returned to France
    admitted: int = 0  #: people admitted through a legal route
    recrossed: int = 0  #: returnees who landed in the UK again
    legal_applications: int = 0  #: new applications to the legal route
    legal_queue: int = 0  #: applicants waiting at day's end
    in_detention: int = 0  #: people held in detention at day's end
    net_effect: int = 0  #: arrivals - returned + admitted: net additions to the UK
    belief_stop: float = 0.0  #: mean perceived chance of being stopped, in camps
    belief_death: float = 0.0  #: mean perceived chance of dying at sea, in camps
    belief_return: float = 0.0  #: mean perceived chance of being returned, in camps
    launches_by_point: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]


#: The daily result columns, in order (launches per crossing point follow as launches_<name>).
RESULT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Tally) if f.name != "launches_by_point")


#: The span of calendar dates a run may start in (dates far outside it cannot be simulated).
FIRST_START, LAST_START = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def as_date(value: Any, name: str = "start") -> dt.date:
    """``value`` as a run's date, or a :class:`ParameterError` naming ``name``."""
    date = parse_date(value)
    if date is None:
        raise ParameterError(f"{name}={value!r} is invalid: expected a date (YYYY-MM-DD)")
    if not FIRST_START <= date <= LAST_START:
        raise ParameterError(f"{name}={value!r} is out of range: expected a date between "
                             f"{FIRST_START} and {LAST_START}")
    return date


def _check_seed(seed: Any) -> Any:
    """``seed`` if a numpy generator can be seeded from it (None, a whole number >= 0, a
    sequence of them, a Generator, BitGenerator or SeedSequence), else a ParameterError.
    Whole numbers come back as Python ints: Mesa also seeds Python's ``random`` with them,
    which refuses numpy integers (such as a seed read from a results table)."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.BitGenerator,
                                         np.random.SeedSequence)):
        return seed
    whole = isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_))
    if whole and seed >= 0:
        return int(seed)
    try:
        if whole or isinstance(seed, (bool, np.bool_, numbers.Number, str)):
            raise TypeError
        np.random.SeedSequence(seed)
    except (TypeError, ValueError):
        raise ParameterError(f"seed={seed!r} is invalid: expected a whole number >= 0, "
                             "a numpy.random.Generator or None") from None
    return seed


class ChannelModel(mesa.Model):
    """Small-boat crossings of the English Channel, one day per step.

    Args:
        params: a :class:`~channelsim.Params` (or a mapping of overrides); defaults if None.
        start: the first simulated day (a date or ``"YYYY-MM-DD"``).
        rng: seed or ``numpy.random.Generator``; the only source of randomness.
        weather: None for the seasonal process, or a daily series / CSV path
            (see :func:`channelsim.weather.make_weather`).
        policies: policy objects (:mod:`channelsim.policies`); dated, composable.
        paths: dated paths of parameters, ``{name: DatedPath or {dates, values, interpolation}}``
            (:mod:`channelsim.drivers`), applied each morning with the demand process.
        **overrides: registry parameters by name (as Mesa's ``batch_run`` and SolaraViz pass them).
    """

    def __init__(self, params: Params | Mapping[str, Any] | None = None, *,
                 start: Any = "2024-01-01", rng: Any = None, weather: Any = None,
                 policies: Iterable[Any] | None = None, paths: Mapping[str, Any] | None = None,
                 **overrides: Any) -> None:
        super().__init__(rng=_check_seed(rng))
        if params is None:
            params = Params(**overrides)
        elif isinstance(params, Params):
            params = params.replace(**overrides) if overrides else params
        elif isinstance(params, Mapping):
            params = Params(**{**params, **overrides})
        else:
            raise ParameterError(f"params={params!r} is invalid: expected Params, a mapping or None")
        self.params: Params = params
        # Dated inputs and the demand process (None when nothing moves: runs as before)
        self.drivers = make_drivers(paths, params)
        self.start = as_date(start)
        self.date = self.start - dt.timedelta(days=1)  #: the last simulated day
        self.geo = geo = geography()
        self.grid = build_grid(self)
        self.point_cells = [self.grid[c] for c in geo.points.cell]
        self.landing_cells = [self.grid[c] for c in geo.landings.cell]
        self.weather = make_weather(weather, params, self.rng, self.start)
        self.policies: list[Policy] = list(policies or [])
        for policy in self.policies:
            if not isinstance(policy, Policy):
                raise TypeError(f"policies: {policy!r} is not a channelsim.policies.Policy")
            policy.attach(self)
        self.levers = Levers.from_params(params)
        self.tally = Tally(launches_by_point=np.zeros(geo.n_points, dtype=np.int64))
        self.boats_today: list[Boat] = []
        self.population = Population(self)
        n_camps, n_points = len(geo.camps), geo.n_points
        self.coast_km = geo.points.coast_km.to_numpy(float)
        self.recent_launches = np.zeros(n_points)  #: police memory of launches per point
        self.stop_risk = np.full(n_points, params.prior_stop_belief)  #: today's beach stop chance
        # What each camp has seen lately (decaying counts): attempts, stopped, deaths, landed,
        # returned, applied, admitted.
        self.camp_news = np.zeros((n_camps, 7))
        self.recent_arrivals = 0.0  #: arrivals a day, averaged over about four weeks
        self.announced_return_rate = 0.0  #: return rate announced by a policy's news, if any

        # Gangs: spread over the camps in turn; each books people mostly from its own camp.
        for g in range(params.n_gangs):
            SmugglingGang(self, home_camp=g % n_camps, stock=0)
        gangs = self.gangs
        for g, share in zip(gangs, self._split(params.initial_boat_stock, len(gangs))):
            g.stock = share
        camp_xy = geo.points.groupby("camp")[["x", "y"]].mean().loc[list(geo.camps)].to_numpy()
        home = np.array([g.home_camp for g in gangs], dtype=int)
        km = np.linalg.norm(camp_xy[:, None] - camp_xy[home][None], axis=-1)
        pref = np.exp(-km / GANG_REACH_KM)
        #: (camp, gang) odds of booking with each gang; empty when there are no gangs
        self.gang_preference = pref / np.maximum(pref.sum(axis=1, keepdims=True), 1e-300)
        self._muster_vessels()
        self.camp_beliefs = self._camp_beliefs()  #: what each camp believes, as of last evening
        self._arrive(params.initial_camp_population, day=0)
        self.camp_beliefs = self._camp_beliefs()

        reporters = {name: (lambda m, k=name: getattr(m.tally, k)) for name in RESULT_COLUMNS}
        for k, name in enumerate(geo.points.name):
            reporters[f"launches_{name}"] = lambda m, k=k: int(m.tally.launches_by_point[k])
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self._dates: list[dt.date] = []

    # ------------------------------------------------------------------------ conveniences
    @property
    def gangs(self) -> list[SmugglingGang]:
        return list(self.agents_by_type[SmugglingGang]) if SmugglingGang in self.agents_by_type else []

    @property
    def police_units(self) -> list[FrenchPoliceUnit]:
        return list(self.agents_by_type.get(FrenchPoliceUnit, []))

    @property
    def vessels(self) -> list[BorderForceVessel]:
        return list(self.agents_by_type.get(BorderForceVessel, []))

    def _split(self, total: int, parts: int) -> list[int]:
        base, extra = divmod(int(total), max(parts, 1))
        return [base + (i < extra) for i in range(parts)]

    def active_policies(self) -> list[Any]:
        return [p for p in self.policies if p.active(self.date)]

    # ------------------------------------------------------------------------ the day
    def step(self) -> None:
        """Simulate one day."""
        self.date = self.start + dt.timedelta(days=self.steps - 1)
        if self.drivers is not None:  # today's values of dated parameters and of demand
            self.drivers.morning(self)
        p = self.params
        t = self.tally = Tally(launches_by_point=np.zeros(self.geo.n_points, dtype=np.int64))
        t.beaufort = beaufort = float(self.weather.beaufort(self.date))
        t.crossable = crossable = beaufort < UNCROSSABLE_BEAUFORT - 0.5
        self.levers = Levers.from_params(p)
        policies = self.active_policies()
        for policy in policies:
            policy.adjust(self, self.levers)

        day_of_year = self.date.timetuple().tm_yday
        t.inflow = int(self.rng.poisson(decisions.seasonal_inflow_rate(day_of_year, p)))
        self._arrive(t.inflow, day=self.steps)
        self._muster_vessels()
        self._patrol()
        self._supply()
        self._migrants_choose(crossable)
        self.boats_today = self._launch(beaufort) if crossable else []
        self._cross(self.boats_today, beaufort)

        landed = self.population.where(State.LANDED)
        t.recrossed = int(np.count_nonzero(self.population.returnee[landed]))
        for policy in policies:  # each acts on the people no earlier policy has detained
            policy.on_landed(self, self.population.where(State.LANDED))
        self.population.remove(self.population.where(State.LANDED), State.LANDED)
        for policy in self.policies:  # inactive policies may still have cases to finish
            policy.on_day_end(self)
        if not self.levers.route_open:
            self._close_route()
        self._learn()
        self._record()
        self.datacollector.collect(self)
        self._dates.append(self.date)
        self.population.check()

    # ------------------------------------------------------------------------ phases
    def _camp_beliefs(self, idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Mean beliefs in each camp (word of mouth for newcomers); priors where a camp is empty.
        ``idx`` are the people in camps, when the caller already has them."""
        pop, p = self.population, self.params
        if idx is None:
            idx = pop.where(State.IN_CAMP)
        n_camps = len(self.geo.camps)
        n = np.bincount(pop.camp[idx], minlength=n_camps)
        prior = {"stop": p.prior_stop_belief, "death": p.prior_death_belief, "return": 0.0, "admit": 0.0}
        out = {}
        for key, default in prior.items():
            tot = np.bincount(pop.camp[idx], weights=getattr(pop, "b_" + key)[idx], minlength=n_camps)
            out[key] = np.where(n > 0, tot / np.maximum(n, 1), default)
        return out

    def _arrive(self, n: int, day: int) -> None:
        """``n`` people reach the coast, join a camp, and hear what the camp believes."""
        if n <= 0:
            return
        p, rng = self.params, self.rng
        camp = rng.choice(len(self.geo.camps), size=n, p=self.geo.camp_inflow_share)
        sigma = np.sqrt(np.log1p(p.uk_pull_spread ** 2))
        pull = p.uk_pull * rng.lognormal(-sigma ** 2 / 2, sigma, size=n)
        beliefs = {key: values[camp] for key, values in self.camp_beliefs.items()}
        self.population.add(n, camp.astype(np.int8), pull, beliefs, day)

    def _muster_vessels(self) -> None:
        """Border Force puts today's fleet on task."""
        vessels = self.vessels
        for vessel in vessels[self.levers.bf_vessels:]:
            vessel.remove()
        for _ in range(self.levers.bf_vessels - len(vessels)):
            BorderForceVessel(self)

    def _close_route(self) -> None:
        """With no legal route open, applicants go back to the camps (still eligible)."""
        pop = self.population
        waiting = pop.where(State.APPLICANT)
        pop.state[waiting] = State.IN_CAMP

    def recent_weekly_arrivals(self) -> float:
        """People landing in the UK a week, averaged over about the last four weeks."""
        return 7.0 * self.recent_arrivals

    def _patrol(self) -> None:
        """French police send their units along the coast, weighted toward recent launches.
        Officers form units of ``officers_per_unit``; a remainder forms one smaller unit."""
        p = self.params
        full, rest = divmod(self.levers.officers_per_day, p.officers_per_unit)
        sizes = [float(p.officers_per_unit)] * int(full) + ([rest] if rest > 0 else [])
        units = self.police_units
        for unit in units[len(sizes):]:
            unit.remove()
        for _ in range(len(sizes) - len(units)):
            FrenchPoliceUnit(self, officers=p.officers_per_unit)
        counts = decisions.allocate_units(len(sizes), self.recent_launches, self.coast_km,
                                          p.patrol_focus, self.rng)
        points = np.repeat(np.arange(len(counts)), counts)
        for unit, point, size in zip(self.police_units, points.tolist(), sizes):
            unit.officers = size
            unit.patrol(point)
        officers = np.bincount(points, weights=sizes, minlength=len(counts))
        self.officers_at = officers
        self.gang_view = self.stop_risk  # gangs' spotters saw yesterday's deployment
        self.stop_risk = decisions.stop_probability(officers, self.coast_km, p.stop_effectiveness)

    def _supply(self) -> None:
        """Boats and engines reach the gangs through the supply chain."""
        gangs = self.gangs
        if not gangs:
            return
        per_gang = self.levers.boat_supply_per_day / len(gangs)
        for gang, n in zip(gangs, self.rng.poisson(per_gang, size=len(gangs)).tolist()):
            gang.receive_supply(n)

    def _migrants_choose(self, crossable: bool) -> None:
        """Everyone waiting on the coast chooses: wait, pay a gang for a place, apply to the
        legal route, or leave. People who already paid a gang or applied to the legal route
        only choose between waiting for it and leaving."""
        pop, p, t = self.population, self.params, self.tally
        idx = np.flatnonzero((pop.state == State.IN_CAMP) | (pop.state == State.APPLICANT))
        if len(idx) == 0:
            return
        committed = (pop.gang[idx] >= 0) | (pop.state[idx] == State.APPLICANT)
        u = decisions.migrant_utilities(
            pull=pop.pull[idx], belief_stop=pop.b_stop[idx], belief_death=pop.b_death[idx],
            belief_return=pop.b_return[idx], belief_admit=pop.b_admit[idx],
            price_eur=self._price(idx), failures=pop.failures[idx],
            months_waiting=(self.steps - pop.arrived[idx]) / 30.44, booked=committed,
            eligible=(pop.attempts[idx] == 0) & ~pop.refused[idx],
            crossable=crossable and bool(self.gangs), route_open=self.levers.route_open,
            p=p, pull_factor=self.levers.pull_factor)
        choice = decisions.choose(u, self.rng)
        book = idx[choice == Option.CROSS]
        pop.since[book] = self.steps
        for c in range(len(self.geo.camps)):
            mine = book[pop.camp[book] == c]
            if len(mine):
                pop.gang[mine] = self.rng.choice(len(self.gang_preference[c]), size=len(mine),
                                                 p=self.gang_preference[c])
        apply = idx[choice == Option.APPLY]
        pop.state[apply] = State.APPLICANT
        pop.since[apply] = self.steps
        t.legal_applications = len(apply)
        self.camp_news[:, 5] += np.bincount(pop.camp[apply], minlength=len(self.geo.camps))
        leave = idx[choice == Option.LEAVE]
        t.left = len(leave)
        pop.remove(leave, State.LEFT)

    def _price(self, idx: np.ndarray) -> np.ndarray:
        """Price of a place for each person (EUR): discounted for people stopped before."""
        p = self.params
        return p.price_eur * np.where(self.population.failures[idx] > 0, 1.0 - p.repeat_discount, 1.0)

    def _launch(self, beaufort: float) -> list[Boat]:
        """Gangs fill and launch boats; police stop some on the beach."""
        pop, p, t, rng = self.population, self.params, self.tally, self.rng
        gangs = self.gangs
        booked = np.flatnonzero((pop.state == State.IN_CAMP) & (pop.gang >= 0))
        boats: list[Boat] = []
        for g in rng.permutation(len(gangs)).tolist():
            gang = gangs[g]
            mine = booked[pop.gang[booked] == g]
            plan = gang.plan_launches(len(mine), beaufort, self.gang_view, rng)
            if not plan:
                continue
            mine = mine[np.argsort(pop.since[mine], kind="stable")]  # first booked, first aboard
            start = 0
            for point, load in plan:
                boats.append(Boat(gang=g, point=point, people=mine[start:start + load]))
                start += load
        if not boats:
            return boats
        aboard = np.concatenate([b.people for b in boats])
        price = self._price(aboard)
        t.revenue_eur = float(price.sum())
        t.price_eur = float(price.mean())
        paid_to = np.repeat([b.gang for b in boats], [b.load for b in boats])
        for gang, revenue in zip(gangs, np.bincount(paid_to, weights=price, minlength=len(gangs))):
            gang.revenue_eur += float(revenue)
        pop.gang[aboard] = -1
        pop.attempts[aboard] += 1
        t.attempts = len(aboard)
        t.launches = len(boats)
        stopped = rng.random(len(boats)) < self.stop_risk[[b.point for b in boats]]
        seized = rng.random(len(boats)) < p.seizure_on_stop
        per_gang = np.zeros((len(gangs), 2))
        for boat, s, z in zip(boats, stopped.tolist(), seized.tolist()):
            t.launches_by_point[boat.point] += 1
            per_gang[boat.gang] += (1, s)
            if s:
                boat.outcome = "stopped"
                t.stopped_beach += boat.load
                self._failed(boat.people)
                if not z:
                    gangs[boat.gang].stock += 1
        for g, (n, s) in enumerate(per_gang.tolist()):
            gangs[g].learn(int(n), int(s))
        stops_at = np.bincount([b.point for b in boats if b.outcome == "stopped"],
                               minlength=self.geo.n_points)
        for unit in self.police_units:
            unit.stops_today = int(stops_at[unit.point])
        self.recent_launches = self.recent_launches * np.exp(-1 / POLICE_MEMORY_DAYS) + t.launches_by_point
        self._news(boats, aboard)
        return boats

    def _failed(self, slots: np.ndarray) -> None:
        """People stopped or brought back: they are in camp again and learn from it."""
        pop, p = self.population, self.params
        pop.failures[slots] += 1
        pop.b_stop[slots] = decisions.update_beliefs(pop.b_stop[slots], 1.0, p.own_experience_weight)

    def _news(self, boats: list[Boat], aboard: np.ndarray) -> None:
        """Count today's attempts and beach stops per camp (what the camps will talk about)."""
        n_camps = len(self.geo.camps)
        camp = self.population.camp[aboard]
        stopped = np.repeat([b.outcome == "stopped" for b in boats], [b.load for b in boats])
        self.camp_news[:, 0] += np.bincount(camp, minlength=n_camps)
        self.camp_news[:, 1] += np.bincount(camp[stopped], minlength=n_camps)

    def _cross(self, boats: list[Boat], beaufort: float) -> None:
        """Boats at sea, in hours: inshore interceptions, the crossing, distress and rescue,
        Border Force pick-ups in UK waters, landings."""
        pop, p, t, rng, geo = self.population, self.params, self.tally, self.rng, self.geo
        at_sea = [b for b in boats if b.outcome != "stopped"]
        speed = p.boat_speed_kmh
        for boat in at_sea:
            boat.launch_hour = float(rng.uniform(0.0, LAUNCH_WINDOW_HOURS))
            crush = int(rng.binomial(boat.load, decisions.crush_probability(boat.load, p)))
            if crush:
                self._die(boat, crush)
            if self.levers.sea_interceptions and rng.random() < self.levers.sea_interception_rate:
                boat.outcome = "intercepted"
                boat.end_hour = boat.launch_hour + 0.5
                dead = int(rng.binomial(len(boat.people), p.interception_death_risk))
                if dead:
                    self._die(boat, dead)
                t.intercepted_sea += len(boat.people)
                self._failed(boat.people)
                continue
        crossing = sorted((b for b in at_sea if b.outcome == "launched"),
                          key=lambda b: b.launch_hour + geo.median_km[b.point] / speed)
        vessels = self.vessels
        for v in vessels:
            v.start_day()
        detect = p.bf_detection_per_hour
        for boat in crossing:
            t_uk = boat.launch_hour + geo.median_km[boat.point] / speed
            t_beach = boat.launch_hour + geo.route_km[boat.point] / speed
            pick_hour, vessel = np.inf, None
            if vessels and detect > 0:
                found = t_uk + (rng.geometric(detect) - 0.5 if detect < 1 else 0.0)
                vessel = min(vessels, key=lambda v: v.free_at)
                pick_hour = max(found, vessel.free_at)
            end = min(pick_hour, t_beach)
            hours = end - boat.launch_hour
            boat.end_hour = end
            if rng.random() < decisions.distress_probability(len(boat.people), beaufort, hours, p):
                boat.distress = True
                when = boat.launch_hour + rng.uniform(0.0, hours)
                dead = int(rng.binomial(len(boat.people), p.death_share_in_distress))
                if dead:
                    self._die(boat, dead)
                t.rescued += len(boat.people)
                if when < t_uk:  # rescued in French waters: brought back to France
                    boat.outcome = "rescued_fr"
                    boat.end_hour = when
                    self._failed(boat.people)
                    continue
            if not len(boat.people):  # everyone aboard died: nobody to pick up or to land
                boat.outcome = "lost"
                continue
            if pick_hour <= t_beach:
                boat.outcome = "picked_up"
                xy = geo.on_route(boat.point, (pick_hour - boat.launch_hour) * speed)
                vessel.pick_up(boat, pick_hour, self.grid[geo.cell_of(xy)])
            else:
                boat.outcome = "landed"
                t.unassisted += 1
            pop.state[boat.people] = State.LANDED
            t.arrivals += len(boat.people)
            if len(boat.people):
                t.boats += 1
                t.people_per_boat += boat.load
        t.people_per_boat = t.people_per_boat / t.boats if t.boats else 0.0
        t.stopped = t.stopped_beach + t.intercepted_sea
        t.bf_people = sum(v.people_today for v in vessels)
        t.bf_busy_hours = sum(v.busy_hours_today for v in vessels)
        t.bf_utilisation = t.bf_busy_hours / (24.0 * len(vessels)) if vessels else 0.0
        landed = self.population.where(State.LANDED)
        self.camp_news[:, 3] += np.bincount(pop.camp[landed], minlength=len(geo.camps))

    def _die(self, boat: Boat, n: int) -> None:
        """``n`` people aboard ``boat`` die; the camp they came from hears of it."""
        dead = self.rng.choice(boat.people, size=min(n, len(boat.people)), replace=False)
        self.camp_news[:, 2] += np.bincount(self.population.camp[dead], minlength=len(self.geo.camps))
        boat.deaths += len(dead)
        self.tally.deaths += len(dead)
        boat.people = np.setdiff1d(boat.people, dead, assume_unique=True)
        self.population.remove(dead, State.DEAD)

    def _learn(self) -> None:
        """Camps talk: beliefs move toward what happened to their people lately."""
        pop, p = self.population, self.params
        news = self.camp_news
        idx = pop.where(State.IN_CAMP)
        if len(idx) and p.belief_learning_rate > 0:
            camp = pop.camp[idx]
            tried = news[:, 0]
            heard = tried[camp] > 0
            if heard.any():
                obs_stop = np.divide(news[:, 1], tried, out=np.zeros_like(tried), where=tried > 0)
                obs_death = np.divide(news[:, 2], tried, out=np.zeros_like(tried), where=tried > 0)
                w = p.belief_learning_rate * heard
                pop.b_stop[idx] = decisions.update_beliefs(pop.b_stop[idx], obs_stop[camp], w,
                                                           p.smuggler_reassurance)
                pop.b_death[idx] = decisions.update_beliefs(pop.b_death[idx], obs_death[camp], w,
                                                            p.smuggler_reassurance)
            landed = news[:, 3]
            seen = landed[camp] > 0
            if seen.any():
                obs_ret = np.divide(news[:, 4], landed, out=np.zeros_like(landed), where=landed > 0)
                w = p.belief_learning_rate * seen
                pop.b_return[idx] = decisions.update_beliefs(pop.b_return[idx], obs_ret[camp], w,
                                                             p.smuggler_reassurance)
            applied = news[:, 5]
            asked = applied[camp] > 0
            if asked.any():
                obs_adm = np.divide(news[:, 6], applied, out=np.zeros_like(applied), where=applied > 0)
                w = p.belief_learning_rate * asked
                pop.b_admit[idx] = decisions.update_beliefs(pop.b_admit[idx], obs_adm[camp], w)
        self.camp_news *= np.exp(-1.0 / CAMP_MEMORY_DAYS)
        self.camp_beliefs = self._camp_beliefs(idx)

    def _record(self) -> None:
        pop, t = self.population, self.tally
        in_camp = pop.where(State.IN_CAMP)
        t.in_camps = len(in_camp)
        t.booked = int(np.count_nonzero(pop.gang[in_camp] >= 0))
        t.legal_queue = pop.count(State.APPLICANT)
        t.in_detention = pop.count(State.DETAINED)
        t.boats_in_stock = sum(g.stock for g in self.gangs)
        t.net_effect = t.arrivals - t.returned + t.admitted
        self.recent_arrivals += (t.arrivals - self.recent_arrivals) / 28.0
        if len(in_camp):
            t.belief_stop = float(pop.b_stop[in_camp].mean())
            t.belief_death = float(pop.b_death[in_camp].mean())
            t.belief_return = float(pop.b_return[in_camp].mean())

    def run_for(self, duration: int) -> None:
        """Simulate ``duration`` more days (a whole number >= 0)."""
        if isinstance(duration, bool) or not isinstance(duration, (int, np.integer)) or duration < 0:
            raise ParameterError(f"duration={duration!r} is invalid: expected a whole number of days >= 0")
        if duration:
            super().run_for(int(duration))

    # ------------------------------------------------------------------------ results
    def results(self) -> pd.DataFrame:
        """The daily results so far: one row per simulated day, indexed by date."""
        df = self.datacollector.get_model_vars_dataframe()
        df.index = pd.DatetimeIndex(pd.to_datetime(self._dates), name="date")
        return df
