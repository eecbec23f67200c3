"""Forecasts that branch from the history's state on a date, and the rolling-origin backtest."""

from __future__ import annotations

import pandas as pd
import pytest

import channelsim
from channelsim import ParameterError, scenarios

# A short history: nobody reaches the coast until 20 January, then the inflow jumps.
SHORT = scenarios.loads("""
name = "short_history"
start = 2024-01-01
days = 45

[params]
demand_volatility = 0.3
initial_camp_population = 300

[paths.inflow_per_year]
dates = [2024-01-01, 2024-01-20]
values = [0, 60000]
""")


@pytest.fixture(scope="module")
def fc() -> channelsim.Forecast:
    return channelsim.forecast("2024-01-25", 6, 3, scenario=SHORT, seed=7)


def test_members_start_from_the_same_past_and_have_independent_futures(fc):
    assert fc.daily.date.min() == pd.Timestamp("2024-01-25") and fc.daily.date.max() == pd.Timestamp("2024-01-30")
    assert sorted(fc.daily.replicate.unique()) == [0, 1, 2] and len(fc.daily) == 18
    wide = fc.daily.pivot_table(index="date", columns="replicate", values="inflow")
    assert wide.nunique(axis=1).max() > 1  # futures differ
    # the past is shared: every member's camps on the first morning held the same people, so
    # the first day's waiting population differs only by that day's events
    first = fc.daily[fc.daily.date == "2024-01-25"]
    assert first.in_camps.max() - first.in_camps.min() <= first.inflow.max() + first.attempts.max() + first.left.max()


def test_one_seed_gives_one_result_and_members_do_not_depend_on_how_many(fc):
    again = channelsim.forecast("2024-01-25", 6, 2, scenario=SHORT, seed=7)
    pd.testing.assert_frame_equal(again.daily, fc.daily[fc.daily.replicate < 2].reset_index(drop=True))
    other = channelsim.forecast("2024-01-25", 6, 2, scenario=SHORT, seed=8)
    assert not other.daily.inflow.equals(again.daily.inflow)


def test_held_inputs_keep_the_eves_values_and_scenario_inputs_run_on():
    held = channelsim.forecast("2024-01-15", 10, 2, scenario=SHORT, seed=1)
    ran = channelsim.forecast("2024-01-15", 10, 2, scenario=SHORT, seed=1, inputs="scenario")
    # the jump of 20 January is unknown on 14 January: held members see nobody arrive
    assert held.daily.inflow.sum() == 0
    assert ran.daily[ran.daily.date >= "2024-01-20"].inflow.sum() > 100


def test_dates_the_history_does_not_reach_are_refused():
    with pytest.raises(ParameterError, match=r"from_date=2024-02-16 is not reached by the history: "
                       r"expected a date from 2024-01-02 to 2024-02-15"):
        channelsim.forecast("2024-02-16", 5, 2, scenario=SHORT)
    with pytest.raises(ParameterError, match="from_date=2024-01-01 is not reached"):
        channelsim.forecast("2024-01-01", 5, 2, scenario=SHORT)
    with pytest.raises(ParameterError, match="inputs='future'"):
        channelsim.forecast("2024-01-10", 5, 2, scenario=SHORT, inputs="future")
    with pytest.raises(ParameterError, match="n=0"):
        channelsim.forecast("2024-01-10", 5, 0, scenario=SHORT)


def test_backtest_scores_each_origin_against_the_record_and_the_baselines():
    table = channelsim.validation.backtest(["2024-01-08", "2024-01-22"], 14, 2, scenario=SHORT,
                                           seed=3, freqs=["week"])
    assert list(table.index.names) == ["origin", "freq", "forecaster"]
    assert len(table) == 6 and set(table.index.get_level_values("forecaster")) == {"model", "naive", "negbin"}
    assert (table.periods == 2).all()
    assert ((table.coverage_90 >= 0) & (table.coverage_90 <= 1)).all() and (table.crps >= 0).all()
    assert table.attrs["summary"].loc[("week", "model"), "crps"] == pytest.approx(
        table.xs("model", level="forecaster").crps.mean())
    assert len(table.attrs["verdicts"]) == 2


def test_backtest_refuses_origins_whose_horizon_leaves_the_record():
    with pytest.raises(ParameterError, match=r"origin 2025-07-20 with horizon_days=30: end=2025-08-18 "
                       "is outside the record"):
        channelsim.validation.backtest(["2025-07-20"], 30, 2)


def test_the_default_history_forecasts_from_a_date_it_reaches():
    fc = channelsim.forecast("2018-03-01", 7, 2, seed=4)
    assert fc.scenario == "history_2018_2025" and fc.inputs == "held"
    assert len(fc.daily) == 14 and fc.totals.arrivals.max() < 100  # a quiet winter week of 2018
    bands = fc.bands("arrivals", "week")
    assert (bands["q05"] <= bands["median"]).all() and (bands["median"] <= bands["q95"]).all()
    with pytest.raises(ParameterError, match="from_date=2025-08-02 is not reached by the history"):
        channelsim.forecast("2025-08-02", 7, 2)


def test_held_demand_holds_its_last_years_mean_and_other_inputs_their_last_value():
    from channelsim.drivers import DatedPath
    from channelsim.forecasting import _held

    dates = ["2020-01-01", "2021-01-01", "2021-07-02"]
    path = DatedPath(parameter="inflow_per_year", dates=dates, values=[900, 100, 300])
    held = _held(path, pd.Timestamp("2022-01-01").date())
    assert held.value_at("2021-03-01") == 100  # the past is kept
    # 182 days at 100 and 183 at 300 in the year to 31 December 2021
    assert held.value_at("2022-01-01") == pytest.approx((182 * 100 + 183 * 300) / 365)
    assert held.value_at("2030-01-01") == held.value_at("2022-01-01")
    officers = DatedPath(parameter="officers_per_day", dates=dates, values=[900, 100, 300],
                         interpolation="linear")
    assert _held(officers, pd.Timestamp("2021-04-01").date()).value_at("2021-12-01") == 100
    assert _held(officers, pd.Timestamp("2020-01-01").date()) is None  # nothing known yet


def test_members_draw_their_own_weather_after_the_origin(fc):
    wide = fc.daily.pivot_table(index="date", columns="replicate", values="beaufort")
    assert wide.nunique(axis=1).min() > 1  # every day to come: a wind force of each member's own
