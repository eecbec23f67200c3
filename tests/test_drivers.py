"""Dated inputs (paths of parameters inside a scenario) and the demand process."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import channelsim
from channelsim import ParameterError, scenarios
from channelsim.drivers import DatedPath, parse_paths

TOML = """
name = "dated"
start = 2024-01-01
days = 20

[paths.officers_per_day]
dates = [2024-01-01, 2024-01-11]
values = [100, 2100]
interpolation = "step"

[paths.inflow_per_year]
dates = [2024-01-06, 2024-01-16]
values = [0, 100000]
interpolation = "linear"
"""


def test_step_and_linear_paths_give_each_days_value():
    step = DatedPath(parameter="officers_per_day", dates=["2020-01-01", "2021-01-01"], values=[200, 600])
    assert step.value_at("2019-12-31") is None  # the standing value holds before the first date
    assert step.value_at("2020-01-01") == 200 and step.value_at("2020-12-31") == 200
    assert step.value_at("2021-01-01") == 600 and step.value_at("2030-01-01") == 600
    lin = DatedPath(parameter="officers_per_day", dates=["2020-01-01", "2020-01-11"], values=[0, 1000],
                    interpolation="linear")
    assert lin.value_at("2020-01-06") == pytest.approx(500.0)
    # whole-number parameters stay whole
    vessels = DatedPath(parameter="bf_vessels", dates=["2020-01-01", "2020-01-04"], values=[2, 3],
                        interpolation="linear")
    assert vessels.value_at("2020-01-02") == 2.0 and vessels.value_at("2020-01-03") == 3.0


@pytest.mark.parametrize("kwargs, message", [
    (dict(dates=["2020-01-02", "2020-01-01"], values=[1, 2]),
     r"path of officers_per_day: date 2020-01-01 comes after 2020-01-02"),
    (dict(dates=["2020-01-01", "2020-01-01"], values=[1, 2]),
     r"path of officers_per_day: date 2020-01-01 appears twice"),
    (dict(dates=["2020-01-01", "2021-03-01"], values=[1, 9000]),
     r"path of officers_per_day on 2021-03-01: officers_per_day=9000.0 is out of range"),
    (dict(dates=["2020-01-01"], values=[1, 2]), r"1 dates and 2 values"),
    (dict(dates=["2020-13-01"], values=[1]), r"path of officers_per_day: '2020-13-01' is not a date"),
])
def test_bad_paths_are_refused_naming_the_parameter_and_date(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        DatedPath(parameter="officers_per_day", **kwargs)


def test_paths_of_parameters_read_only_when_the_model_is_built_are_refused():
    with pytest.raises(ParameterError, match="path of n_gangs: refused: n_gangs is only read when"):
        DatedPath(parameter="n_gangs", dates=["2020-01-01"], values=[3])
    with pytest.raises(ParameterError, match="path of sea_interceptions: refused: .* is a bool"):
        DatedPath(parameter="sea_interceptions", dates=["2020-01-01"], values=[1])
    with pytest.raises(ParameterError, match="unknown parameter 'oficers_per_day'"):
        parse_paths({"oficers_per_day": {"dates": ["2020-01-01"], "values": [3]}})


def test_a_scenario_carries_paths_through_toml_and_the_model_follows_them():
    scen = scenarios.loads(TOML)
    assert scenarios.loads(scenarios.dumps(scen)) == scen
    model = channelsim.build_model(scen, seed=3)
    seen = []
    for _ in range(20):
        model.step()
        seen.append((model.params.officers_per_day, model.params.inflow_per_year))
    officers, inflow = np.array(seen).T
    assert (officers[:10] == 100).all() and (officers[10:] == 2100).all()
    assert (inflow[:5] == channelsim.Params().inflow_per_year).all()  # before the path's first date
    assert inflow[5] == 0 and inflow[10] == pytest.approx(50000) and (inflow[15:] == 100000).all()
    daily = model.results()
    # nobody reaches the coast on the day the inflow is 0; hundreds a day at 100,000 a year
    assert daily.inflow.iloc[5] == 0 and daily.inflow.iloc[15:].mean() > 150
    # an explicit value replaces the path
    fixed = channelsim.build_model(scen, seed=3, officers_per_day=700)
    fixed.run_for(12)
    assert fixed.params.officers_per_day == 700


def test_a_bad_path_in_a_scenario_names_the_scenario_and_parameter():
    bad = TOML.replace("values = [100, 2100]", "values = [100, -5]")
    with pytest.raises(scenarios.ScenarioError, match=r"scenario 'dated', \[paths\]: path of "
                       r"officers_per_day on 2024-01-11: officers_per_day=-5.0 is out of range"):
        scenarios.loads(bad)


def test_without_volatility_or_paths_a_run_is_unchanged_and_draws_nothing_extra():
    model = channelsim.build_model(None, seed=5)
    assert model.drivers is None
    a = channelsim.simulate(days=15, seed=5)
    b = channelsim.simulate(days=15, seed=5, demand_volatility=0.0)
    pd.testing.assert_frame_equal(a, b)


def test_demand_volatility_moves_the_inflow_by_a_mean_one_multiplier_from_the_models_generator():
    model = channelsim.build_model(None, seed=9, demand_volatility=0.5, demand_memory_days=30,
                                   start="2024-01-01")
    multipliers, inflow = [], []
    for _ in range(200):
        model.step()
        multipliers.append(model.drivers.demand_multiplier)
        inflow.append(model.tally.inflow)
    m = np.array(multipliers)
    logs = np.log(m)
    assert m.std() > 0.1 and 0.6 < m.mean() < 1.6
    # persistence: consecutive days' log multipliers are close (memory of 30 days)
    assert np.corrcoef(logs[:-1], logs[1:])[0, 1] > 0.9
    # the standing inflow stays within the registry; the day's arrivals follow the multiplier
    assert model.params.inflow_per_year == 44600.0
    assert np.corrcoef(m, inflow)[0, 1] > 0.5
    again = channelsim.simulate(days=30, seed=9, demand_volatility=0.5, demand_memory_days=30)
    pd.testing.assert_frame_equal(again, channelsim.simulate(days=30, seed=9, demand_volatility=0.5,
                                                             demand_memory_days=30))


def test_the_demand_draws_from_its_own_stream_so_paired_runs_share_their_surges():
    """Two runs with one seed and different police numbers face the same demand path, day by
    day (the demand's stream is not shifted by the draws the police change)."""
    import channelsim

    paths = []
    for officers in (400.0, 1600.0):
        model = channelsim.build_model(seed=11, demand_volatility=0.8, officers_per_day=officers)
        multipliers = []
        for _ in range(120):
            model.step()
            multipliers.append(model.drivers.demand_multiplier)
        paths.append(multipliers)
    assert paths[0] == paths[1]
    assert len(set(paths[0])) > 100  # it moved
