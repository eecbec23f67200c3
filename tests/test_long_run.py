"""A ten-year default run: the accounting holds to the end, memory follows the people present
(not everyone who ever came), and the crossings neither die out nor explode.

The run is made once for the module (about ten seconds) and audited after every day.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd
import pytest

import channelsim
from channelsim.model import ChannelModel
from channelsim.population import FREE, Migrant, State

YEARS, SEED = 10, 2024
START = "2024-01-01"


@dataclass
class TenYears:
    model: ChannelModel
    daily: pd.DataFrame
    present: np.ndarray  #: people modelled individually at each day's end
    capacity: np.ndarray  #: slots of the population store at each day's end
    agents: np.ndarray  #: every Mesa agent of the model at each day's end


@pytest.fixture(scope="module")
def ten_years() -> TenYears:
    model = channelsim.build_model(start=START, seed=SEED)
    days = (pd.Timestamp(START) + pd.DateOffset(years=YEARS) - pd.Timestamp(START)).days
    present, capacity, agents = (np.zeros(days, dtype=np.int64) for _ in range(3))
    pop = model.population
    for d in range(days):
        model.step()
        present[d] = np.count_nonzero(pop.state != FREE)
        capacity[d] = pop.capacity
        agents[d] = len(model.agents)
    return TenYears(model, model.results(), present, capacity, agents)


def yearly_arrivals(daily: pd.DataFrame) -> pd.Series:
    return daily.arrivals.groupby(daily.index.year).sum()


def test_the_run_covers_ten_calendar_years(ten_years):
    daily = ten_years.daily
    assert daily.index[0] == pd.Timestamp("2024-01-01")
    assert daily.index[-1] == pd.Timestamp("2033-12-31")
    assert list(yearly_arrivals(daily).index) == list(range(2024, 2034))


def test_everyone_who_entered_is_accounted_for_after_ten_years(ten_years):
    model, daily = ten_years.model, ten_years.daily
    pop = model.population
    counts = pop.counts()
    assert int(counts.sum()) == pop.entered
    assert pop.entered == model.params.initial_camp_population + daily.inflow.sum()
    assert counts[State.DEAD] == daily.deaths.sum()
    assert counts[State.LEFT] == daily.left.sum()
    assert counts[State.LANDED] == daily.arrivals.sum()  # no pilot: everyone who landed stays
    assert counts[State.IN_CAMP] == daily.in_camps.iloc[-1]
    assert pop.entered > 400_000  # ten years of inflow went through the store


def test_migrant_agents_are_the_people_present_at_the_end(ten_years):
    model = ten_years.model
    pop = model.population
    present = np.flatnonzero(pop.state != FREE)
    migrants = model.agents_by_type[Migrant]
    assert len(migrants) == len(present) == ten_years.present[-1]
    assert {m.slot for m in migrants} == set(present.tolist())
    assert len(present) == ten_years.daily.in_camps.iloc[-1] + ten_years.daily.legal_queue.iloc[-1] \
        + ten_years.daily.in_detention.iloc[-1]


def test_memory_follows_the_peak_present_not_everyone_who_entered(ten_years):
    peak = int(ten_years.present.max())
    capacity = ten_years.capacity
    # the store doubles only when the people present outgrow it, from 4096 slots
    assert capacity.max() <= max(4096, 2 * peak), (capacity.max(), peak)
    assert capacity[-1] * 20 < ten_years.model.population.entered
    # the store grows only when the people present and the day's newcomers outgrow it
    inflow = ten_years.daily.inflow.to_numpy()
    grew = np.flatnonzero(np.diff(capacity) > 0) + 1
    for d in grew:
        assert ten_years.present[d - 1] + inflow[d] > capacity[d - 1], d
    # besides the people present, the model holds only today's gangs, police units and vessels
    p = ten_years.model.params
    others = p.n_gangs + round(p.officers_per_day / p.officers_per_unit) + p.bf_vessels
    assert (ten_years.agents - ten_years.present == others).all()


def test_history_grows_by_the_day_not_by_the_person(ten_years):
    collector: mesa.DataCollector = ten_years.model.datacollector
    assert not collector.agent_reporters  # nothing is recorded per agent
    days = len(ten_years.daily)
    assert all(len(values) == days for values in collector.model_vars.values())
    assert len(ten_years.model.boats_today) < 200  # boats live for a day


def test_yearly_arrivals_neither_die_out_nor_explode(ten_years):
    yearly = yearly_arrivals(ten_years.daily)
    first = yearly.iloc[0]
    ratio = yearly / first
    assert ratio.between(0.5, 2.0).all(), yearly.to_dict()
    camps = ten_years.daily.in_camps.groupby(ten_years.daily.index.year).mean()
    assert (camps / camps.iloc[0]).between(0.33, 3.0).all(), camps.to_dict()
