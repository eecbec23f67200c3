"""Invariants of the model across the parameter space, checked with property-based tests.

Hypothesis draws random valid parameter sets from the registry's bounds (numbers uniformly or
log-uniformly within [low, high], switches, choices, pilot dates around the run), random
built-in scenarios, random dated policies and random seeds; each run is short (30-90 days) and
is checked every day:

* people are conserved: everyone who entered is in exactly one state, and the daily flows add up
  to the people present (inflow, departures, deaths, landings, detentions, admissions);
* no stock goes negative (gangs' boats, people in camps, in detention, in the legal queue);
* no probability leaves [0, 1] (beliefs, stop chances, launch, distress and crush chances);
* a boat never carries more than ``max_load`` people;
* the pilot's weekly cap, detention places and referral-and-answer delay hold, and admissions
  never exceed returns times ``admissions_per_return`` plus what safe routes may admit;
* the results hold no NaN or infinite value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import channelsim
from channelsim import decisions, scenarios
from channelsim.model import RESULT_COLUMNS, ChannelModel
from channelsim.params import REGISTRY, ParamSpec
from channelsim.policies import POLICY_TYPES, OneInOneOut, SafeRoutes, registry_parameter
from channelsim.population import FREE, Migrant, State
from channelsim.weather import UNCROSSABLE_BEAUFORT

#: Days in which runs start: the 2024 record, the pilot's period and a little beyond.
FIRST_START, LAST_START = dt.date(2023, 1, 1), dt.date(2027, 6, 30)
#: Result columns that may be negative: the pilot's net effect (arrivals - returns + admissions).
SIGNED_COLUMNS = {"net_effect"}
#: Result columns that are means of probabilities.
BELIEF_COLUMNS = ("belief_stop", "belief_death", "belief_return")
#: How many random runs each property test draws (the file takes well under two minutes).
EXAMPLES = 80

RUN_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------------------ strategies
def _log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers whose base-10 logarithm is uniform in [log10(low), log10(high)] (low > 0)."""
    lo, hi = math.log10(low), math.log10(high)
    return st.floats(lo, hi).map(lambda e: min(high, max(low, 10.0 ** e)))


def value_of(s: ParamSpec) -> st.SearchStrategy:
    """A random valid value of one registry parameter, anywhere in its allowed range.

    Numbers come uniformly from [low, high], log-uniformly when the range spans orders of
    magnitude (so that small values such as ``distress_hazard_per_hour=5e-5`` are drawn as often
    as large ones), or exactly at a bound.
    """
    if s.kind == "bool":
        return st.booleans()
    if s.kind == "choice":
        return st.sampled_from(s.choices)
    if s.kind == "date":
        return st.dates(FIRST_START, LAST_START)
    low, high = float(s.low), float(s.high)
    options: list[st.SearchStrategy] = [st.sampled_from([low, high])]
    tiny = max(low, high * 1e-5)
    spans_magnitudes = high > 0 and high / max(tiny, 1e-300) >= 100
    if s.kind == "int":
        options.append(st.integers(int(low), int(high)))
        if spans_magnitudes:
            options.append(_log_uniform(max(tiny, 1.0), high).map(lambda x: int(round(x))))
        return st.one_of(options).map(lambda x: int(min(high, max(low, x))))
    options.append(st.floats(low, high, allow_nan=False, allow_infinity=False))
    if spans_magnitudes:
        options.append(_log_uniform(tiny, high))
    return st.one_of(options)


NUMERIC_AND_CHOICES = list(REGISTRY)


@st.composite
def parameter_sets(draw, start: dt.date, days: int) -> dict:
    """Overrides of a random subset of the registry (anything from none to all of it)."""
    chosen = draw(st.lists(st.sampled_from(NUMERIC_AND_CHOICES), unique_by=lambda s: s.name))
    overrides = {s.name: draw(value_of(s)) for s in chosen}
    loads = overrides.get("base_load", 40.0), overrides.get("max_load", 112.0)
    if loads[0] > loads[1]:  # a base load above the load ceiling is refused: keep them in order
        overrides["base_load"], overrides["max_load"] = loads[1], loads[0]
    return overrides


@st.composite
def dated_policies(draw, start: dt.date, days: int) -> list[dict]:
    """A few dated policies of any type, with settings anywhere in their registry ranges (those
    left to the registry half the time); and, half the time, the pilot with its dates drawn
    around the run, so that it is in force for part of it."""
    out = []
    if draw(st.booleans()):
        pilot_start = start + dt.timedelta(days=draw(st.integers(-60, days)))
        pilot_end = pilot_start + dt.timedelta(days=draw(st.integers(0, 400)))
        out.append({"type": "one_in_one_out", "start": pilot_start, "end": pilot_end})
    spec = {s.name: s for s in REGISTRY}
    for kind in draw(st.lists(st.sampled_from(sorted(POLICY_TYPES)), max_size=3)):
        cls = POLICY_TYPES[kind]
        policy = {"type": kind}
        for setting in cls.model_fields:
            param = registry_parameter(cls, setting)
            if param and draw(st.booleans()):
                policy[setting] = draw(value_of(spec[param]))
        begin = start + dt.timedelta(days=draw(st.integers(-30, days)))
        policy["start"] = begin
        own_end = cls.model_fields["end"].default if "end" in cls.model_fields else None
        if draw(st.booleans()) or (own_end is not None and begin > own_end):
            # (a policy whose own end, e.g. the pilot's 30 June 2026, precedes the drawn start
            # needs an end of its own)
            policy["end"] = begin + dt.timedelta(days=draw(st.integers(0, days)))
        out.append(policy)
    return out


@dataclass
class RunSetup:
    """One random run: a scenario (named or not) with overrides and extra policies, a period and
    a seed."""

    scenario: scenarios.Scenario
    start: dt.date
    days: int
    seed: int
    overrides: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return (f"RunSetup(scenario={self.scenario.name!r}, start={self.start}, days={self.days}, "
                f"seed={self.seed}, overrides={self.overrides!r}, "
                f"policies={self.scenario.policies!r})")


@st.composite
def run_setups(draw, named_scenarios: bool = True) -> RunSetup:
    days = draw(st.integers(30, 90))
    start = draw(st.dates(FIRST_START, LAST_START))
    seed = draw(st.integers(0, 2**63 - 1))
    name = draw(st.sampled_from([None] + scenarios.names())) if named_scenarios else None
    base = scenarios.get(name) if name else scenarios.Scenario(name="random")
    overrides = draw(parameter_sets(start, days))
    extra = draw(dated_policies(start, days))
    scenario = dataclasses.replace(base, params={**base.params, **overrides},
                                   policies=[*base.policies, *extra])
    return RunSetup(scenario, start, days, seed, overrides)


# ------------------------------------------------------------------------------ the checks
@dataclass
class DailyRecord:
    """What a check can only see while the model runs, one entry per day."""

    present: list[int] = field(default_factory=list)
    entered: list[int] = field(default_factory=list)
    state_total: list[int] = field(default_factory=list)


def check_today(model: ChannelModel, record: DailyRecord) -> None:
    """Every invariant visible in the model's state at the end of a day."""
    pop, p = model.population, model.params
    counts = pop.counts()
    assert (counts >= 0).all(), dict(zip(State.__members__, counts.tolist()))
    assert int(counts.sum()) == pop.entered
    present = np.flatnonzero(pop.state != FREE)
    assert len(present) == len(model.agents_by_type.get(Migrant, ()))
    record.present.append(len(present))
    record.entered.append(pop.entered)
    record.state_total.append(int(counts.sum()))

    for name in ("b_stop", "b_death", "b_return", "b_admit"):
        beliefs = getattr(pop, name)[present]
        assert np.all((beliefs >= 0) & (beliefs <= 1)), (name, beliefs.min(), beliefs.max())
    stop_risk = model.policing.stop_risk
    assert np.all((stop_risk >= 0) & (stop_risk <= 1)), stop_risk
    assert (model.beliefs.news.counts >= 0).all() and (model.policing.recent_launches >= 0).all()
    for gang in model.gangs:
        assert gang.stock >= 0, gang.stock
        assert 0 <= gang.stop_risk <= 1, gang.stop_risk
    assert 0 <= decisions.launch_propensity(model.tally.beaufort, p) <= 1

    for boat in model.boats_today:
        assert 1 <= boat.load <= p.max_load, (boat.load, p.max_load)
        assert 0 <= boat.deaths <= boat.load
        hours = max(boat.end_hour - boat.launch_hour, 0.0)
        for chance in (decisions.distress_probability(boat.load, model.tally.beaufort, hours, p),
                       decisions.crush_probability(boat.load, p)):
            assert 0 <= float(chance) <= 1, chance

    for policy in model.policies:
        owed = getattr(policy, "owed_admissions", getattr(policy, "_owed", 0.0))
        assert owed >= -1e-9, (policy, owed)


def check_results(daily: pd.DataFrame, model: ChannelModel, record: DailyRecord) -> None:
    """Every invariant visible in the daily results of a whole run."""
    p, pop = model.params, model.population
    numeric = daily.select_dtypes("number")
    values = numeric.to_numpy(float)
    assert np.isfinite(values).all(), numeric.columns[~np.isfinite(values).all(axis=0)].tolist()
    counts = [c for c in numeric.columns if c not in SIGNED_COLUMNS]
    negative = [c for c in counts if (numeric[c] < 0).any()]
    assert not negative, negative
    assert list(daily.columns[:len(RESULT_COLUMNS)]) == list(RESULT_COLUMNS)

    d = daily
    # flows of one day against each other
    assert (d.arrivals <= d.attempts).all()
    assert (d.stopped <= d.attempts).all()
    assert (d.deaths <= d.attempts).all()
    assert (d.rescued + d.deaths <= d.attempts).all()
    assert (d.stopped == d.stopped_beach + d.intercepted_sea).all()
    assert (d.boats <= d.launches).all() and (d.unassisted <= d.boats).all()
    assert (d.bf_people <= d.arrivals).all()
    assert (d.launches <= d.attempts).all()
    assert (d.people_per_boat <= p.max_load).all()
    assert (d.arrivals <= d.people_per_boat * d.boats + 1e-9).all()
    assert ((d.people_per_boat > 0) == (d.boats > 0)).all()
    assert (d.booked <= d.in_camps).all()
    assert (d.recrossed <= d.arrivals).all() and (d.detained <= d.arrivals).all()
    uncrossable = d.beaufort >= UNCROSSABLE_BEAUFORT - 0.5
    assert (d.crossable == ~uncrossable).all()
    assert (d.attempts[uncrossable] == 0).all() and (d.arrivals[uncrossable] == 0).all()
    for col in BELIEF_COLUMNS:
        assert d[col].between(0, 1).all(), (col, d[col].min(), d[col].max())
    assert d.beaufort.between(0, 12).all()

    # people are conserved: the day's flows explain the people present, every day
    present = d.in_camps + d.legal_queue + d.in_detention + d.returnees_away
    np.testing.assert_array_equal(present.to_numpy(), record.present)
    flows = d.inflow - d.left - d.deaths - (d.arrivals - d.detained) - d.admitted - d.released_uk
    np.testing.assert_array_equal(present.to_numpy(), p.initial_camp_population + flows.cumsum().to_numpy())
    np.testing.assert_array_equal(record.entered, p.initial_camp_population + d.inflow.cumsum().to_numpy())
    np.testing.assert_array_equal(record.state_total, record.entered)
    assert pop.removed[State.DEAD] == d.deaths.sum()
    assert pop.removed[State.LEFT] == d.left.sum()
    assert pop.removed[State.ADMITTED] == d.admitted.sum()
    assert pop.removed[State.LANDED] == d.arrivals.sum() - d.detained.sum() + d.released_uk.sum()

    check_policy_limits(d, model)


def check_policy_limits(d: pd.DataFrame, model: ChannelModel) -> None:
    """The pilot's weekly cap and seats, detention places and delay; admissions within what returns and
    safe routes allow."""
    pilots = [q for q in model.policies if isinstance(q, OneInOneOut)]
    routes = [q for q in model.policies if isinstance(q, SafeRoutes)]
    if not pilots:
        assert (d.detained == 0).all() and (d.returned == 0).all() and (d.in_detention == 0).all()
    else:
        iso = d.index.isocalendar()
        weekly = d.groupby([iso.year, iso.week])[["returned", "detained"]].sum()
        cap = sum(q.weekly_return_cap for q in pilots)
        assert (weekly.returned <= cap).all(), (cap, weekly.returned.max())
        assert (weekly.returned <= sum(q.seats_per_week for q in pilots)).all()
        assert (d.in_detention <= max(q.detention_places for q in pilots)).all()
        delay = min(q.referral_days + q.answer_days for q in pilots)
        returned, detained = d.returned.cumsum().to_numpy(), d.detained.cumsum().to_numpy()
        may_return = np.concatenate([np.zeros(min(delay, len(d)), dtype=np.int64), detained])[:len(d)]
        assert (returned <= may_return).all(), "a return came before its referral and answer"
    if not pilots and not routes:
        assert (d.admitted == 0).all() and (d.legal_applications == 0).all()
    ratio = max((q.admissions_per_return for q in pilots), default=0.0)
    allowance = np.zeros(len(d)) + max((q.parity_lead for q in pilots), default=0)
    for route in routes:
        active = np.array([route.active(day.date()) for day in d.index])
        allowance += np.cumsum(active * route.per_week / 7.0)
    admitted = d.admitted.cumsum().to_numpy()
    returns = (d.returned + d.removal_withheld).cumsum().to_numpy()
    assert (admitted <= ratio * returns + allowance + 1e-6).all()


def run_and_check(setup: RunSetup) -> pd.DataFrame:
    """Run ``setup`` one day at a time with every check after each day; returns the results."""
    model = channelsim.build_model(setup.scenario, start=setup.start, seed=setup.seed)
    record = DailyRecord()
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        for _ in range(setup.days):
            model.step()
            check_today(model, record)
    daily = model.results()
    assert len(daily) == setup.days
    check_results(daily, model, record)
    return daily


# ------------------------------------------------------------------------------ the properties
@RUN_SETTINGS
@given(run_setups(named_scenarios=False))
def test_invariants_hold_for_random_parameter_sets(setup: RunSetup):
    run_and_check(setup)


@settings(RUN_SETTINGS, max_examples=EXAMPLES // 2)
@given(run_setups(named_scenarios=True))
def test_invariants_hold_for_random_scenarios_periods_and_policies(setup: RunSetup):
    run_and_check(setup)


@settings(RUN_SETTINGS, max_examples=14)
@given(st.integers(0, 2**63 - 1), st.sampled_from(scenarios.names()))
def test_invariants_hold_over_a_scenarios_pilot_period(seed: int, name: str):
    """Each built-in scenario from the pilot's first day, where its policies act together."""
    scen = scenarios.get(name)
    setup = RunSetup(scen, start=dt.date(2025, 8, 4), days=60, seed=seed)
    daily = run_and_check(setup)
    if any(p["type"] == "one_in_one_out" for p in scen.policies):
        assert daily.detained.sum() > 0  # the check above saw the pilot at work

