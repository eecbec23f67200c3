"""Numerical edge cases: the model runs at the ends of its parameters' ranges and reports
sensible zeros (or the figures the edge implies) instead of failing, dividing by zero or
returning NaN.

Every run here is made with numpy's floating-point errors raised (division by zero, invalid
operations, overflow), so that a hidden ``0/0`` fails the test instead of leaving a NaN behind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import channelsim
from channelsim import FrenchPoliceUnit, SmugglingGang
from channelsim.model import ChannelModel
from channelsim.params import REGISTRY, Params
from channelsim.population import State

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

START, DAYS, SEED = "2024-05-01", 120, 7  # a summer: most days are crossable
#: The pilot in force from the run's first day, flying people back from then on.
PILOT = dict(scenario=channelsim.scenarios.Scenario(
    name="pilot_from_the_start", start=START, days=DAYS,
    policies=[{"type": "one_in_one_out", "start": START}]),
    first_removal_days=0)

#: Result columns counting people, boats or euros that a run without anyone on the coast,
#: without boats or without crossable days must report as zero every day.
CROSSING_COLUMNS = ["arrivals", "boats", "people_per_boat", "attempts", "launches", "stopped_beach",
                    "intercepted_sea", "stopped", "deaths", "rescued", "unassisted", "price_eur",
                    "revenue_eur", "bf_people", "bf_busy_hours", "bf_utilisation", "recrossed"]


def run(scenario=None, **overrides) -> pd.DataFrame:
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        return channelsim.simulate(scenario, start=START, days=DAYS, seed=SEED, **overrides)


def run_model(**overrides) -> ChannelModel:
    model = channelsim.build_model(start=START, seed=SEED, **overrides)
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        model.run_for(DAYS)
    return model


def assert_sound(daily: pd.DataFrame, initial_camp_population: int) -> None:
    """Finite, non-negative results whose daily flows account for the people present."""
    numeric = daily.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(float)).all()
    assert (numeric.drop(columns="net_effect") >= 0).all().all()
    present = daily.in_camps + daily.legal_queue + daily.in_detention + daily.returnees_away
    flows = (daily.inflow - daily.left - daily.deaths - (daily.arrivals - daily.detained)
             - daily.admitted - daily.released_uk)
    np.testing.assert_array_equal(present, initial_camp_population + flows.cumsum())


def assert_all_zero(daily: pd.DataFrame, columns: list[str]) -> None:
    nonzero = {c: daily[c].abs().max() for c in columns if (daily[c] != 0).any()}
    assert not nonzero, nonzero


# --------------------------------------------------------------------------------- nobody
def test_nobody_on_the_coast_reports_zeros_everywhere():
    daily = run(inflow_per_year=0, initial_camp_population=0)
    assert_sound(daily, 0)
    assert_all_zero(daily, CROSSING_COLUMNS + ["inflow", "left", "in_camps", "booked",
                                                "legal_applications", "legal_queue", "in_detention",
                                                "belief_stop", "belief_death", "belief_return"])
    assert daily.crossable.sum() > 60  # the weather still ran: calm days, nobody to cross
    assert daily.boats_in_stock.is_monotonic_increasing  # boats arrive and nobody uses them

    totals = channelsim.summary(daily)
    assert totals.arrivals == totals.attempts == totals.deaths == 0
    assert totals.people_per_boat == 0.0 and totals.stopped_share == 0.0
    monthly = channelsim.aggregate(daily, "month")
    assert np.isfinite(monthly.to_numpy(float)).all()
    assert (monthly[["people_per_boat", "price_eur"]] == 0).all().all()


def test_no_inflow_empties_the_camps_without_creating_anyone():
    daily = run(inflow_per_year=0, initial_camp_population=2000)
    assert_sound(daily, 2000)
    assert (daily.inflow == 0).all()
    assert daily.in_camps.is_monotonic_decreasing  # nobody comes in, and nobody comes back
    gone = daily.left.sum() + daily.deaths.sum() + daily.arrivals.sum()
    assert gone + daily.in_camps.iloc[-1] == 2000
    assert daily.in_camps.iloc[-1] < 500  # most cross or give up over a summer


# --------------------------------------------------------------------------------- no crossings
def test_no_crossable_days_means_no_attempts_and_a_growing_camp():
    daily = run(beaufort7_days_per_year=365)
    assert_sound(daily, 2000)
    assert not daily.crossable.any()
    assert (daily.beaufort >= 6.5).all()
    assert_all_zero(daily, CROSSING_COLUMNS + ["booked"])  # nobody books for a storm
    assert daily.boats_in_stock.is_monotonic_increasing
    assert (daily.in_camps == 2000 + (daily.inflow - daily.left).cumsum()).all()
    assert daily.in_camps.iloc[-1] > 10_000


def test_every_day_calm_means_every_day_crossable():
    daily = run(beaufort7_days_per_year=0)
    assert_sound(daily, 2000)
    assert daily.crossable.all() and (daily.beaufort < 6.5).all()
    assert (daily.attempts > 0).mean() > 0.5


def test_no_gangs_means_no_attempts_and_no_boats():
    model = run_model(n_gangs=0)
    daily = model.results()
    assert_sound(daily, 2000)
    assert len(model.agents_by_type.get(SmugglingGang, ())) == 0
    assert_all_zero(daily, CROSSING_COLUMNS + ["booked", "boats_in_stock"])
    assert (daily.in_camps == 2000 + (daily.inflow - daily.left).cumsum()).all()
    assert daily.left.sum() > 0  # people give up on a coast with nobody to take them


def test_no_boats_means_bookings_but_no_launches():
    daily = run(boat_supply_per_day=0, initial_boat_stock=0)
    assert_sound(daily, 2000)
    assert_all_zero(daily, CROSSING_COLUMNS + ["boats_in_stock"])
    assert daily.booked.max() > 100  # people pay a gang and wait for a boat that never comes


def test_cutting_the_whole_supply_leaves_only_the_initial_stock():
    daily = run(gang_disruption=1.0)
    assert_sound(daily, 2000)
    assert daily.boats_in_stock.is_monotonic_decreasing  # no boat is ever delivered
    assert 0 < daily.boats.sum() <= 30  # at most the initial stock of 30 boats reaches the UK


# --------------------------------------------------------------------------------- no enforcement
def test_no_police_means_no_stops_and_no_units():
    model = run_model(officers_per_day=0)
    daily = model.results()
    assert_sound(daily, 2000)
    assert len(model.agents_by_type.get(FrenchPoliceUnit, ())) == 0
    assert (model.stop_risk == 0).all()
    assert_all_zero(daily, ["stopped_beach", "stopped", "intercepted_sea"])
    assert daily.attempts.sum() > 5000
    assert daily.belief_stop.iloc[-1] < 0.2 < daily.belief_stop.iloc[0]  # people learn it


def test_no_border_force_means_no_pick_ups_and_no_utilisation():
    daily = run(bf_vessels=0)
    assert_sound(daily, 2000)
    assert_all_zero(daily, ["bf_people", "bf_busy_hours", "bf_utilisation"])
    assert (daily.unassisted == daily.boats).all() and daily.arrivals.sum() > 5000


def test_border_force_that_never_finds_a_boat_picks_nobody_up():
    daily = run(bf_detection_per_hour=0)
    assert_sound(daily, 2000)
    assert_all_zero(daily, ["bf_people", "bf_busy_hours", "bf_utilisation"])
    assert (daily.unassisted == daily.boats).all()


# --------------------------------------------------------------------------------- the pilot at zero
def test_a_weekly_cap_of_zero_returns_nobody():
    daily = run(**PILOT, weekly_return_cap=0)
    assert_sound(daily, 2000)
    assert_all_zero(daily, ["detained", "returned", "admitted", "in_detention", "recrossed"])
    assert (daily.net_effect == daily.arrivals).all()
    assert daily.arrivals.sum() > 5000


def test_no_detention_places_detains_and_returns_nobody():
    daily = run(**PILOT, detention_places=0)
    assert_sound(daily, 2000)
    assert_all_zero(daily, ["detained", "returned", "admitted", "in_detention"])
    assert daily.arrivals.sum() > 5000


def test_no_admissions_per_return_returns_people_but_admits_nobody():
    daily = run(**PILOT, admissions_per_return=0)
    assert_sound(daily, 2000)
    assert daily.returned.sum() > 100
    assert_all_zero(daily, ["admitted"])
    assert (daily.net_effect == daily.arrivals - daily.returned).all()


def test_immediate_returns_with_no_delay():
    daily = run(**PILOT, referral_days=0, answer_days=0, weekly_return_cap=5000, detention_places=10000,
                removal_seats_per_week=5000, france_refusal_share=0.0, challenge_share=0.0,
                pilot_selection_share=1.0, pilot_returnable_share=1.0)
    assert_sound(daily, 2000)
    assert (daily.returned == daily.detained).all()  # returned the day they land
    assert (daily.in_detention == 0).all()
    assert daily.returned.sum() > 5000


def test_security_checks_refusing_everyone_admit_nobody():
    daily = run(**PILOT, security_refusal_share=1.0)
    assert_sound(daily, 2000)
    assert daily.returned.sum() > 100
    assert_all_zero(daily, ["admitted"])


# --------------------------------------------------------------------------------- extreme loads and risk
def test_one_person_per_boat():
    daily = run(max_load=1, base_load=1)  # a base load above the ceiling is refused
    assert_sound(daily, 2000)
    crossed = daily.boats > 0
    assert crossed.sum() > 10
    assert (daily.people_per_boat[crossed] == 1).all()
    assert (daily.launches == daily.attempts).all() and (daily.arrivals == daily.boats).all()


def test_boats_packed_far_beyond_the_default_cap():
    daily = run(max_load=150, base_load=100)
    assert_sound(daily, 2000)
    assert daily.people_per_boat.max() > 100
    assert (daily.people_per_boat <= 150).all()
    assert (daily.arrivals <= 150 * daily.boats).all()
    default = run()
    assert daily.deaths.sum() > 5 * max(default.deaths.sum(), 1)  # overloading kills


def test_a_fractional_max_load_is_never_exceeded():
    daily = run(max_load=1.5, base_load=1.5)
    assert_sound(daily, 2000)
    assert (daily.people_per_boat[daily.boats > 0] == 1).all()


def test_every_boat_at_sea_in_distress():
    daily = run(distress_hazard_per_hour=1)
    assert_sound(daily, 2000)
    at_sea = daily.attempts - daily.stopped
    assert (daily.rescued + daily.deaths == at_sea).all()  # everyone at sea was in distress
    death_share = daily.deaths.sum() / at_sea.sum()
    assert 0.10 < death_share < 0.14  # death_share_in_distress = 0.12
    assert daily.arrivals.sum() < 0.3 * at_sea.sum()  # most were rescued in French waters


def test_everyone_in_distress_dies_and_nobody_lands():
    daily = run(distress_hazard_per_hour=1, death_share_in_distress=1)
    assert_sound(daily, 2000)
    at_sea = daily.attempts - daily.stopped
    assert (daily.deaths == at_sea).all() and at_sea.sum() > 100
    assert_all_zero(daily, ["arrivals", "boats", "rescued", "unassisted", "bf_people"])
    # word of the deaths spreads: the camps come to believe death far likelier than newcomers do
    assert daily.belief_death.iloc[-1] > 20 * Params().prior_death_belief


def test_every_boat_at_sea_intercepted():
    daily = run(sea_interceptions=True, sea_interception_target="both", sea_interception_rate=1,
                interception_death_risk=0.2)
    assert_sound(daily, 2000)
    assert_all_zero(daily, ["arrivals", "boats", "bf_people"])
    assert (daily.intercepted_sea + daily.stopped_beach + daily.deaths == daily.attempts).all()
    assert 0.15 < daily.deaths.sum() / (daily.attempts - daily.stopped_beach).sum() < 0.25


# --------------------------------------------------------------------------------- every bound
BOUNDS = [(s.name, bound) for s in REGISTRY if s.kind in ("float", "int")
          for bound in (s.low, s.high)]


@pytest.mark.parametrize("name, value", BOUNDS, ids=[f"{n}={v:g}" for n, v in BOUNDS])
def test_each_parameter_at_each_bound_runs_soundly(name, value):
    """Each numeric parameter alone at the end of its range, 45 summer days."""
    overrides = {name: value}
    if name == "base_load":
        overrides["max_load"] = 150  # the boat can take what the gang wants to load
    if name == "max_load" and value < Params().base_load:
        overrides["base_load"] = value  # base_load <= max_load
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        model = channelsim.build_model(start="2024-06-01", seed=SEED, **overrides)
        model.run_for(45)
    daily = model.results()
    assert_sound(daily, model.params.initial_camp_population)
    assert model.population.count(State.LANDED) == 0


# --------------------------------------------------------------------------------- calendar
@pytest.mark.parametrize("start", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-30"])
def test_start_dates_outside_the_calendar_span_are_refused(start):
    """Dates so far out that the run's calendar would overflow are refused up front, by name."""
    from channelsim.params import ParameterError

    with pytest.raises(ParameterError, match=rf"start='{start}' is out of range: expected a date "
                                             r"between 1900-01-01 and 2199-12-31"):
        channelsim.simulate(start=start, days=5, seed=SEED)


def test_the_calendar_span_ends_run_soundly():
    for start in ("1900-01-01", "2199-12-01"):
        daily = channelsim.simulate(start=start, days=31, seed=SEED)
        assert_sound(daily, 2000)


def test_a_run_past_the_end_of_the_calendar_is_refused_before_running():
    from channelsim.params import ParameterError

    with pytest.raises(ParameterError, match=r"days=100 is out of range: a run from 2199-12-01 must "
                                             r"end by 2199-12-31, expected at most 31 days"):
        channelsim.simulate(start="2199-12-01", days=100, seed=SEED)
    with pytest.raises(ParameterError, match=r"days=100000000000 is invalid: expected a whole "
                                             r"number of days from 1 to 109573"):
        channelsim.simulate(days=100_000_000_000, seed=SEED)


# --------------------------------------------------------------------------------- params=
def test_simulate_takes_params_as_a_mapping_or_params():
    """``params`` is the base the scenario's values and keyword overrides go on top of."""
    daily = channelsim.simulate(days=5, seed=SEED, params={"officers_per_day": 1200, "bf_vessels": 2},
                                bf_vessels=3)
    assert len(daily) == 5
    assert daily.attrs["params"] == {"officers_per_day": 1200.0, "bf_vessels": 3}
    same = channelsim.simulate(days=5, seed=SEED, params=Params(officers_per_day=1200, bf_vessels=3))
    pd.testing.assert_frame_equal(daily, same)
    scen = channelsim.build_model("pilot_announced", params={"weekly_return_cap": 10})
    assert scen.params.weekly_return_cap == 50  # the scenario's own value goes on top


@pytest.mark.parametrize("params, message", [
    (5, r"params=5 is invalid: expected Params, a mapping"),
    ({"officers_per_dya": 3}, r"unknown parameter 'officers_per_dya'"),
    ({"officers_per_day": -500}, r"officers_per_day=-500 is out of range"),
    ({"base_load": 100, "max_load": 1}, r"base_load=100.0 is above max_load=1.0"),
])
def test_bad_params_are_refused_by_name(params, message):
    from channelsim.params import ParameterError

    with pytest.raises(ParameterError, match=message):
        channelsim.simulate(days=5, seed=SEED, params=params)
