"""The history scenario's drivers, and the yearly table and misses set against the record."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import channelsim
from channelsim import data, hindcast, scenarios


def _record_members(scale: float, n: int = 3) -> list[pd.DataFrame]:
    rec = data.record()
    return [pd.DataFrame({"arrivals": rec.people * scale * (0.99 + 0.01 * k), "boats": rec.boats},
                         index=rec.index) for k in range(n)]


def test_yearly_table_sets_members_beside_the_record():
    table = hindcast.yearly_table(_record_members(1.0))
    assert list(table.index) == ["2018", "2019", "2020", "2021", "2022", "2023", "2024", "2025 H1"]
    assert table.loc["2024", "record_people"] == 36816 and table.loc["2025 H1", "record_people"] == 19982
    assert table.loc["2024", "people_median"] == pytest.approx(36816)
    assert table.loc["2024", "people_q95"] == pytest.approx(36816 * (1.0 + 0.9 * 0.01))
    assert table.loc["2024", "record_ppb"] == pytest.approx(36816 / 695)
    assert (table.people_q05 <= table.people_median).all() and (table.people_median <= table.people_q95).all()
    assert hindcast.misses(table) == []  # the record is the median of the members


def test_misses_name_years_off_by_more_than_the_tolerance_and_lost_backtests():
    table = hindcast.yearly_table(_record_members(1.5))
    lines = hindcast.misses(table)
    assert any(line.startswith("2024: people: model median") and "(+50%)" in line for line in lines)
    assert not any("people a boat" in line for line in lines[:1])
    bt = pd.DataFrame({"origin": [dt.date(2024, 1, 1)] * 2, "freq": ["week"] * 2,
                       "forecaster": ["model", "naive"], "crps": [300.0, 200.0]}
                      ).set_index(["origin", "freq", "forecaster"])
    assert hindcast.misses(table.iloc[:0], bt) == [
        "Forecast from 2024-01-01 by week: the model (CRPS 300) does not beat the seasonal naive "
        "forecast (200)."]


def test_the_history_scenario_spans_the_record_with_sourced_paths():
    scen = scenarios.get("history_2018_2025")
    assert scen.start == dt.date(2018, 1, 1) and scen.days == 2769
    assert set(scen.paths) == {"inflow_per_year", "officers_per_day", "boat_supply_per_day", "base_load"}
    officers = dict(zip(scen.paths["officers_per_day"]["dates"], scen.paths["officers_per_day"]["values"]))
    assert officers[dt.date(2023, 7, 1)] == 800 and officers[dt.date(2025, 6, 1)] == 1200
    assert all(d == dt.date(2018, 1, 1) for d in (p["dates"][0] for p in scen.paths.values()))
    assert scen.params["demand_volatility"] > 0


def test_the_first_weeks_of_the_history_cross_in_small_numbers_and_small_boats():
    daily = channelsim.simulate("history_2018_2025", days=120, seed=1)
    assert daily.index[0] == pd.Timestamp("2018-01-01")
    # the record has 11 people in the first four months of 2018
    assert daily.arrivals.sum() < 200
    landed = daily[daily.boats > 0]
    assert landed.empty or (landed.people_per_boat <= 15).all()
