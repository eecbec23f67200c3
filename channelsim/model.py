"""The Channel model: the world, its parts, and the day.

One ``step()`` is one day, and :meth:`ChannelModel.step` lists its parts in order; each part
belongs to one module of :mod:`channelsim.world` (weather, demand, policing, gangs, crossing,
casework, beliefs), which holds its state and rules. Policies (:mod:`channelsim.policies`) act
through the model's named operations (:meth:`ChannelModel.detain`,
:meth:`ChannelModel.return_to_france`, :meth:`ChannelModel.admit_from_queue`,
:meth:`ChannelModel.announce`).

Migrants are Mesa agents over a column store (:mod:`channelsim.population`): each person is a
``Migrant`` agent, but their state lives in numpy columns, so that the daily choice of thousands
of people is one vectorised draw. Gangs, police units and Border Force vessels are ordinary Mesa
agents, few enough to act one by one.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field, make_dataclass
from functools import partial
from typing import Any, Iterable, Mapping

import mesa
import numpy as np
import pandas as pd

from .drivers import make_drivers, own_stream
from .geography import build_grid, geography
from . import checks
from .checks import FIRST_DATE, LAST_DATE
from .params import Params, ParameterError
from .policies import Policy
from .population import Population, State
from .results import DAILY_COLUMNS
from .world import (Beliefs, Boat, BorderForceVessel, Casework, Crossing, Demand,
                    FrenchPoliceUnit, Gangs, Policing, SmugglingGang, Weather)

__all__ = ["ChannelModel", "Levers", "Tally", "Snapshot", "RESULT_COLUMNS", "as_date"]


@dataclass
class Levers:
    """Today's values of the policy levers: set from the parameters each morning, then
    adjusted by whichever policies are in force (:class:`channelsim.policies.Policy`)."""

    officers_per_day: float  #: French officers on the beaches today (officers)
    sea_interceptions: bool  #: France's maritime doctrine is in force today
    sea_interception_rate: float  #: share of the boats crossing the band that are intercepted
    pull_factor: float  #: multiplier on the UK's pull (the crackdown on illegal working lowers it)
    boat_supply_per_day: float  #: boats sent to the gangs per day, before seizures upstream (boats/day)
    bf_vessels: int  #: Border Force vessels on task today (vessels)
    sea_interception_target: str = "taxi"  #: "taxi", "loaded" or "both"
    interception_death_risk: float = 0.0  #: chance per person of dying in an interception
    upstream_seizure: float = 0.0  #: share of the boats sent seized before reaching the gangs
    route_open: bool = False  #: a legal route is taking applications today

    @classmethod
    def from_params(cls, p: Params) -> "Levers":
        """The levers as the parameters ``p`` set them, before any policy adjusts them (the
        pull of illegal working is ``1 - working_crackdown``; upstream seizures are
        ``gang_disruption``)."""
        return cls(
            officers_per_day=p.officers_per_day,
            sea_interceptions=p.sea_interceptions,
            sea_interception_rate=p.sea_interception_rate,
            pull_factor=1.0 - p.working_crackdown,
            boat_supply_per_day=p.boat_supply_per_day,
            bf_vessels=p.bf_vessels,
            sea_interception_target=p.sea_interception_target,
            interception_death_risk=p.interception_death_risk,
            upstream_seizure=p.gang_disruption,
        )


#: What happened on one day: one row of the results, one field per column that the modules
#: declare (:data:`channelsim.results.COLUMNS` has their units and meaning), plus the boats
#: launched at each crossing point.
Tally = make_dataclass(
    "Tally",
    [(r.name, r.dtype, field(default=r.dtype())) for r in DAILY_COLUMNS.values()]
    + [("launches_by_point", np.ndarray, field(default=None, repr=False))],
    module=__name__)
Tally.__doc__ = ("What happened on one day: one row of the results, one field per column the "
                 "modules declare (see channelsim.results.COLUMNS), plus launches_by_point.")

#: The daily result columns, in order (launches per crossing point follow as launches_<name>).
RESULT_COLUMNS: tuple[str, ...] = tuple(DAILY_COLUMNS)


def _tally_value(model: "ChannelModel", name: str) -> Any:
    """A DataCollector reporter: today's value of result ``name``."""
    return getattr(model.tally, name)


def _launches_at(model: "ChannelModel", point: int) -> int:
    """A DataCollector reporter: boats launched today at crossing point ``point``."""
    return int(model.tally.launches_by_point[point])


class DailyCollector(mesa.DataCollector):
    """Mesa's DataCollector for the day's tally: the same reporters and tables, filled from one
    row a day instead of one reporter call (and one deep copy of a number) a column. The day's
    row (the tally's fields, then the launches per crossing point) is kept as it is and spread
    into ``model_vars``'s columns when they are next read. ``model_reporters`` are the model's
    reporters of the tally (one per result column and per crossing point); given others as well,
    or once one is added or replaced, it collects as Mesa does, calling each."""

    def __init__(self, model_reporters: dict[str, Any], points: Iterable[str]) -> None:
        self._pending: list[tuple[tuple, list]] = []  # the days collected but not yet in model_vars
        super().__init__(model_reporters=model_reporters)
        self._points = [f"launches_{name}" for name in points]
        tally_only = set(self.model_reporters) == {*RESULT_COLUMNS, *self._points}
        #: the reporters the one-row collection stands for (None: others too, collect as Mesa)
        self._own = dict(self.model_reporters) if tally_only else None
        self._row = operator.attrgetter(*RESULT_COLUMNS)

    @property
    def model_vars(self) -> dict[str, list]:
        """Each reporter's values, one per day collected (Mesa's ``model_vars``)."""
        if self._pending:
            rows, self._pending = self._pending, []
            table = self._model_vars
            for name, values in zip(RESULT_COLUMNS, zip(*(row for row, _ in rows))):
                table[name].extend(values)
            for name, values in zip(self._points, zip(*(launches for _, launches in rows))):
                table[name].extend(values)
        return self._model_vars

    @model_vars.setter
    def model_vars(self, table: dict[str, list]) -> None:
        self._pending = []
        self._model_vars = table

    def __setstate__(self, state: dict) -> None:
        if "model_vars" in state:  # pickled when the columns were filled every day
            state["_model_vars"] = state.pop("model_vars")
        state.setdefault("_pending", [])
        state.setdefault("_row", operator.attrgetter(*RESULT_COLUMNS))
        self.__dict__.update(state)

    def collect(self, model: "ChannelModel") -> None:
        """Keep today's tally as the table's next row (and call any other reporter)."""
        if (self._own is None or self.model_reporters != self._own or self.agent_reporters
                or self.agenttype_reporters):
            super().collect(model)  # reporters were added or replaced: Mesa's own loop
            return
        self._collection_steps.append(model.time)
        tally = model.tally
        self._pending.append((self._row(tally), tally.launches_by_point.tolist()))


@dataclass(frozen=True)
class Snapshot:
    """The world at the end of the last simulated day, for display (copies: changing them does
    not change the model)."""

    date: dt.date  #: the last simulated day
    tally: dict[str, Any]  #: that day's results
    boats: pd.DataFrame  #: boats launched that day: point, launch point name, gang, mode (beach or taxi), load, deaths, outcome, hours
    police: pd.DataFrame  #: patrol units: point, officers, stops_today, cell
    vessels: pd.DataFrame  #: Border Force vessels: people and busy hours today, free_at, cell
    camps: pd.DataFrame  #: per camp: people waiting, booked, mean beliefs
    stop_risk: np.ndarray  #: chance a launch is stopped on the beach, per crossing point
    recent_launches: np.ndarray  #: the police's memory of launches, per crossing point


#: The span of calendar dates a run may start in (dates far outside it cannot be simulated).
FIRST_START, LAST_START = FIRST_DATE, LAST_DATE
as_date = checks.date  #: ``value`` as a run's date, or a ParameterError naming it


class ChannelModel(mesa.Model):
    """Small-boat crossings of the English Channel, one day per step.

    Args:
        params: a :class:`~channelsim.Params` (or a mapping of overrides); defaults if None.
        start: the first simulated day (a date or ``"YYYY-MM-DD"``).
        rng: seed or ``numpy.random.Generator``; the only source of randomness.
        weather: None for the seasonal process, or a daily series / CSV path
            (see :func:`channelsim.weather.make_weather`).
        policies: policy objects (:mod:`channelsim.policies`); dated, composable. They are the
            only way a policy enters a run.
        paths: dated paths of parameters, ``{name: DatedPath or {dates, values, interpolation}}``
            (:mod:`channelsim.drivers`), applied each morning with the demand process.
        **overrides: registry parameters by name (as Mesa's ``batch_run`` and SolaraViz pass them).
    """

    def __init__(self, params: Params | Mapping[str, Any] | None = None, *,
                 start: Any = "2024-01-01", rng: Any = None, weather: Any = None,
                 policies: Iterable[Any] | None = None, paths: Mapping[str, Any] | None = None,
                 **overrides: Any) -> None:
        super().__init__(rng=checks.rng_seed(rng, "seed"))
        self.params: Params = _as_params(params, overrides)
        # Dated inputs and the demand process (None when nothing moves: runs as before)
        self.drivers = make_drivers(paths, self.params)
        if self.drivers is not None:
            self.drivers.rng = own_stream(self.rng)
        self.start = as_date(start)
        self.date = self.start - dt.timedelta(days=1)  #: the last simulated day
        self.geo = geo = geography()
        self.grid = build_grid(self)
        self.point_cells = [self.grid[c] for c in geo.points.cell]
        self.landing_cells = [self.grid[c] for c in geo.landings.cell]
        self.policies: list[Policy] = list(policies or [])
        for policy in self.policies:
            if not isinstance(policy, Policy):
                raise TypeError(f"policies: {policy!r} is not a channelsim.policies.Policy")
            policy.attach(self)
        self.levers = Levers.from_params(self.params)
        self.tally = Tally(launches_by_point=np.zeros(geo.n_points, dtype=np.int64))
        self.boats_today: list[Boat] = []  #: the boats launched on the last simulated day
        self.population = Population(self, lazy=True)  # Migrants made when agents are looked at
        self.recent_arrivals = 0.0  #: arrivals a day, averaged over about four weeks

        # The parts of the world (channelsim.world), each with its state and rules.
        self.weather = Weather(self, weather)
        self.beliefs = Beliefs(self)
        self.demand = Demand(self)
        self.gangs = Gangs(self)
        self.policing = Policing(self)
        self.crossing = Crossing(self)
        self.casework = Casework(self)
        self.crossing.muster_vessels()
        self.demand.add_people(self.params.initial_camp_population, day=0)
        self.beliefs.take_camp_means()

        reporters: dict[str, Any] = {name: partial(_tally_value, name=name) for name in RESULT_COLUMNS}
        for k, name in enumerate(geo.points.name):
            reporters[f"launches_{name}"] = partial(_launches_at, point=k)
        self.datacollector = DailyCollector(reporters, geo.points.name)
        self._dates: list[dt.date] = []

    # ------------------------------------------------------------------------ Mesa's agents
    # Every look at the model's agents first makes the Migrant agents of the people who arrived
    # since the last look (Population.make_agents): the same agents, numbers and order as if
    # each had been made on arrival.
    def _make_migrants(self) -> None:
        population = self.__dict__.get("population")
        if population is not None:
            population.make_agents()

    @property
    def agents(self):
        """All the model's agents (Mesa's ``Model.agents``), Migrants included."""
        self._make_migrants()
        return mesa.Model.agents.fget(self)

    @agents.setter
    def agents(self, value) -> None:
        mesa.Model.agents.fset(self, value)  # refused, as by Mesa

    @property
    def agents_by_type(self):
        """The model's agents by type (Mesa's ``Model.agents_by_type``), Migrants included."""
        self._make_migrants()
        return mesa.Model.agents_by_type.fget(self)

    @property
    def agent_types(self) -> list[type]:
        """The types of the model's agents (Mesa's ``Model.agent_types``), Migrant included."""
        self._make_migrants()
        return mesa.Model.agent_types.fget(self)

    def remove_all_agents(self) -> None:
        """Remove every agent, Migrants included (Mesa's ``Model.remove_all_agents``)."""
        self._make_migrants()
        super().remove_all_agents()

    # ------------------------------------------------------------------------ the day
    def step(self) -> None:
        """Simulate one day."""
        self.date = self.start + dt.timedelta(days=self.steps - 1)
        if self.drivers is not None:  # today's values of dated parameters and of demand
            self.drivers.morning(self)
        self.tally = Tally(launches_by_point=np.zeros(self.geo.n_points, dtype=np.int64))
        self.weather.dawn()                             # the day's wind force
        policies = self._set_levers()                   # policies in force set today's levers
        self.demand.arrive()                            # new arrivals join the camps
        self.crossing.muster_vessels()                  # Border Force puts its fleet on task
        self.policing.patrol()                          # police units are sent along the coast
        self.gangs.receive_supply()                     # boats reach the gangs
        crossable = self.weather.crossable
        self.demand.choose(crossable)                   # wait, book a place, apply, or leave
        self.boats_today = self._launch() if crossable else []  # gangs launch, police stop some
        self.crossing.cross(self.boats_today, self.weather.beaufort)  # at sea, pick-ups, landings
        self.casework.after_landings(policies)          # policies act on who landed
        self.casework.end_of_day(self.policies)         # returns, admissions, the legal queue
        self._evening()                                 # camps learn; the day is recorded
        self.population.check()                         # everyone is in exactly one state

    def _set_levers(self) -> list[Policy]:
        """Today's levers from the parameters, adjusted by the policies in force (returned)."""
        self.levers = Levers.from_params(self.params)
        policies = self.active_policies()
        for policy in policies:
            policy.adjust(self, self.levers)
        return policies

    def _launch(self) -> list[Boat]:
        """Gangs load and launch their boats; police stop some on the beaches."""
        boats = self.gangs.launch(self.weather.beaufort, self.policing.gang_view)
        if boats:
            seized = self.policing.watch_beaches(boats)
            self.gangs.after_beach_stops(boats, seized)
        return boats

    def _evening(self) -> None:
        """Camps talk and learn; the day's results are recorded."""
        in_camp = self.population.where(State.IN_CAMP)
        self.beliefs.learn(in_camp)
        self.demand.record_results(in_camp)
        self.gangs.record_results(in_camp)
        self.policing.record_results()
        self.casework.record_results()
        self.beliefs.record_results(in_camp)
        self.recent_arrivals += (self.tally.arrivals - self.recent_arrivals) / 28.0
        self.datacollector.collect(self)
        self._dates.append(self.date)

    # ------------------------------------------------------------------------ operations
    # What policies do to the world, by name (they never write a module's state themselves).
    def active_policies(self) -> list[Policy]:
        """The policies in force on the model's current date, in the order they were given."""
        return [p for p in self.policies if p.active(self.date)]

    def landed_today(self) -> np.ndarray:
        """Population slots of the people who landed today and are not (yet) detained."""
        return self.casework.landed_today()

    def detain(self, slots: np.ndarray, referral_days: int | None = None) -> None:
        """Detain people who landed today and open their cases (referred to France
        ``referral_days`` later; the registry's by default)."""
        self.casework.detain(slots, referral_days)

    def advance_cases(self, answer_days: int | None = None) -> None:
        """The pilot's cases move on through referral, France's answer (``answer_days``; the
        registry's by default) and legal challenges (:meth:`Casework.advance_cases`)."""
        self.casework.advance_cases(self.params.answer_days if answer_days is None else answer_days)

    def ready_for_removal(self, n: int) -> np.ndarray:
        """Up to ``n`` detained people whose case is through, those held longest first."""
        return self.casework.ready_for_removal(n)

    def return_to_france(self, slots: np.ndarray) -> None:
        """Fly detained people back to France (released in Paris)."""
        self.casework.return_to_france(slots)

    def admit_from_queue(self, n: int) -> int:
        """Admit up to ``n`` legal-route applicants after security checks; returns how many."""
        return self.casework.admit_from_queue(n)

    def announce(self, belief: str, rate: float) -> None:
        """News reaches the camps: ``belief`` ("stop", "death", "return" or "admit") moves
        toward the announced ``rate`` as far as ``news_weight`` lets news move beliefs."""
        self.beliefs.hear_announcement(belief, rate)

    def recent_weekly_arrivals(self) -> float:
        """People landing in the UK a week, averaged over about the last four weeks."""
        return 7.0 * self.recent_arrivals

    # ------------------------------------------------------------------------ agents
    @property
    def gang_agents(self) -> tuple[SmugglingGang, ...]:
        """The smuggling gangs, in the order they were formed (their index in ``Boat.gang``)."""
        return self.gangs.members

    @property
    def police_units(self) -> list[FrenchPoliceUnit]:
        """The French police units on the beaches (a new list; agents, not copies)."""
        return list(self.policing.units)

    @property
    def vessels(self) -> list[BorderForceVessel]:
        """The Border Force vessels (a new list; agents, not copies)."""
        return list(self.crossing.vessels)

    @property
    def stop_risk(self) -> np.ndarray:
        """Today's chance that a launch is stopped on the beach, per crossing point."""
        return self.policing.stop_risk

    @property
    def recent_launches(self) -> np.ndarray:
        """The police's decaying memory of launches, per crossing point."""
        return self.policing.recent_launches

    # ------------------------------------------------------------------------ running
    def run_for(self, duration: int) -> None:
        """Simulate ``duration`` more days (a whole number >= 0)."""
        if isinstance(duration, bool) or not isinstance(duration, (int, np.integer)) or duration < 0:
            raise ParameterError(f"duration={duration!r} is invalid: expected a whole number of days >= 0")
        if duration:
            super().run_for(int(duration))

    def __copy__(self):
        raise TypeError("a ChannelModel cannot be copied with copy.copy (the copy would share its "
                        "agents, population and generator with the original): use copy.deepcopy "
                        "or pickle for an independent model")

    # ------------------------------------------------------------------------ results
    def results(self) -> pd.DataFrame:
        """The daily results so far: a new DataFrame with one row per simulated day, indexed by
        date (``date``), and one column per daily result in its own unit (mostly people a
        day; see ``channelsim.results.COLUMNS``). Empty before the first step.

        >>> model = build_model(seed=1)  # doctest: +SKIP
        >>> model.run_for(7)  # doctest: +SKIP
        >>> model.results()[["arrivals", "boats"]]  # people, boats  # doctest: +SKIP
        """
        df = self.datacollector.get_model_vars_dataframe()
        df.index = pd.DatetimeIndex(pd.to_datetime(self._dates), name="date")
        return df

    def snapshot(self) -> Snapshot:
        """The world at the end of the last simulated day (see :class:`Snapshot`)."""
        return make_snapshot(self)


def _as_params(params: Any, overrides: Mapping[str, Any]) -> Params:
    if params is None:
        return Params(**overrides)
    if isinstance(params, Params):
        return params.replace(**overrides) if overrides else params
    if isinstance(params, Mapping):
        return Params(**{**params, **overrides})
    raise ParameterError(f"params={params!r} is invalid: expected Params, a mapping or None")


def make_snapshot(model: ChannelModel) -> Snapshot:
    """The public, read-only view of ``model`` that :meth:`ChannelModel.snapshot` returns."""
    geo, pop = model.geo, model.population
    names = list(geo.points.name)
    tally = {name: getattr(model.tally, name) for name in RESULT_COLUMNS}
    boats = pd.DataFrame(
        [(b.point, names[b.point], b.gang, b.mode, b.load, len(b.people), b.deaths, b.outcome,
          b.launch_hour, b.end_hour) for b in model.boats_today],
        columns=["point", "point_name", "gang", "mode", "load", "aboard", "deaths", "outcome",
                 "launch_hour", "end_hour"])
    police = pd.DataFrame(
        [(u.point, names[u.point] if u.point >= 0 else "", u.officers, u.stops_today,
          u.cell.coordinate if u.cell is not None else None) for u in model.policing.units],
        columns=["point", "point_name", "officers", "stops_today", "cell"])
    vessels = pd.DataFrame(
        [(v.people_today, v.busy_hours_today, v.free_at, v.cell.coordinate)
         for v in model.crossing.vessels],
        columns=["people_today", "busy_hours_today", "free_at", "cell"])
    idx = pop.where(State.IN_CAMP)
    camp = pop.camp[idx]
    n_camps = len(geo.camps)
    people = np.bincount(camp, minlength=n_camps)
    camps = pd.DataFrame({"people": people,
                          "booked": np.bincount(camp[pop.gang[idx] >= 0], minlength=n_camps)},
                         index=pd.Index(list(geo.camps), name="camp"))
    for key in ("stop", "death", "return", "admit"):
        total = np.bincount(camp, weights=getattr(pop, "b_" + key)[idx], minlength=n_camps)
        camps[f"belief_{key}"] = np.divide(total, people, out=np.full(n_camps, np.nan), where=people > 0)
    return Snapshot(date=model.date, tally=tally, boats=boats, police=police, vessels=vessels,
                    camps=camps, stop_risk=model.policing.stop_risk.copy(),
                    recent_launches=model.policing.recent_launches.copy())
